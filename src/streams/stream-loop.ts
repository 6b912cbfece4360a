import type { Exchange } from 'ccxt';
import { Backoff } from '../core/backoff.js';
import { streamFailureText } from './dial-refusal.js';
import { StreamNotices } from './stream-notices.js';
import { coerceError } from '../core/errors.js';
import { withoutHtml } from '../core/error-text.js';
import { StreamLag } from './stream-lag.js';
import type { StreamLoopDeps, StreamSpec, StreamStats } from './stream-spec.js';
import { WatchPump, type Arrival } from './watch-pump.js';

export type { StreamPhase, StreamSpec, StreamStats, StreamLoopDeps } from './stream-spec.js';

/**
 * Runs one stream for the application, since ccxt resubscribes nothing by itself: calls the
 * watch method in a loop, applies each delivery, and on failure backs off and calls again. A
 * watchdog declares the stream stalled when it is silent past `stallAfterMs` (ccxt answers
 * pings, so a silent server goes unnoticed otherwise), tears its connection down and
 * resubscribes. After every reconnection the gap is filled by REST before the stream is fresh.
 *
 * Silence counts from the exchange's event time where the deliveries carry one (see
 * {@link StreamSpec.eventTime}): a feed that keeps arriving but behind by more than the limit
 * brings nothing newer than the limit, and is stalled like a silent one (a user stream, which may
 * be quiet for hours, when a delivery arrives behind by more than the limit). Each delivery's lag
 * is in the stats.
 */
export class StreamLoop<T> {
  readonly spec: StreamSpec<T>;
  readonly #deps: StreamLoopDeps;
  /** The metrics but the lag's, which {@link StreamLag} keeps. */
  readonly #stats: Omit<StreamStats, 'lagMs' | 'maxLagMs'>;
  #lastCheckAt = 0;
  /**
   * Where the watchdog counts silence from: the newest event delivered (its exchange event time
   * on this machine's clock, or its arrival for a delivery without one), the (re)subscription, or
   * the end of a gap fill, whichever is latest. Kept apart from `lastMessageAt`, which a
   * resubscription must not reset: its age is a metric.
   */
  #quietSince: number | null = null;
  readonly #lag: StreamLag;
  /** The loop waits for a delivery (the watchdog only judges silence then). */
  #waiting = false;
  /** The watchdog found the stream silent past its limit while the loop waited. */
  #stallDue = false;
  /** The spec's stall check threw last time (said once, not at every check). */
  #stallCheckFailing = false;
  /**
   * Always one watch call waiting on the current exchange (see WatchPump): deliveries that land
   * while this loop does other work (a gap fill's REST, applying a batch) are queued, not left
   * in ccxt's cache until some later message.
   */
  #pumping: { exchange: Exchange; pump: WatchPump<T> } | null = null;
  /** Ends the backoff the loop is sleeping out, if any (see {@link wake}). */
  #wakeBackoff: (() => void) | null = null;
  readonly #notices: StreamNotices;

  constructor(spec: StreamSpec<T>, stallAfterMs: number, deps: StreamLoopDeps) {
    this.spec = spec;
    this.#deps = deps;
    this.#stats = {
      name: spec.name, phase: 'connecting', fresh: false, lastMessageAt: null, messages: 0, reconnects: 0, stalls: 0, stallAfterMs, lastError: null,
    };
    this.#lag = new StreamLag(stallAfterMs);
    this.#notices = new StreamNotices(spec.name, stallAfterMs, deps);
  }

  /** A copy of the stream's metrics. */
  get stats(): StreamStats {
    return { ...this.#stats, lagMs: this.#lag.lastMs, maxLagMs: this.#lag.maxMs(this.#deps.clock.now()), held: this.#notices.settled };
  }

  /** Up, gap filled, and not silent past its limit. */
  get healthy(): boolean {
    const s = this.#stats;
    return s.phase === 'up' && s.fresh && !this.#silent(this.#deps.clock.now());
  }

  /** Notes that the stream is alive without data (a user stream after its gap fill): its silence counts from now; its last message stays when it came. */
  markAlive(): void {
    this.#quietSince = this.#deps.clock.now();
  }

  /**
   * Ends the run on `on`'s connection as failed, as if its watch call had rejected with `error`
   * (what was delivered before is still applied): for a connection dropped from outside between
   * two watch calls (a `listenKeyExpired` read with the update before it), whose rejection no
   * call was waiting to see; the next call would dial afresh and the gap would go unseen.
   */
  interrupt(error: Error, on: Exchange): void {
    // A frame from an instance this loop has left says nothing about its current connection.
    if (this.#pumping?.exchange === on) this.#pumping.pump.fail(error);
  }

  /** A rebuilt exchange session: a backoff under way ends now (its failures were the old session's). */
  wake(): void {
    this.#wakeBackoff?.();
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock } = this.#deps;
    const maxBackoffMs = this.#deps.maxBackoffMs ?? 30_000;
    const backoff = new Backoff({ baseMs: this.#deps.baseBackoffMs ?? 500, maxMs: maxBackoffMs });
    let needGapFill = true;
    /**
     * When the stream last came up: its connection opened (a stream that is ready without data,
     * quiet for hours maybe) or its first delivery since the last failure. The backoff starts over
     * once the connection proved itself: a delivery after its first one, or (a quiet user stream)
     * alive longer than the longest delay when it fails. Not at its first delivery: a server or
     * proxy that drops each connection right after its first message must see the dials slow to
     * the longest delay, not one a second forever (Binance allows 300 connection attempts per 5
     * minutes per IP).
     */
    let upAt: number | null = null;
    /** Deliveries since the stream last came up. */
    let delivered = 0;
    const afterFailure = (): number => {
      if (upAt !== null && clock.now() - upAt >= maxBackoffMs) backoff.reset();
      upAt = null;
      delivered = 0;
      return backoff.next();
    };
    /** Sleeps out a backoff; false once `signal` aborted. {@link wake} ends it early. */
    const pause = async (ms: number): Promise<boolean> => {
      const woken = new AbortController();
      this.#wakeBackoff = () => woken.abort();
      await clock.sleep(ms, AbortSignal.any([signal, woken.signal])).finally(() => (this.#wakeBackoff = null));
      if (woken.signal.aborted) backoff.reset();
      return !signal.aborted;
    };
    const drop = (): void => {
      this.#pumping?.pump.stop();
      this.#pumping = null;
    };
    const watchdog = this.#watchdog(signal, () => this.#pumping?.pump);
    /** The loop waits on the watch call (a failure now is the stream's, not a gap fill's). */
    let watching = false;
    while (!signal.aborted) {
      const exchange = this.#deps.exchange();
      const begunAt = this.#deps.retirements?.() ?? 0;
      try {
        if (this.#pumping !== null && this.#pumping.exchange !== exchange) drop();
        this.#pumping ??= { exchange, pump: new WatchPump(() => this.spec.watch(exchange), () => clock.now()) };
        const { pump } = this.#pumping;
        const first = pump.ready();
        // Abandoned on a stall or a stop; its late rejection is expected.
        first.catch(() => undefined);
        if (needGapFill && this.spec.readyWithoutData && (await this.#opened(exchange, first, signal))) {
          await this.spec.gapFill?.(exchange);
          needGapFill = false;
          this.markAlive();
          this.#up(false);
          upAt = clock.now();
        }
        watching = true;
        const got = await this.#next(exchange, pump);
        watching = false;
        if (got === STALLED || signal.aborted) {
          drop();
          needGapFill = true;
          this.#stats.fresh = false;
          if (!(await pause(afterFailure()))) break;
          this.#stats.reconnects++;
          continue;
        }
        // Applied at once, not at the socket's next read (often another connection's data): what
        // one read carried is one delivery (with the candle and position sweeps).
        const batches = pump.take();
        if (batches.length === 0) continue;
        this.#heard(batches);
        upAt ??= batches[0]!.at;
        let deliveries = batches;
        if (needGapFill) {
          // What came before the gap fill is older than its REST answers: applied first, they win.
          this.#applyAll(batches);
          await this.spec.gapFill?.(exchange);
          needGapFill = false;
          // The fill took its time (REST, budget); silence is counted from its end.
          this.markAlive();
          // What landed during the gap fill is applied after it, in order: the stream is newer.
          deliveries = pump.take();
          this.#heard(deliveries);
        }
        this.#applyAll(deliveries);
        this.#up();
        if (++delivered >= 2) backoff.reset();
      } catch (error: unknown) {
        drop();
        if (signal.aborted) break;
        const e = coerceError(error);
        this.spec.onError?.(exchange);
        // A refused subscription (Binance's -1003) stays registered in ccxt: see dropConnectionOnFailure.
        if (watching && this.spec.dropConnectionOnFailure) {
          await this.#deps.teardown(exchange, this.spec as StreamSpec<unknown>, `stream ${this.spec.name} failed`).catch(() => undefined);
        }
        watching = false;
        // Operator text: an HTML error page becomes its title, a refused dial says who refused what.
        const reason = streamFailureText(withoutHtml(e.message), this.spec.readyWithoutData === true);
        const rebuilt = this.#deps.endedByMisso?.(e, exchange, begunAt) ?? false;
        this.#stats.lastError = rebuilt ? `reconnecting: the exchange session was rebuilt (${reason})` : reason;
        this.#stats.fresh = false;
        // Silence is counted from the next subscription: a backoff longer than the limit must
        // not make the first check after it a stall.
        this.#quietSince = null;
        this.#lag.clearBehind();
        needGapFill = true;
        const delay = afterFailure();
        if (rebuilt) this.#notices.rebuilt(reason);
        else this.#notices.failed(reason, delay);
        this.#stats.phase = 'down';
        if (!(await pause(delay))) break;
        this.#stats.reconnects++;
      }
    }
    // Stopped: the pump must not arm another watch call after a delivery still on its way.
    drop();
    await watchdog;
  }

  #applyAll(arrivals: readonly Arrival<T>[]): void {
    const deliveries = arrivals.map((a) => a.data);
    if (this.spec.merge && deliveries.length > 1) this.spec.apply(this.spec.merge(deliveries));
    else for (const data of deliveries) this.spec.apply(data);
  }

  /**
   * Counts deliveries in: when the last arrived, their lag behind the exchange, and where the
   * stream's silence counts from (see {@link #quietSince}: an event time never moves it back, so
   * one late delivery among timely ones is no silence; a feed that keeps arriving late is).
   */
  #heard(arrivals: readonly Arrival<T>[]): void {
    const s = this.#stats;
    const offsetMs = this.#deps.clockOffsetMs?.() ?? 0;
    for (const { data, at } of arrivals) {
      s.messages++;
      s.lastMessageAt = at;
      const event = this.spec.eventTime?.(data);
      const since = event !== undefined && Number.isFinite(event) ? this.#lag.note(at, event, offsetMs) : at;
      this.#quietSince = Math.max(this.#quietSince ?? since, since);
    }
  }

  /** Up; `delivered`: by a delivery, not only by an open connection (see readyWithoutData). */
  #up(delivered = true): void {
    this.#stats.phase = 'up';
    this.#stats.fresh = true;
    this.#notices.up(delivered);
  }

  #silent(now: number): boolean {
    const s = this.#stats;
    const last = this.#quietSince ?? this.#lastCheckAt;
    const quiet = now - last > s.stallAfterMs;
    if (!this.spec.isStalled) return quiet;
    try {
      const stalled = this.spec.isStalled(last, now, s.stallAfterMs);
      this.#stallCheckFailing = false;
      // A user stream is not judged by its silence (it may be quiet for hours): by its last delivery's lag.
      return stalled || this.#lag.behind;
    } catch (error: unknown) {
      // The watchdog runs beside the loop: a throw here would be a rejection nobody awaits yet
      // (an unhandled one ends the process). The stream is judged by plain silence instead. Said
      // once: the check runs every second and at every `healthy` read.
      if (!this.#stallCheckFailing) {
        this.#deps.logger.error({ stream: s.name, err: coerceError(error).message }, 'stream stall check failed; judging the stream by its silence');
      }
      this.#stallCheckFailing = true;
      return quiet;
    }
  }

  /**
   * The watchdog, for the whole run: every quarter of the limit (at most a second) it checks the
   * stream while the loop waits for data, and on silence past the limit wakes the pump, so a
   * stall is caught within the limit plus that interval. One timer for the run, not one per
   * delivery: a market stream delivers many times a second.
   */
  async #watchdog(signal: AbortSignal, pump: () => WatchPump<T> | undefined): Promise<void> {
    const { clock } = this.#deps;
    const tick = Math.max(50, Math.min(1000, this.#stats.stallAfterMs / 4));
    while (await clock.sleep(tick, signal)) {
      // Lazily: judging health runs the stream's stall check, which the tick below runs anyway.
      this.#notices.tick(clock.now(), () => this.healthy);
      if (!this.#waiting || this.#stallDue) continue;
      if (this.#deps.starting?.()) {
        this.#quietSince = clock.now();
        continue;
      }
      if (!this.#silent(clock.now())) continue;
      // Judged again once the process has read its sockets. After the event loop was held (a
      // strategy's long computation, a huge parse), this timer runs before the reads of what
      // arrived meanwhile, so a stream that kept talking would look silent: a false stall, a
      // teardown, a gap fill and an alarm for nothing.
      await afterPendingReads();
      if (signal.aborted) break;
      if (!this.#waiting || this.#stallDue || !this.#silent(clock.now())) continue;
      this.#stallDue = true;
      pump()?.wake();
    }
  }

  /**
   * Waits for the pump's next delivery, or for the watchdog to find the stream silent past its
   * limit (then the stream is torn down: STALLED).
   */
  async #next(exchange: Exchange, pump: WatchPump<T>): Promise<'data' | typeof STALLED> {
    const { clock } = this.#deps;
    this.#lastCheckAt = clock.now();
    if (this.#quietSince === null) this.#quietSince = clock.now();
    this.#waiting = true;
    try {
      for (;;) {
        await pump.ready();
        if (pump.queued > 0) return 'data';
        if (this.#stallDue) break;
      }
    } finally {
      this.#waiting = false;
      this.#stallDue = false;
    }
    await this.#stall(exchange);
    return STALLED;
  }

  /** Waits until the connection is open (true) or the watch settled first (false). */
  async #opened(exchange: Exchange, watching: Promise<void>, signal: AbortSignal): Promise<boolean> {
    let settled = false;
    void watching.then(
      () => (settled = true),
      () => (settled = true),
    );
    while (!signal.aborted) {
      if (this.#deps.isConnected(exchange, this.spec as StreamSpec<unknown>)) return true;
      if (settled) return false;
      if (!(await this.#deps.clock.sleep(50, signal))) return false;
    }
    return false;
  }

  async #stall(exchange: Exchange): Promise<void> {
    const s = this.#stats;
    s.stalls++;
    s.phase = 'stalled';
    s.fresh = false;
    const cause = this.spec.stallCause?.() ?? this.#lagCause() ?? `silent for ${(s.stallAfterMs / 1000).toFixed(1)}s while connected`;
    s.lastError = `stalled: ${cause}`;
    this.#notices.stalled(cause);
    await this.#deps.teardown(exchange, this.spec as StreamSpec<unknown>, `stream ${s.name} stalled`);
    this.#quietSince = null;
    this.#lag.clearBehind();
  }

  /**
   * The stall's cause when the stream's lag made it: its last delivery was behind by more than the
   * limit, or (a stream judged by silence) deliveries kept arriving but none newer than the limit.
   */
  #lagCause(): string | undefined {
    const s = this.#stats;
    if (this.spec.isStalled) return this.#lag.behind ? this.#lag.cause() : undefined;
    const now = this.#deps.clock.now();
    const arriving = s.lastMessageAt !== null && now - s.lastMessageAt <= s.stallAfterMs;
    if (this.#lag.lastMs === null || !arriving || this.#quietSince === null) return undefined;
    return this.#lag.cause(now - this.#quietSince);
  }
}

const STALLED = Symbol('stalled');

/** Resolves after the event loop's next poll phase: the socket reads that were ready have run. */
function afterPendingReads(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
