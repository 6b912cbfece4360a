import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { OrdersConfig } from '../config/types.js';
import type { ExchangeSession } from '../exchange/types.js';
import type { OrderTiming } from './context.js';
import type { OrderJournal } from './journal.js';
import type { NotifyFn } from './order-book.js';

/** Options for `OrderManager`. */
export interface OrderManagerOptions {
  session: ExchangeSession;
  journal: OrderJournal;
  clock: Clock;
  /** @defaultValue a silent logger */
  logger?: Logger;
  config: OrdersConfig;
  /** Fine tuning; see {@link OrderTiming} for each default. */
  timing?: Partial<OrderTiming>;
  /** Whether `last_price` holds a fresh price for a symbol; used when `requireFreshPrice`. */
  isPriceFresh?: (symbol: string) => boolean;
  /** @defaultValue drop notifications */
  notify?: NotifyFn;
  /** The strategy's fresh last price of a symbol (for `orders.risk`); else a ticker is fetched. */
  lastPrice?: (symbol: string) => number | undefined;
  /**
   * The strategy's markets (its watch list): `pushOrRefuse` suggests, for an unknown symbol, a
   * market of the kind most of them (and our unfinished orders) are. @defaultValue our
   * unfinished orders' alone
   */
  strategySymbols?: () => readonly string[];
}
