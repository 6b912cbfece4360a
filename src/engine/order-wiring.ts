import type { Clock } from '../core/clock.js';
import { UserError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { NotifyLevel } from '../core/notify-level.js';
import type { MissoConfig } from '../config/types.js';
import type { ExchangeSession } from '../exchange/types.js';
import { OrderJournal } from '../orders/journal.js';
import { accountCredential, claimJournalAccount } from '../orders/journal-account.js';
import { claimJournalExchange } from '../orders/journal-exchange.js';
import { OrderManager, type OrderStats, type StopReport } from '../orders/manager.js';
import type { StateStore } from '../state/state-store.js';
import { watchList } from '../tasks/attr.js';
import type { StatusReporter } from './status-reporter.js';

/** The updater's parts the order manager is wired to. */
export interface OrderWiring {
  config: MissoConfig;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  reporter: StatusReporter;
}

/**
 * Builds the order manager and connects it to the rest: `open_orders`, `is_open_orders` and
 * `closed_trades` in
 * state, order events to status, journal health to readiness, and prices' freshness as the
 * executor's guard.
 */
export function wireOrderManager(
  w: OrderWiring,
  session: ExchangeSession,
  journal: OrderJournal,
  notify: (text: string, level: NotifyLevel) => void,
): OrderManager {
  const { config, state, reporter } = w;
  const orders = new OrderManager({
    session,
    journal,
    clock: w.clock,
    logger: w.logger,
    config: { ...config.orders, freshPriceWaitSecs: freshPriceWaitSecs(config) },
    timing: { visibilityWindowMs: config.orders.visibilityWindowSecs * 1000, submitConcurrency: config.orders.submitConcurrency },
    isPriceFresh: (symbol: string) => state.isKeyFresh('last_price', symbol),
    lastPrice: (symbol: string) => {
      const last = state.get<Record<string, unknown>>('last_price')?.[symbol];
      return typeof last === 'number' && state.isKeyFresh('last_price', symbol) ? last : undefined;
    },
    notify: (text: string, level: NotifyLevel = 'warn') => notify(text, level),
    strategySymbols: () => watchList(state.has('watch_list') ? state.get('watch_list') : null),
  });
  // A journal that cannot be written (a full disk) makes the updater not ready until it can.
  orders.on('journal', (problem) => (reporter.readiness.journal = problem === null));
  state.define('open_orders', orders.openOrders);
  state.define('is_open_orders', orders.isOpenOrders);
  state.define('closed_trades', orders.closedTrades);
  orders.on('order', (order, change) => {
    // Announced, not touched: the engine's own bookkeeping is not the exchange's word, so it must
    // not make a stale open_orders fresh (nor its failed task recovered) while the exchange is
    // down. The task's pass and the user stream touch it when the exchange confirms it.
    // A strategy's 'change' listener that throws (heard inside announce) must not cost the status events.
    try {
      state.announce('open_orders', 'orders');
    } finally {
      reporter.orderChanged(order, change);
    }
  });
  return orders;
}

/** How the journal is opened: the updater's `storagePath`, `newJournal` and `rekeyJournal` options. */
export interface JournalOptions {
  storagePath?: string;
  newJournal?: boolean;
  rekeyJournal?: boolean;
}

/**
 * Opens the order journal the config (or an override) names, named after the subaccount. A file
 * that cannot be used is refused at the config's `storage.path` line when the config set it.
 */
export function openJournal(config: MissoConfig, clock: Clock, options: JournalOptions): OrderJournal {
  const subaccount = config.classAttributes['subaccount'];
  try {
    const journal = OrderJournal.open({
      path: journalPath(config, options.storagePath),
      clock,
      name: typeof subaccount === 'string' && subaccount ? subaccount : 'misso',
      newJournal: options.newJournal ?? false,
    });
    try {
      claimJournalExchange(journal.db, journal.path, config.exchange.id, config.exchange.urls);
      claimJournalAccount(journal.db, journal.path, accountCredential(config.exchange), { rekey: options.rekeyJournal ?? false });
    } catch (error: unknown) {
      journal.close();
      throw error;
    }
    return journal;
  } catch (error: unknown) {
    const pos = config.storage.pos;
    if (!(error instanceof UserError) || options.storagePath || !pos) throw error;
    throw new UserError(`${pos.file}:${pos.line}:${pos.col}: storage.path: ${error.message}`, error.exitCode);
  }
}

/** The journal's file (or `:memory:`): the `storagePath` option, else the config's, as the exchange allows. */
export function journalPath(config: MissoConfig, override: string | undefined): string {
  if (override) return override;
  // The in-process simulator's account lives and dies with the process, so a journal kept
  // across processes would describe orders no simulator knows: keep it in memory unless the
  // user asked for a file explicitly.
  if (config.exchange.id === 'sim' && !config.storage.written) return ':memory:';
  return config.storage.path;
}

/** Stops the order manager (applying `orders.on_stop`) and returns its report and last figures. */
export async function stopOrders(orders: OrderManager, config: MissoConfig, logger: Logger): Promise<{ report: StopReport; stats: OrderStats }> {
  const report = await orders.stop({ onStop: config.orders.onStop });
  logger.info({ report }, 'orders stopped');
  return { report, stats: orders.stats() };
}

/** `orders.fresh_price_wait_secs`, or twice the ticker task's period (20 s without a ticker task). */
export function freshPriceWaitSecs(config: MissoConfig): number {
  const explicit = config.orders.freshPriceWaitSecs;
  if (explicit !== undefined && explicit !== null) return explicit;
  const ticker = config.tasks.find((t) => t.kind === 't_update_tickers');
  return 2 * (ticker?.freqSecs ?? DEFAULT_TICKER_FREQ_SECS);
}

// t_update_tickers' default period.
const DEFAULT_TICKER_FREQ_SECS = 10;
