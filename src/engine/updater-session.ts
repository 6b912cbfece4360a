import type { Exchange } from 'ccxt';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { NotifyLevel } from '../core/notify-level.js';
import type { MissoConfig } from '../config/types.js';
import { openSessionWithRetry, sessionOptionsFor } from '../exchange/open-session.js';
import type { ExchangeSession } from '../exchange/types.js';
import type { StateStore } from '../state/state-store.js';

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
    });
    this.#session = session;
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

  /** Whether a restart is under way. */
  get inFlight(): boolean {
    return this.#inFlight !== null;
  }

  /** Drains, closes, reconnects and reconciles (the session's own restart). */
  restart(session: ExchangeSession, reason: string): Promise<void> {
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
