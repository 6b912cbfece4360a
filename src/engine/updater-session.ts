import type { Exchange } from 'ccxt';
import { registerHelperLogger } from '../helpers/listed-symbols.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { NotifyLevel } from '../core/notify-level.js';
import type { MissoConfig } from '../config/types.js';
import { openSessionWithRetry, sessionOptionsFor } from '../exchange/open-session.js';
import { budgetOf, type PauseNotice } from '../exchange/budget.js';
import type { ExchangeSession } from '../exchange/types.js';
import type { StateStore } from '../state/state-store.js';
import { FAILING_TASKS_RESTART, SCHEDULED_RESTART } from '../tasks/restart-exchange.js';

/** What an {@link UpdaterSession} works with. */
export interface UpdaterSessionOptions {
  config: MissoConfig;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  /** The updater's stop: the open's retries and a restart under way give up when it aborts. */
  signal: AbortSignal;
  /** A restart began (true) or ended (false). */
  onRestart: (restarting: boolean) => void;
}

/** How {@link UpdaterSession.open} builds the exchange and waits for it. */
export interface SessionOpening {
  /** Use this exchange instead of building one from the config. */
  factory?: (() => Promise<Exchange>) | undefined;
  /** The backoff, and who hears of every failure retried while opening. */
  retry: { baseMs: number; maxMs: number; random?: () => number; onRetry?: (err: Error, call: object) => void; onRetryEnd?: (call: object) => void };
  /** Tells the operator (once) that the exchange does not answer yet. */
  notify: (text: string, level: NotifyLevel, key: string) => void;
}

/**
 * The updater's exchange session. `start()` opens it, retried until the exchange answers, and
 * publishes it as `self.aftx` and `self.exchange`. A task, the operator or the task host may ask
 * for a rebuild: one at a time (concurrent requests share it), with `restart_exchange` set while
 * it runs; every reopening is counted and followed by a reconciliation. `stop()` closes it.
 */
export class UpdaterSession {
  /** Completed reopenings of the session since start. */
  count = 0;
  #session: ExchangeSession | null = null;
  #inFlight: Promise<void> | null = null;
  readonly #o: UpdaterSessionOptions;

  constructor(options: UpdaterSessionOptions) {
    this.#o = options;
  }

  /** The open session, or null before the open (and after a failed one). */
  get current(): ExchangeSession | null {
    return this.#session;
  }

  /** Opens the session (see `openSessionWithRetry`), then puts the exchange into state. */
  async open(how: SessionOpening): Promise<ExchangeSession> {
    const { config, clock, logger, state, signal } = this.#o;
    const session = await openSessionWithRetry(sessionOptionsFor(config, { clock, logger, factory: how.factory }), {
      ...how.retry,
      signal,
      onFirstFailure: (e) => how.notify(`exchange ${config.exchange.id} unreachable at start (${e.message}); retrying`, 'warn', 'start:unreachable'),
      onConnectedAfterFailure: (ms) => how.notify(`exchange ${config.exchange.id} reachable: connected after ${Math.round(ms / 1000)}s of retries`, 'info', 'start:reachable'),
    });
    this.#session = session;
    budgetOf(session)?.onPause((notice) => tellPause(notice, clock.now(), how.notify));
    // The built-in helpers handed `self.aftx` log on the engine's logger (a skipped symbol).
    registerHelperLogger(session.exchange, logger);
    state.define('aftx', session.exchange);
    state.define('exchange', session.exchange);
    return session;
  }

  /** Counts the session's reopenings, and reconciles after each. */
  track(reconcile: () => Promise<unknown>): void {
    this.#session?.onReopen(async () => {
      this.count += 1;
      await reconcile();
    });
  }

  /** Whether the exchange asked us to wait now (a 429's pause, a ban): see the session's rate budget. */
  get paused(): boolean {
    return budgetOf(this.#session)?.paused ?? false;
  }

  /**
   * The engine is stopping: a call the exchange's pause holds (a 429's, a ban's, which can last
   * days) fails at once instead of holding the stop until the pause ends.
   */
  stopWaitingOnPauses(): void {
    budgetOf(this.#session)?.stopWaitingOnPauses();
  }

  /** Whether a restart is under way. */
  get inFlight(): boolean {
    return this.#inFlight !== null;
  }

  /** Drains, closes, reconnects and reconciles (the session's own restart). */
  restart(session: ExchangeSession, reason: string): Promise<void> {
    // A rebuild's own calls (markets, the reconciliation) would wait behind the exchange's pause,
    // and every order behind its gate with them: not for a routine reason (the operator's own
    // restart still goes ahead).
    if (this.#inFlight === null && this.paused && ROUTINE_RESTARTS.has(reason)) {
      this.#o.logger.info({ reason }, 'exchange session not rebuilt: the exchange asked us to wait (rate limit), and a rebuild would wait behind it with the orders');
      return Promise.resolve();
    }
    this.#inFlight ??= (async () => {
      this.#o.logger.info({ reason }, 'restarting exchange session');
      this.#o.state.set('restart_exchange', true, 'engine');
      this.#o.onRestart(true);
      try {
        await session.restart({ signal: this.#o.signal });
      } finally {
        this.#o.state.set('restart_exchange', false, 'engine');
        this.#o.onRestart(false);
        this.#inFlight = null;
      }
    })();
    return this.#inFlight;
  }

  /** Closes the session, if one was opened; while starting, without waiting for calls in flight. */
  async close(whileStarting: boolean): Promise<void> {
    await this.#session?.close(whileStarting ? { drainTimeoutMs: 0 } : {});
  }
}

/** Restarts misso starts itself (`t_restart_exchange`, tasks failing with network errors): skipped during a pause. */
const ROUTINE_RESTARTS: ReadonlySet<string> = new Set([SCHEDULED_RESTART, FAILING_TASKS_RESTART]);

/** A pause shorter than this (a 429's usual second) is routine: the log has it, the operator is not told. */
const TOLD_PAUSE_MS = 30_000;

/** Tells the operator of a long pause or a ban as it begins: what is held, and until when. */
function tellPause(notice: PauseNotice, now: number, notify: SessionOpening['notify']): void {
  const secs = Math.ceil((notice.until - now) / 1000);
  if (secs * 1000 < TOLD_PAUSE_MS) return;
  const until = new Date(notice.until).toISOString().replace(/\.\d+Z$/, 'Z');
  if (notice.kind === 'ban') {
    notify(`exchange banned this IP for ${secs}s (until ${until}): nothing is sent until then; lower rate_budget.capacity or stop other bots on this IP`, 'error', 'exchange:ban');
    return;
  }
  const asked = notice.retryAfterMs !== undefined && notice.retryAfterMs > notice.until - now + 1000 ? ` (it asked for ${Math.ceil(notice.retryAfterMs / 1000)}s; misso waits at most this long)` : '';
  notify(`exchange rate limit: status, account and market calls paused for ${secs}s (until ${until})${asked}; orders and cancels still go out`, 'warn', 'exchange:pause');
}
