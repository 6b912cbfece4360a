import type { Clock } from '../core/clock.js';
import { StoppedError, coerceError } from '../core/errors.js';
import type { RateBudgetConfig } from '../config/types.js';
import { SlidingWindow } from './sliding-window.js';
import { PRIORITIES, type Priority } from './types.js';

/** Options for {@link RateBudget}. */
export interface RateBudgetOptions {
  clock: Clock;
  /** Weight units allowed in any window of `windowMs`. */
  capacity: number;
  /** @defaultValue 1000 */
  windowMs?: number;
  /** When false every acquire is granted at once (counted, never delayed). @defaultValue true */
  enabled?: boolean;
  /** Pause of the lower classes after a 429 that gave no Retry-After. @defaultValue windowMs */
  defaultPauseMs?: number;
  /**
   * Pause of everything after a 418 that gave no Retry-After. Binance bans last from 2 minutes
   * to 3 days and says how long; this is the floor when it doesn't. @defaultValue 120000
   */
  defaultBanMs?: number;
  /**
   * The longest pause a 429's Retry-After can ask for. A rate limit's window is a minute at most
   * on the venues misso knows (Binance's Retry-After on a 429 is the seconds to the window's
   * end), so a longer one is a broken header or a proxy's, and honouring it would freeze every
   * read for days. A 418's ban is honoured in full. @defaultValue 300000
   */
  maxPauseMs?: number;
}

/** A pause that began: what the exchange asked for and when it ends (epoch ms). */
export interface PauseNotice {
  kind: 'rate_limit' | 'ban';
  until: number;
  /** The Retry-After the exchange gave, when it gave one (before any cap). */
  retryAfterMs: number | undefined;
}

/** What {@link RateBudget.penalize} is told about the exchange pushing back. */
export interface Penalty {
  /**
   * `rate_limit` (429, Retry-After, DDoS protection): pauses status, account and market calls
   * while order placement and cancels still go out within capacity, so a strategy can still
   * protect itself. `ban` (418, IP banned): the exchange refuses everything from this IP, and
   * every request sent during a ban lengthens it, so nothing at all goes out until it ends.
   */
  kind: 'rate_limit' | 'ban';
  /** How long the exchange asked us to wait. @defaultValue defaultPauseMs / defaultBanMs */
  retryAfterMs?: number;
}

/** Counters of one priority class. */
export interface PriorityStats {
  granted: number;
  grantedWeight: number;
  /** Total time waiters of this class spent queued. */
  waitedMs: number;
  /** Penalties that paused this class. */
  penalties: number;
  /** Waiters queued right now. */
  waiting: number;
}

/** A snapshot of the budget, for tests, metrics and the status API. */
export interface RateBudgetStats {
  enabled: boolean;
  capacity: number;
  windowMs: number;
  used: number;
  /** The most weight ever granted within one window: never above `capacity`. */
  maxObservedInWindow: number;
  pausedUntil: number;
  bannedUntil: number;
  penalties: { rate_limit: number; ban: number };
  byPriority: Record<Priority, PriorityStats>;
}

interface Waiter {
  priority: Priority;
  weight: number;
  enqueuedAt: number;
  resolve: () => void;
  reject: (err: Error) => void;
  detach: () => void;
}

/**
 * The request budget of one exchange account, shared by every task. At most `capacity` weight
 * units are granted in any window of `windowMs` (a sliding log of grants, so the bound holds for
 * every window, not just aligned ones). Waiters are served strictly by priority (order → status
 * → account → market → operator) and first come first served within a class; a waiter heavier than the whole
 * capacity is charged the capacity, so it waits for an empty window instead of forever.
 */
export class RateBudget {
  readonly capacity: number;
  readonly windowMs: number;
  readonly enabled: boolean;
  #clock: Clock;
  #defaultPauseMs: number;
  #defaultBanMs: number;
  #queues = Object.fromEntries(PRIORITIES.map((p) => [p, [] as Waiter[]])) as Record<Priority, Waiter[]>;
  #window: SlidingWindow;
  #pausedUntil = 0;
  #bannedUntil = 0;
  #timer: AbortController | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #closed = false;
  /** Stopping: a call a pause holds fails at once instead of waiting it out. */
  #noPausedWaits = false;
  #maxPauseMs: number;
  readonly #pauseListeners = new Set<(notice: PauseNotice) => void>();
  #penalties = { rate_limit: 0, ban: 0 };
  #stats: Record<Priority, Omit<PriorityStats, 'waiting'>>;

  constructor(options: RateBudgetOptions) {
    const windowMs = options.windowMs ?? 1000;
    if (!(options.capacity >= 1) || !Number.isFinite(options.capacity)) {
      throw new RangeError(`rate budget capacity must be a finite number >= 1, got ${options.capacity}`);
    }
    if (!(windowMs > 0) || !Number.isFinite(windowMs)) {
      throw new RangeError(`rate budget windowMs must be a finite number > 0, got ${windowMs}`);
    }
    this.capacity = options.capacity;
    this.windowMs = windowMs;
    this.#window = new SlidingWindow(windowMs);
    this.enabled = options.enabled ?? true;
    this.#clock = options.clock;
    this.#defaultPauseMs = options.defaultPauseMs ?? windowMs;
    this.#defaultBanMs = options.defaultBanMs ?? 120_000;
    this.#maxPauseMs = options.maxPauseMs ?? 300_000;
    const zero = (): Omit<PriorityStats, 'waiting'> => ({ granted: 0, grantedWeight: 0, waitedMs: 0, penalties: 0 });
    this.#stats = Object.fromEntries(PRIORITIES.map((p) => [p, zero()])) as Record<Priority, Omit<PriorityStats, 'waiting'>>;
  }

  /**
   * Builds the budget from the `exchange.rate_budget` config. Without a configured capacity it
   * follows ccxt's own figure: ccxt spends `rateLimit` ms per unit of cost, so a window holds
   * `floor(windowMs / rateLimit)` units (at least 1).
   */
  static fromConfig(config: RateBudgetConfig, rateLimitMs: number | undefined, clock: Clock): RateBudget {
    return new RateBudget({
      clock,
      capacity: config.capacity ?? defaultCapacity(config.windowMs, rateLimitMs),
      windowMs: config.windowMs,
      enabled: config.enabled,
    });
  }

  /**
   * Resolves when `weight` units may be spent now by a call of class `priority`. Rejects with the
   * signal's reason when `signal` aborts first, and with `StoppedError` once the budget is closed.
   */
  acquire(priority: Priority, weight = 1, signal?: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(new StoppedError('rate budget closed'));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (!(weight >= 0)) return Promise.reject(new RangeError(`weight must be >= 0, got ${weight}`));
    const w = Math.min(weight, this.capacity);
    const now = this.#clock.now();
    if (!this.enabled) {
      this.#count(priority, w, 0);
      return Promise.resolve();
    }
    if (this.#noPausedWaits && this.#isPaused(priority, now)) return Promise.reject(this.#pausedWhileStopping(now));
    if (this.#nobodyAhead(priority) && !this.#isPaused(priority, now)) {
      if (this.#window.used(now) + w <= this.capacity) {
        this.#grant(priority, w, now, now);
        return Promise.resolve();
      }
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { priority, weight: w, enqueuedAt: now, resolve, reject, detach: () => undefined };
      if (signal) {
        const onAbort = (): void => {
          const queue = this.#queues[priority];
          const at = queue.indexOf(waiter);
          if (at >= 0) queue.splice(at, 1);
          reject(abortReason(signal));
          this.#pump();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.#queues[priority].push(waiter);
      this.#pump();
    });
  }

  /** Tells the budget the exchange pushed back; see {@link Penalty} for what each kind pauses. */
  penalize(penalty: Penalty): void {
    if (!this.enabled || this.#closed) return;
    const now = this.#clock.now();
    // Several requests in flight meet the same 429/418: they extend one pause, and only a
    // penalty that starts a new pause counts as one.
    let fresh: boolean;
    if (penalty.kind === 'ban') {
      fresh = this.#bannedUntil <= now;
      this.#bannedUntil = Math.max(this.#bannedUntil, now + (penalty.retryAfterMs ?? this.#defaultBanMs));
      if (fresh) {
        this.#penalties.ban++;
        for (const p of PRIORITIES) this.#stats[p].penalties++;
      }
    } else {
      fresh = this.#pausedUntil <= now;
      this.#pausedUntil = Math.max(this.#pausedUntil, now + Math.min(penalty.retryAfterMs ?? this.#defaultPauseMs, this.#maxPauseMs));
      if (fresh) {
        this.#penalties.rate_limit++;
        for (const p of PRIORITIES) if (p !== 'order') this.#stats[p].penalties++;
      }
    }
    if (fresh) {
      const notice: PauseNotice = { kind: penalty.kind, until: penalty.kind === 'ban' ? this.#bannedUntil : this.#pausedUntil, retryAfterMs: penalty.retryAfterMs };
      for (const listener of this.#pauseListeners) listener(notice);
    }
    if (this.#noPausedWaits) this.#rejectPaused(now);
    this.#pump();
  }

  /** Weight granted within the current window. */
  used(): number {
    return this.#window.used(this.#clock.now());
  }

  /** The most weight ever granted within one window. */
  get maxObservedInWindow(): number {
    return this.#window.maxObserved;
  }

  /** Waiters queued right now, all classes together. */
  get waiting(): number {
    let n = 0;
    for (const p of PRIORITIES) n += this.#queues[p].length;
    return n;
  }

  /** A copy of every counter. */
  stats(): RateBudgetStats {
    const byPriority = {} as Record<Priority, PriorityStats>;
    for (const p of PRIORITIES) byPriority[p] = { ...this.#stats[p], waiting: this.#queues[p].length };
    return {
      enabled: this.enabled,
      capacity: this.capacity,
      windowMs: this.windowMs,
      used: this.used(),
      maxObservedInWindow: this.#window.maxObserved,
      pausedUntil: this.#pausedUntil,
      bannedUntil: this.#bannedUntil,
      penalties: { ...this.#penalties },
      byPriority,
    };
  }

  /** Adds a listener told of each pause or ban as it begins; the returned function removes it. */
  onPause(listener: (notice: PauseNotice) => void): () => void {
    this.#pauseListeners.add(listener);
    return () => this.#pauseListeners.delete(listener);
  }

  /** Whether the exchange asked us to wait now: the lower classes are paused, or everything is banned. */
  get paused(): boolean {
    return this.#isPaused('status', this.#clock.now());
  }

  /**
   * The engine is stopping: a call a pause or ban holds (queued now, or asked for later) fails at
   * once with `StoppedError`, instead of holding the stop until the exchange's wait ends, which
   * can be days. Calls no pause holds (orders and cancels during a 429) still go out.
   */
  stopWaitingOnPauses(): void {
    this.#noPausedWaits = true;
    this.#rejectPaused(this.#clock.now());
    this.#pump();
  }

  /** Rejects every waiter with `StoppedError` and every later acquire. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelTimer();
    for (const p of PRIORITIES) {
      for (const waiter of this.#queues[p].splice(0)) {
        waiter.detach();
        waiter.reject(new StoppedError('rate budget closed'));
      }
    }
  }

  #pausedWhileStopping(now: number): StoppedError {
    const until = Math.max(this.#bannedUntil, this.#pausedUntil);
    return new StoppedError(`stopping: the exchange asked us to wait ${Math.ceil((until - now) / 1000)}s more (rate limit); not waited for`);
  }

  #rejectPaused(now: number): void {
    for (const p of PRIORITIES) {
      if (!this.#isPaused(p, now)) continue;
      for (const waiter of this.#queues[p].splice(0)) {
        waiter.detach();
        waiter.reject(this.#pausedWhileStopping(now));
      }
    }
  }

  #nobodyAhead(priority: Priority): boolean {
    for (const p of PRIORITIES) {
      if (this.#queues[p].length > 0) return false;
      if (p === priority) return true;
    }
    return true;
  }

  #isPaused(priority: Priority, now: number): boolean {
    return now < this.#bannedUntil || (priority !== 'order' && now < this.#pausedUntil);
  }

  // Serves waiters while it can, then arms one timer for the moment the next one could go.
  #pump(): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    let wakeAt = Number.POSITIVE_INFINITY;
    for (const p of PRIORITIES) {
      const queue = this.#queues[p];
      if (queue.length === 0) continue;
      if (this.#isPaused(p, now)) {
        // Lower classes are paused at least as long, so nothing below can go either.
        wakeAt = now < this.#bannedUntil ? this.#bannedUntil : this.#pausedUntil;
        break;
      }
      let head = queue[0];
      while (head && this.#window.used(now) + head.weight <= this.capacity) {
        queue.shift();
        head.detach();
        this.#grant(p, head.weight, now, head.enqueuedAt);
        head.resolve();
        head = queue[0];
      }
      if (head) {
        // Strict priority: a blocked head holds back every lower class too.
        wakeAt = this.#window.freeAt(head.weight, this.capacity, now);
        break;
      }
    }
    this.#arm(wakeAt, now);
  }

  #arm(at: number, now: number): void {
    if (at === this.#timerAt) return;
    this.#cancelTimer();
    if (!Number.isFinite(at)) return;
    const timer = new AbortController();
    this.#timer = timer;
    this.#timerAt = at;
    void this.#clock.sleep(Math.max(0, at - now), timer.signal).then((completed) => {
      if (!completed || this.#timer !== timer) return;
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#pump();
    });
  }

  #cancelTimer(): void {
    this.#timer?.abort();
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #grant(priority: Priority, weight: number, now: number, enqueuedAt: number): void {
    if (weight > 0) this.#window.add(now, weight);
    this.#count(priority, weight, now - enqueuedAt);
  }

  #count(priority: Priority, weight: number, waitedMs: number): void {
    const s = this.#stats[priority];
    s.granted++;
    s.grantedWeight += weight;
    s.waitedMs += waitedMs;
  }
}

/**
 * ccxt's figure turned into a window capacity: `floor(windowMs / rateLimitMs)`, at least 1.
 * Without a usable `rateLimit` it assumes ccxt's common 100 ms per unit.
 */
export function defaultCapacity(windowMs: number, rateLimitMs: number | undefined): number {
  const perUnit = rateLimitMs !== undefined && rateLimitMs > 0 && Number.isFinite(rateLimitMs) ? rateLimitMs : 100;
  return Math.max(1, Math.floor(windowMs / perUnit));
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason === undefined ? new StoppedError('aborted') : coerceError(signal.reason);
}

/** The rate budget of a session (the one misso builds has one; another `ExchangeSession` may not). */
export function budgetOf(session: object | null | undefined): RateBudget | undefined {
  const budget = (session as { budget?: unknown } | null | undefined)?.budget;
  return typeof budget === 'object' && budget !== null ? (budget as RateBudget) : undefined;
}
