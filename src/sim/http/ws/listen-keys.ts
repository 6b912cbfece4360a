import { randomBytes } from 'node:crypto';

/** How long a Binance listenKey lives without a keep-alive. */
export const LISTEN_KEY_VALIDITY_MS = 60 * 60_000;

/**
 * The account's user-data listenKey, as Binance USD-M keeps it: one key per account; `POST`
 * answers the live key (extending it) or a new one; `PUT` extends it; a key not kept alive for
 * {@link LISTEN_KEY_VALIDITY_MS} expires, and so does one a fault expires early.
 */
export class ListenKeys {
  #key: string | undefined;
  #expiresAt = 0;
  readonly #validityMs: number;

  /** @param validityMs - more than 0 ms. @defaultValue LISTEN_KEY_VALIDITY_MS */
  constructor(validityMs = LISTEN_KEY_VALIDITY_MS) {
    // NaN or 0 would expire every key at birth, and a negative one before: a user stream never dials.
    if (!(validityMs > 0) || !Number.isFinite(validityMs)) {
      throw new RangeError(`listenKeyValidityMs must be a positive number of ms (Binance's is ${LISTEN_KEY_VALIDITY_MS}), not ${validityMs}`);
    }
    this.#validityMs = validityMs;
  }

  /** `POST /fapi/v1/listenKey`: the live key, extended, or a new one. */
  open(nowMs: number): string {
    if (this.#key === undefined || !this.isValid(this.#key, nowMs)) this.#key = randomBytes(32).toString('hex');
    this.#expiresAt = nowMs + this.#validityMs;
    return this.#key;
  }

  /** `PUT /fapi/v1/listenKey`: extends the live key; false when there is none. */
  keepAlive(nowMs: number): boolean {
    if (this.#key === undefined || !this.isValid(this.#key, nowMs)) return false;
    this.#expiresAt = nowMs + this.#validityMs;
    return true;
  }

  /** `DELETE /fapi/v1/listenKey`. */
  close(): void {
    this.#key = undefined;
  }

  /** Whether `key` is the live key at `nowMs`. */
  isValid(key: string, nowMs: number): boolean {
    return key === this.#key && nowMs < this.#expiresAt;
  }

  /** The live key at `nowMs`, if any. */
  current(nowMs: number): string | undefined {
    return this.#key !== undefined && this.isValid(this.#key, nowMs) ? this.#key : undefined;
  }

  /** Expires the live key now; returns it (undefined when there was none). */
  expire(nowMs: number): string | undefined {
    const key = this.current(nowMs);
    this.#key = undefined;
    return key;
  }
}
