import type { ErrorKind } from '../exchange/types.js';
import { errorKind } from '../exchange/classify.js';

/**
 * The exchange-boundary classification of any error a task saw ('unknown' for our own bugs). A
 * kind already attached (by the session, or by a task summarising several failures) wins.
 *
 * A task places no orders (the executor settles those itself), so a request the exchange
 * refused for its arguments (`BadRequest`, `BadSymbol`, `ArgumentsRequired`: a timeframe it does
 * not offer, an unknown symbol) is the config's or the helper's mistake: `usage`, not
 * `invalid_order`.
 */
export function errorKindOf(error: unknown): ErrorKind {
  const kind = errorKind(error);
  return kind === 'invalid_order' ? 'usage' : kind;
}
