/** How far back {@link StreamLag.maxMs} looks, ms. */
export const LAG_WINDOW_MS = 60_000;

/**
 * How far behind the exchange one stream's deliveries are: for each delivery that carries an
 * exchange event time, the time it arrived less that event's time and the known clock offset
 * (this machine's clock minus the exchange's), at least 0. A delivery delayed anywhere on its way
 * (the venue's gateway, the network, a busy market-data thread) shows here, while its receipt
 * alone looks live.
 *
 * Kept: the last delivery's lag, the largest of the last {@link LAG_WINDOW_MS} (what a scrape
 * every 15 s would miss between two samples), and whether the last delivery was behind by more
 * than the stream's stall limit (see {@link behind}).
 */
export class StreamLag {
  readonly #limitMs: number;
  #lastMs: number | null = null;
  #behind = false;
  /**
   * The window's deliveries as (arrival, lag), lags strictly decreasing from the front: a
   * delivery hides every earlier one whose lag is no larger, so the front is the window's largest.
   */
  #window: { at: number; lagMs: number }[] = [];

  /** @param limitMs - the stream's stall limit (`stall_after_secs`). */
  constructor(limitMs: number) {
    this.#limitMs = limitMs;
  }

  /**
   * Notes a delivery that arrived at `receivedAt` (this machine's clock) carrying events up to
   * `eventTime` (the exchange's clock), `offsetMs` being this machine's clock minus the
   * exchange's. Returns the event's time on this machine's clock, never after its arrival (a
   * clock the offset does not fully correct must not date an event in the future).
   */
  note(receivedAt: number, eventTime: number, offsetMs: number): number {
    const local = Math.min(receivedAt, eventTime + offsetMs);
    const lagMs = receivedAt - local;
    this.#lastMs = lagMs;
    this.#behind = lagMs > this.#limitMs;
    this.#expire(receivedAt);
    while (this.#window.length > 0 && this.#window.at(-1)!.lagMs <= lagMs) this.#window.pop();
    this.#window.push({ at: receivedAt, lagMs });
    return local;
  }

  /** The last delivery's lag, ms; null before a delivery with an event time. */
  get lastMs(): number | null {
    return this.#lastMs;
  }

  /** The largest lag of the deliveries that arrived in the last {@link LAG_WINDOW_MS}; null when none. */
  maxMs(now: number): number | null {
    this.#expire(now);
    return this.#window[0]?.lagMs ?? null;
  }

  /**
   * The last delivery was behind by more than the stall limit. A user stream, which may be
   * quiet for hours, is judged by this rather than by the age of its last event: one late
   * update is a stall (torn down, resubscribed, gap filled), and an update on time clears it.
   */
  get behind(): boolean {
    return this.#behind;
  }

  /** Forgets {@link behind}: a new subscription is judged by its own deliveries. */
  clearBehind(): void {
    this.#behind = false;
  }

  /**
   * The stall's cause for the operator, when its lag is what made it: `newestAgeMs` is how old
   * the newest event the stream delivered is (for a stream judged by that age), if known.
   */
  cause(newestAgeMs?: number): string {
    const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
    const behind = `messages arrive ${secs(this.#lastMs ?? 0)} behind the exchange's clock`;
    return newestAgeMs === undefined ? behind : `${behind}; nothing newer than ${secs(newestAgeMs)} ago came`;
  }

  #expire(now: number): void {
    let drop = 0;
    while (drop < this.#window.length && this.#window[drop]!.at < now - LAG_WINDOW_MS) drop++;
    if (drop > 0) this.#window = this.#window.slice(drop);
  }
}

/** A time a ccxt structure or a raw frame gives (a number or a numeric string), as epoch ms; undefined unless a positive finite number. */
export function timeOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && value !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The newest of the times `time` gives for `items` (see {@link timeOf}), or undefined when none has one. */
export function newestTime<T>(items: Iterable<T>, time: (item: T) => unknown): number | undefined {
  let newest: number | undefined;
  for (const item of items) {
    const t = timeOf(time(item));
    if (t !== undefined && (newest === undefined || t > newest)) newest = t;
  }
  return newest;
}

/** `key` of `object` when it is one (a ccxt structure's raw `info`, the exchange's frame: Binance's event time `E`), else undefined. */
export function fieldOf(object: unknown, key: string): unknown {
  return typeof object === 'object' && object !== null ? (object as Record<string, unknown>)[key] : undefined;
}

/**
 * This machine's clock minus the exchange's, ms, as ccxt measured it (`options.timeDifference`:
 * loaded with the markets when `adjustForTimeDifference` is on, misso's default for Binance, or
 * at a resync after an InvalidNonce), else 0.
 */
export function clockOffsetOf(exchange: { options?: unknown }): number {
  const offset = fieldOf(exchange.options, 'timeDifference');
  return typeof offset === 'number' && Number.isFinite(offset) ? offset : 0;
}
