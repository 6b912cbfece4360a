import { coerceError } from '../core/errors.js';
import type { Order } from '../orders/order.js';
import type { StreamContext } from './stream-context.js';

/** At most this many owed orders are looked up by REST per check. */
const LOOKUPS_PER_CHECK = 3;
/** After a look-up that settled nothing (an error, "not found"), the next one waits this long, doubling. */
const RETRY_FIRST_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;
const TRIGGER_PARAMS = ['triggerPrice', 'stopPrice', 'stopLossPrice', 'takeProfitPrice'];

/** What a look-up must find moved for the stream to have owed it. */
type Material = Pick<Order, 'status' | 'filled' | 'amount' | 'price'>;

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
 * after that, the order is looked up by REST: when the answer moves its status, fill, amount or
 * price (what the stream should have said), the stream counts as stalled (torn down,
 * resubscribed, gap filled, notified). When REST shows no such change (the last trade came
 * before the order rested; the venue's last price is not what matched), the order is not
 * suspected again until the price has been back on its side and crosses it anew. A look-up that
 * settles nothing (an error, "not found") is tried again with backoff, the others' turn first.
 */
export class OwedEvents {
  readonly #ctx: StreamContext;
  /** clientOrderId → when the price was first seen through it (since its last change). */
  readonly #through = new Map<string, number>();
  /** Orders REST found unchanged while the price was through them: not suspected until it recrosses. */
  readonly #cleared = new Set<string>();
  /** clientOrderId → when a look-up that settled nothing may run again, and the wait after that. */
  readonly #retry = new Map<string, { at: number; waitMs: number }>();
  #heardAt = Number.NEGATIVE_INFINITY;
  #looking = false;
  /** Bumped by {@link reset}: a look-up started before it is moot. */
  #generation = 0;
  /** The price-through time of the order whose look-up proved the stream silent, or null. */
  #confirmedFor: number | null = null;

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
    this.#generation++;
    this.#through.clear();
    this.#cleared.clear();
    this.#retry.clear();
    this.#confirmedFor = null;
  }

  /** Whether the stream is proven silent; may start a REST look-up that decides it later. */
  check(now: number, limitMs: number): boolean {
    if (this.#confirmedFor !== null) {
      // The stream spoke after all (late, but alive): not torn down for it.
      if (this.#heardAt < this.#confirmedFor) return true;
      this.#confirmedFor = null;
    }
    const owed = this.#owed(now, limitMs);
    if (owed.length > 0 && !this.#looking) {
      // Runs beside the watchdog, awaited by nothing: a throw must not end the process.
      this.#lookUp(owed.slice(0, LOOKUPS_PER_CHECK)).catch((error: unknown) => {
        this.#ctx.logger.warn({ err: coerceError(error).message }, 'looking up the orders the user stream owes updates failed');
      });
    }
    return false;
  }

  /**
   * Resting orders the price went through more than `limitMs` ago, with the stream silent since,
   * those never looked up first, then the longest waiting.
   */
  #owed(now: number, limitMs: number): { order: Order; since: number }[] {
    const { cache, orders } = this.#ctx;
    const owed: { order: Order; since: number; retryAt: number }[] = [];
    const seen = new Set<string>();
    for (const list of Object.values(orders.openOrders)) {
      for (const o of list) {
        if (!restsAtLimit(o)) continue;
        const cid = o.clientOrderId;
        seen.add(cid);
        const p = cache.price(o.symbol);
        if (p === undefined) continue;
        const through = o.side === 'buy' ? p.last < o.price! : p.last > o.price!;
        if (!through) {
          this.#through.delete(cid);
          this.#cleared.delete(cid);
          continue;
        }
        if (this.#cleared.has(cid) || p.changedAt <= o.updatedAt) continue;
        let first = this.#through.get(cid);
        if (first === undefined || first <= o.updatedAt) this.#through.set(cid, (first = p.changedAt));
        const retryAt = this.#retry.get(cid)?.at ?? Number.NEGATIVE_INFINITY;
        if (now - first > limitMs && this.#heardAt < first && retryAt <= now) owed.push({ order: o, since: first, retryAt });
      }
    }
    for (const cid of this.#through.keys()) if (!seen.has(cid)) this.#through.delete(cid);
    for (const cid of this.#cleared) if (!seen.has(cid)) this.#cleared.delete(cid);
    for (const cid of this.#retry.keys()) if (!seen.has(cid)) this.#retry.delete(cid);
    return owed.sort((a, b) => a.retryAt - b.retryAt);
  }

  async #lookUp(owed: readonly { order: Order; since: number }[]): Promise<void> {
    const { orders, clock, logger } = this.#ctx;
    const generation = this.#generation;
    this.#looking = true;
    try {
      for (const { order: o, since } of owed) {
        if (generation !== this.#generation) return;
        const before = material(o);
        const result = await orders.pollOrder(o).catch((error: unknown) => {
          logger.warn({ clientOrderId: o.clientOrderId, err: coerceError(error).message }, 'looking up an order the user stream owes an update failed; trying again later');
          return 'error' as const;
        });
        if (generation !== this.#generation) return;
        const moved = !sameMaterial(before, material(o));
        if (moved && this.#heardAt < since) {
          logger.warn(
            { clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, price: before.price, status: o.status, filled: o.filled },
            'user stream silent: the market traded through a resting order and REST shows it changed; the stream never said so',
          );
          this.#confirmedFor = since;
          return;
        }
        if (moved || result === 'updated' || result === 'unchanged') {
          this.#retry.delete(o.clientOrderId);
          if (!moved) this.#cleared.add(o.clientOrderId);
        } else {
          const waitMs = this.#retry.get(o.clientOrderId)?.waitMs ?? RETRY_FIRST_MS;
          this.#retry.set(o.clientOrderId, { at: clock.now() + waitMs, waitMs: Math.min(waitMs * 2, RETRY_MAX_MS) });
        }
      }
    } finally {
      this.#looking = false;
    }
  }
}

/** A limit order resting on the book: open, with an exchange id and a price, no trigger, not lost. */
function restsAtLimit(o: Order): boolean {
  if (o.status !== 'open' || o.id === null || o.type !== 'limit' || o.price === null || o.lost) return false;
  return !TRIGGER_PARAMS.some((k) => o.params[k] !== undefined && o.params[k] !== null);
}

function material(o: Order): Material {
  return { status: o.status, filled: o.filled, amount: o.amount, price: o.price };
}

function sameMaterial(a: Material, b: Material): boolean {
  return a.status === b.status && a.filled === b.filled && a.amount === b.amount && a.price === b.price;
}
