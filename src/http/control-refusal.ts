/** HTTP statuses an operator action can be refused with. */
export type RefusalStatus = 400 | 404 | 409 | 429 | 502 | 503;

/**
 * An operator request the engine will not carry out, with the HTTP status that says why: 400
 * for a bad field (named in `field`), 404 for an unknown order or attribute, 409 when the order
 * is in a state that does not allow it or the exchange refused, 429 when too many reads are out
 * at once, 502 when no answer came from the exchange, 503 while the engine cannot act (still
 * starting, or stopping) or the exchange's rate budget is needed by the strategy.
 */
export class ControlRefusal extends Error {
  override name = 'ControlRefusal';

  constructor(
    message: string,
    readonly status: RefusalStatus,
    /** The request field at fault, for 400s. */
    readonly field: string | null = null,
    /** Seconds to wait before asking again, sent as `Retry-After`; null: no such header. */
    readonly retryAfterSecs: number | null = null,
  ) {
    super(message);
  }
}
