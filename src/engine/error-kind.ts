import type { ErrorKind } from '../exchange/types.js';
import { errorKind } from '../exchange/classify.js';

/**
 * The exchange-boundary classification of any error a task saw ('unknown' for our own bugs). A
 * kind already attached (by the session, or by a task summarising several failures) wins.
 */
export function errorKindOf(error: unknown): ErrorKind {
  return errorKind(error);
}
