import type { NotifyLevel } from '../core/notify-level.js';
import type { ExchangeSession } from '../exchange/types.js';
import type { OrderJournal } from '../orders/journal.js';
import type { OrderManager, OrderStats, StopReport } from '../orders/manager.js';
import { closePendingOrders } from '../orders/pending-orders.js';
import { LateOrderManager } from './late-order-manager.js';
import { openJournal, stopOrders, wireOrderManager, type JournalOptions, type OrderWiring } from './order-wiring.js';

/**
 * The updater's order side. The journal and the order manager exist only once `start()` has
 * built them (the manager needs the exchange session), while `updater.orders` exists from the
 * moment the updater is built; after the stop, the last figures stay readable.
 */
export class UpdaterOrders {
  readonly #view = new LateOrderManager();
  readonly #w: OrderWiring;
  #journal: OrderJournal | null = null;
  #manager: OrderManager | null = null;
  #finalStats: OrderStats | null = null;
  #stopReport: StopReport | null = null;

  constructor(wiring: OrderWiring) {
    this.#w = wiring;
  }

  /** What `updater.orders` returns: listeners work before `start()`, the rest after. */
  get view(): OrderManager {
    return this.#view.view;
  }

  /** The journal, once opened. */
  get journal(): OrderJournal | null {
    return this.#journal;
  }

  /** The order manager, once built. */
  get manager(): OrderManager | null {
    return this.#manager;
  }

  /** The order figures: live while running, the last ones after the stop, null before the start. */
  stats(): OrderStats | null {
    return this.#finalStats ?? this.#manager?.stats() ?? null;
  }

  /** What the order manager's stop did (`orders.on_stop`), null before it stopped. */
  get stopReport(): StopReport | null {
    return this.#stopReport;
  }

  /** Opens the journal the config (or an override) names; the updater is then journal-ready. */
  openJournal(options: JournalOptions): void {
    this.#journal = openJournal(this.#w.config, this.#w.clock, options);
    this.#w.reporter.readiness.journal = true;
  }

  /** Builds the order manager on the session and the opened journal, and hands it to the view. */
  wire(session: ExchangeSession, notify: (text: string, level: NotifyLevel) => void): OrderManager {
    if (!this.#journal) throw new Error('the journal is opened before the order manager is built');
    const manager = wireOrderManager(this.#w, session, this.#journal, notify);
    this.#manager = manager;
    this.#view.attach(manager);
    return manager;
  }

  /**
   * Refuses new intents from now on (`StoppedError` saying `reason()`, asked at each refusal): an
   * order taken while the updater stops would be sent at some later start, at whatever price the
   * market has then. Cancels and amends still reach the manager until it stops.
   */
  refuseNewOrders(reason: () => string): void {
    if (this.#manager) closePendingOrders(this.#manager.queue, reason);
  }

  /** Stops the order manager (applying `orders.on_stop`) and keeps its last figures. */
  async stop(): Promise<void> {
    if (!this.#manager) return;
    const { report, stats } = await stopOrders(this.#manager, this.#w.config, this.#w.logger);
    this.#finalStats = stats;
    this.#stopReport = report;
  }

  /** Closes the journal, if one was opened. */
  close(): void {
    this.#journal?.close();
  }
}
