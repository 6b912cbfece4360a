import type { Logger } from '../core/logger.js';
import type { NotifyFn } from './order-book.js';
import type { CcxtOrderLike } from './order-data.js';

/** How many venue-made orders are remembered as told (the oldest forgotten first). */
const REMEMBERED = 1_000;

/**
 * Whether a client order id is one Binance gives the orders it makes itself to close a position:
 * a liquidation (`autoclose-…`) or an auto-deleveraging (`adl_autoclose`). Never an order of misso's.
 */
export function isVenueCloseOrder(clientOrderId: string | undefined): boolean {
  return clientOrderId !== undefined && (clientOrderId.startsWith('autoclose-') || clientOrderId === 'adl_autoclose');
}

/**
 * Tells the operator of the exchange's own closing orders (liquidation, ADL) that the order
 * handling comes across (the orders stream, REST reads of orders): a warning in the log and one
 * notice per order, `<symbol> position liquidated: <side> <amount> at <price>`, however many
 * updates or reads show it.
 */
export class VenueCloseNotices {
  readonly #logger: Logger;
  readonly #notify: NotifyFn;
  readonly #told = new Set<string>();

  constructor(logger: Logger, notify: NotifyFn) {
    this.#logger = logger;
    this.#notify = notify;
  }

  /** Whether `raw` is such an order; the first sight of each is logged and notified. */
  see(raw: CcxtOrderLike): boolean {
    if (!isVenueCloseOrder(raw.clientOrderId)) return false;
    // ADL orders all carry the same client id: the exchange's id tells them apart.
    const key = `${raw.symbol ?? ''}\n${raw.id ?? raw.clientOrderId ?? ''}`;
    if (this.#told.has(key)) return true;
    this.#told.add(key);
    if (this.#told.size > REMEMBERED) this.#told.delete(this.#told.values().next().value!);
    const symbol = raw.symbol ?? 'unknown symbol';
    const amount = raw.amount ?? raw.filled;
    // A fill's average once there is one; before it, the order's price (the bankruptcy or mark price).
    const price = raw.average !== undefined && raw.average > 0 ? raw.average : raw.price;
    this.#logger.warn({ symbol, id: raw.id, clientOrderId: raw.clientOrderId, side: raw.side, amount, price }, 'the exchange closed a position itself (liquidation or ADL)');
    this.#notify(`${symbol} position liquidated: ${raw.side ?? 'unknown side'} ${amount ?? 'unknown amount'} at ${price ?? 'unknown price'}`, 'warn');
    return true;
  }
}
