/**
 * Why the simulated venue refused a request. Each face maps these to its own dialect: the ccxt
 * subclass to ccxt error classes, the HTTP face to Binance `{code, msg}` bodies.
 */
export type SimErrorCode =
  /** Not enough free margin (or, on spot, not enough of the asset sold). Binance -2019/-2010. */
  | 'insufficient_funds'
  /** The symbol or market id is not listed. Binance -1121. */
  | 'bad_symbol'
  /** Amount, price, notional, side, type or reduce-only rules violated. Binance -1111/-1013/-2022/-4164. */
  | 'invalid_order'
  /** The client order id is already used by another order of the account. Binance -4015. */
  | 'duplicate_client_order_id'
  /** No such order (or not visible yet). Binance -2013 (query) / -2011 (cancel). */
  | 'order_not_found'
  /** Cancel of an order that is already closed, canceled or expired. Binance -2011. */
  | 'order_not_open'
  /** A post-only order would have taken liquidity. Binance -5022; ccxt `OrderImmediatelyFillable` in process. */
  | 'post_only_would_take'
  /** A stop or take-profit whose trigger is already reached. Binance -2021. */
  | 'would_trigger_now'
  /** A request argument is malformed (bad timeframe, negative limit, …). Binance -1100/-1120. */
  | 'bad_request';

/**
 * A refusal a face must tell apart from others of its code: `reduce_only_rejected` is an
 * `invalid_order` that Binance answers with its own code (-2022), a reduce-only order with no
 * position to reduce.
 */
export type SimErrorDetail = 'reduce_only_rejected';

/** A typed refusal from {@link SimVenue}; `code` is stable, `message` is for humans. */
export class SimError extends Error {
  override name = 'SimError';
  constructor(
    readonly code: SimErrorCode,
    message: string,
    readonly detail?: SimErrorDetail,
  ) {
    super(message);
  }
}
