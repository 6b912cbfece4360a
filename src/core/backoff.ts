/** Options of a {@link Backoff}. */
export interface BackoffOptions {
  /** The first delay. @defaultValue 500 */
  baseMs?: number;
  /** No delay is longer than this. @defaultValue 30000 */
  maxMs?: number;
  /** Each delay is the previous one times this. @defaultValue 2 */
  factor?: number;
  /**
   * Uniform [0,1) source. With one, each delay is scaled into [0.5, 1] of its nominal value, so
   * many clients retrying together spread out. @defaultValue no jitter
   */
  random?: () => number;
}

/**
 * Exponential backoff for retry loops: `next()` gives the delay before the next try (base,
 * base × factor, … capped at `maxMs`), `reset()` starts over after a success. One small object
 * instead of a `delay = Math.min(delay * 2, cap)` copy in every loop.
 */
export class Backoff {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #random: (() => number) | undefined;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#baseMs = Math.max(0, options.baseMs ?? 500);
    this.#maxMs = Math.max(this.#baseMs, options.maxMs ?? 30_000);
    this.#factor = Math.max(1, options.factor ?? 2);
    this.#random = options.random;
  }

  /** How many delays were handed out since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The nominal delay (no jitter) before retry number `attempt` (1-based). */
  nominalMs(attempt: number): number {
    const exponent = Math.min(Math.max(0, attempt - 1), 60);
    return Math.min(this.#maxMs, this.#baseMs * this.#factor ** exponent);
  }

  /** The delay before the next try; each call moves one step up. */
  next(): number {
    this.#attempt += 1;
    const nominal = this.nominalMs(this.#attempt);
    return this.#random ? Math.round(nominal * (0.5 + 0.5 * this.#random())) : nominal;
  }

  /** Starts again from `baseMs`. */
  reset(): void {
    this.#attempt = 0;
  }
}
