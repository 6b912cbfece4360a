import type { ErrorKind } from '../exchange/types.js';
import { classifyError } from '../exchange/classify.js';

/** The exchange-boundary classification of any error a task saw ('unknown' for our own bugs). */
export function errorKindOf(error: unknown): ErrorKind {
  return classifyError(error).kind;
}
