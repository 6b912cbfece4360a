import type { Logger } from '../core/logger.js';
import type { ExchangeSession } from '../exchange/types.js';
import type { StateStore } from '../state/state-store.js';

/** What {@link ExchangeRestarts} works with. */
export interface ExchangeRestartsOptions {
  state: StateStore;
  logger: Logger;
  /** The updater's stop: a restart under way gives up when it aborts. */
  signal: AbortSignal;
  /** A restart began (true) or ended (false). */
  onChange: (restarting: boolean) => void;
}

/**
 * Rebuilds of the exchange session asked for by a task, the operator or the task host: one at a
 * time (concurrent requests share it), with `restart_exchange` set while it runs, and counted.
 */
export class ExchangeRestarts {
  /** Completed reopenings of the session since start. */
  count = 0;
  #inFlight: Promise<void> | null = null;
  readonly #o: ExchangeRestartsOptions;

  constructor(options: ExchangeRestartsOptions) {
    this.#o = options;
  }

  /** Counts the session's reopenings, and reconciles after each. */
  track(session: ExchangeSession, reconcile: () => Promise<unknown>): void {
    session.onReopen(async () => {
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
      this.#o.onChange(true);
      try {
        await session.restart({ signal: this.#o.signal });
      } finally {
        this.#o.state.set('restart_exchange', false, 'engine');
        this.#o.onChange(false);
        this.#inFlight = null;
      }
    })();
    return this.#inFlight;
  }
}
