import { coerceError } from '../core/errors.js';
import type { Order } from '../orders/order.js';
import type { StreamContext } from './stream-context.js';

/** At most this many owed orders are looked up by REST per check. */
const LOOKUPS_PER_CHECK = 3;
const TRIGGER_PARAMS = ['triggerPrice', 'stopPrice', 'stopLossPrice', 'takeProfitPrice'];

/**
 * Catches a user stream that went silent while orders rest: the market says one of our resting
 * orders must have changed, and the stream has said nothing since.
 *
 * A user stream has no heartbeat, and a server that stops sending while it answers pings looks
 * healthy to ccxt. Without orders of ours in flight nothing shows it; with a resting order, the
 * market does. When the streamed last price moves strictly through a resting limit order's price
 * (below a buy, above a sell) after the order's last change, a trade happened past our price
 * while we rested there: under price-time priority the venue owes us a fill (or the order was
 * cancelled or expired: an update too). If the user stream delivers nothing for `stall_after_secs`
 * after that, the order is looked up by REST: when the answer moves it (what the stream should
 * have said), the stream counts as stalled (torn down, resubscribed, gap filled, notified). When
 * REST shows no change (the last trade came before the order rested, or the venue's last price is
 * not what matched), the order is not suspected again until the price next moves through it.
 */
export class OwedEvents {
  readonly #ctx: StreamContext;
  /** clientOrderId → when the price was first seen through it (since its last change or look-up). */
  readonly #through = new Map<string, number>();
  /** clientOrderId → when REST last found it unchanged. */
  readonly #cleared = new Map<string, number>();
  #heardAt = Number.NEGATIVE_INFINITY;
  #looking = false;
  #confirmed = false;

  constructor(ctx: StreamContext) {
    this.#ctx = ctx;
  }

  /** The orders stream delivered something. */
  heard(now: number): void {
    this.#heardAt = now;
  }

  /** A (re)connection's gap fill read the orders by REST: nothing is owed from before `now`. */
  reset(now: number): void {
    this.#heardAt = now;
    this.#through.clear();
    this.#cleared.clear();
    this.#confirmed = false;
  }

  /** Whether the stream is proven silent; may start a REST look-up that decides it later. */
  check(now: number, limitMs: number): boolean {
    if (this.#confirmed) return true;
    const owed = this.#owed(now, limitMs);
    if (owed.length > 0 && !this.#looking) void this.#lookUp(owed.slice(0, LOOKUPS_PER_CHECK));
    return false;
  }

  /** Resting orders the price went through more than `limitMs` ago, with the stream silent since. */
  #owed(now: number, limitMs: number): Order[] {
    const { cache, orders } = this.#ctx;
    const owed: Order[] = [];
    const seen = new Set<string>();
    for (const list of Object.values(orders.openOrders)) {
      for (const o of list) {
        if (!restsAtLimit(o)) continue;
        seen.add(o.clientOrderId);
        const p = cache.price(o.symbol);
        const since = Math.max(o.updatedAt, this.#cleared.get(o.clientOrderId) ?? Number.NEGATIVE_INFINITY);
        const through = p !== undefined && p.changedAt > since && (o.side === 'buy' ? p.last < o.price! : p.last > o.price!);
        if (!through) {
          this.#through.delete(o.clientOrderId);
          continue;
        }
        let first = this.#through.get(o.clientOrderId);
        if (first === undefined || first <= since) this.#through.set(o.clientOrderId, (first = p.changedAt));
        if (now - first > limitMs && this.#heardAt < first) owed.push(o);
      }
    }
    for (const cid of this.#through.keys()) if (!seen.has(cid)) this.#through.delete(cid);
    for (const cid of this.#cleared.keys()) if (!seen.has(cid)) this.#cleared.delete(cid);
    return owed;
  }

  async #lookUp(owed: readonly Order[]): Promise<void> {
    const { orders, clock, logger } = this.#ctx;
    this.#looking = true;
    try {
      for (const o of owed) {
        const first = this.#through.get(o.clientOrderId) ?? clock.now();
        const price = o.price;
        const result = await orders.pollOrder(o);
        if (result === 'updated' && this.#heardAt < first) {
          logger.warn(
            { clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, price, status: o.status, filled: o.filled },
            'user stream silent: the market traded through a resting order and REST shows it changed; the stream never said so',
          );
          this.#confirmed = true;
          return;
        }
        if (result === 'unchanged') this.#cleared.set(o.clientOrderId, clock.now());
      }
    } catch (error: unknown) {
      logger.warn({ err: coerceError(error).message }, 'looking up an order the user stream owes an update failed; trying at the next check');
    } finally {
      this.#looking = false;
    }
  }
}

/** A limit order resting on the book: open, with an exchange id and a price, no trigger. */
function restsAtLimit(o: Order): boolean {
  if (o.status !== 'open' || o.id === null || o.type !== 'limit' || o.price === null) return false;
  return !TRIGGER_PARAMS.some((k) => o.params[k] !== undefined && o.params[k] !== null);
}
