import type { Exchange } from 'ccxt';
import type { Clock } from '../core/clock.js';
import { budgetOf } from '../exchange/budget.js';
import { weightOf } from '../exchange/priority.js';
import type { ExchangeSession } from '../exchange/types.js';
import { ControlRefusal } from '../http/control-refusal.js';

/** Options of {@link OperatorReads}. */
export interface OperatorReadsOptions {
  clock: Clock;
  /** How long an answer is served again without asking the exchange. @defaultValue 5000 */
  ttlMs?: number;
  /** Different reads at the exchange at once; one more is refused 429. @defaultValue 2 */
  maxInFlight?: number;
  /**
   * The share of the rate budget's window the operator's reads may fill: past it (or with any
   * call of the strategy waiting, or a pause) a read is refused 503 instead of taking what the
   * strategy needs next. @defaultValue 0.5
   */
  budgetShare?: number;
}

/** Answers remembered at most; the oldest is forgotten first. */
const MAX_ANSWERS = 200;

/**
 * The operator's reads of the exchange (the dashboard's and the control API's candles): an
 * operator's browser tabs must never starve the strategy. Identical reads in flight share one
 * exchange call; an answer is served again for `ttlMs` (or until `freshUntil`, the next candle,
 * if sooner); the call goes at the budget's lowest priority (`operator`); and when the budget is
 * short (the strategy's calls waiting, a rate-limit pause, the window past `budgetShare`) or too
 * many different reads are out, the read is refused with a `Retry-After` rather than queued.
 */
export class OperatorReads {
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #maxInFlight: number;
  readonly #budgetShare: number;
  readonly #answers = new Map<string, { value: unknown; until: number }>();
  readonly #inFlight = new Map<string, Promise<unknown>>();
  /** Exchange calls made (not served from memory), for tests and metrics. */
  calls = 0;

  constructor(options: OperatorReadsOptions) {
    this.#clock = options.clock;
    this.#ttlMs = options.ttlMs ?? 5000;
    this.#maxInFlight = options.maxInFlight ?? 2;
    this.#budgetShare = options.budgetShare ?? 0.5;
  }

  /**
   * `method(...args)` of the session's exchange, shaped by `shape`, from memory when it was read
   * lately. `freshUntil`: epoch ms after which the answer is out of date anyway (the next candle).
   */
  read<T>(session: ExchangeSession | null, exchange: Exchange, method: string, args: readonly unknown[], shape: (raw: unknown) => T, freshUntil = Number.POSITIVE_INFINITY): Promise<T> {
    const key = `${method} ${JSON.stringify(args)}`;
    const now = this.#clock.now();
    const known = this.#answers.get(key);
    if (known && known.until > now) return Promise.resolve(known.value as T);
    const shared = this.#inFlight.get(key);
    if (shared) return shared as Promise<T>;
    this.#refuseWhenShort(session, method, args, now);
    const call = session?.callAt
      ? session.callAt('operator', method, args)
      : ((exchange as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args));
    this.calls++;
    const answer = call
      .then((raw) => {
        const value = shape(raw);
        this.#remember(key, value, Math.min(this.#clock.now() + this.#ttlMs, freshUntil));
        return value;
      })
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, answer);
    return answer;
  }

  #remember(key: string, value: unknown, until: number): void {
    this.#answers.delete(key);
    this.#answers.set(key, { value, until });
    const now = this.#clock.now();
    for (const [k, a] of this.#answers) if (a.until <= now || this.#answers.size > MAX_ANSWERS) this.#answers.delete(k);
  }

  #refuseWhenShort(session: ExchangeSession | null, method: string, args: readonly unknown[], now: number): void {
    if (this.#inFlight.size >= this.#maxInFlight) {
      throw new ControlRefusal(`${this.#inFlight.size} other reads of the exchange are under way for operators: ask again in a second (the same request is answered from the one under way)`, 429, null, 1);
    }
    const budget = budgetOf(session);
    if (!budget?.enabled) return;
    const s = budget.stats();
    const until = Math.max(s.bannedUntil, s.pausedUntil);
    if (until > now) {
      throw new ControlRefusal(`the exchange asked misso to wait (rate limit) until ${new Date(until).toISOString()}: nothing is read for operators meanwhile`, 503, null, Math.ceil((until - now) / 1000));
    }
    const weight = weightOf(method, args);
    if (budget.waiting > 0 || s.used + weight > s.capacity * this.#budgetShare) {
      throw new ControlRefusal(
        `the exchange's rate budget is kept for the strategy now (${s.used} of ${s.capacity} used in the window, ${budget.waiting} calls waiting): ask again shortly`,
        503,
        null,
        Math.max(1, Math.ceil(s.windowMs / 1000)),
      );
    }
  }
}

/** When the candle under way of `timeframe` ends (epoch ms), or +∞ when the exchange cannot say. */
export function nextCandleAt(exchange: Exchange, timeframe: string, now: number): number {
  try {
    const ms = exchange.parseTimeframe(timeframe) * 1000;
    return ms > 0 && Number.isFinite(ms) ? (Math.floor(now / ms) + 1) * ms : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
