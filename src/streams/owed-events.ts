import { coerceError } from '../core/errors.js';
import type { Order } from '../orders/order.js';
import type { StreamContext } from './stream-context.js';

/** At most this many owed orders are looked up by REST per check. */
const LOOKUPS_PER_CHECK = 3;
/** After a look-up that proved nothing, the next one of the same order waits this long, doubling. */
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
 * market does: a trade strictly past a resting limit order's price (below a buy, above a sell)
 * after the order's last change means the venue owes us an update (under price-time priority our
 * order traded first, or it was cancelled or expired). The market streams show such a trade as
 * the streamed last price moving through the order, or the forming candle's low or high moving
 * through it (a wick between two ticker pushes). If the user stream delivers nothing for
 * `stall_after_secs` after that, the order is looked up by REST: when the answer moves its
 * status, fill, amount or price (what the stream should have said), the stream counts as stalled
 * (torn down, resubscribed, gap filled, notified). Otherwise the order is suspected again only
 * on market evidence newer than the look-up, and looked up again after a wait (5 s doubling to
 * 5 min), the orders not yet looked up first. A trade that only touched the order's price proves
 * nothing and is not seen: the REST reconcile covers it.
 */
export class OwedEvents {
  readonly #ctx: StreamContext;
  /** clientOrderId → when the market first showed a trade through it (since its last change or look-up). */
  readonly #through = new Map<string, number>();
  /**
   * clientOrderId → when it was last looked up (and learnt something), when the next look-up may
   * run, the wait after that, and the order's last change as the look-up left it.
   */
  readonly #looked = new Map<string, { at: number; next: number; waitMs: number; updatedAt: number }>();
  #heardAt = Number.NEGATIVE_INFINITY;
  #looking = false;
  /** Bumped by {@link reset}: a look-up started before it is moot. */
  #generation = 0;
  /** The evidence time of the order whose look-up proved the stream silent, or null. */
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
    this.#looked.clear();
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
   * Resting orders the market went through more than `limitMs` ago, with the stream silent since,
   * those never looked up first, then the longest waiting.
   */
  #owed(now: number, limitMs: number): { order: Order; since: number }[] {
    const { orders } = this.#ctx;
    const owed: { order: Order; since: number; next: number }[] = [];
    const seen = new Set<string>();
    for (const list of Object.values(orders.openOrders)) {
      for (const o of list) {
        if (!restsAtLimit(o)) continue;
        const cid = o.clientOrderId;
        seen.add(cid);
        let looked = this.#looked.get(cid);
        // The order changed since its last look-up: a fresh start, without the wait.
        if (looked && o.updatedAt !== looked.updatedAt) {
          this.#looked.delete(cid);
          looked = undefined;
        }
        // Only evidence newer than the order's last change, its last look-up and the stream's
        // last word counts: a stream that spoke after a trade was alive then.
        const since = Math.max(o.updatedAt, looked?.at ?? Number.NEGATIVE_INFINITY, this.#heardAt);
        const evidence = this.#evidence(o, since);
        let first = this.#through.get(cid);
        if (first !== undefined && first <= since) first = undefined;
        if (evidence !== undefined && (first === undefined || evidence < first)) first = evidence;
        if (first === undefined) {
          this.#through.delete(cid);
          continue;
        }
        this.#through.set(cid, first);
        const next = looked?.next ?? Number.NEGATIVE_INFINITY;
        if (now - first > limitMs && next <= now) owed.push({ order: o, since: first, next });
      }
    }
    for (const cid of this.#through.keys()) if (!seen.has(cid)) this.#through.delete(cid);
    for (const cid of this.#looked.keys()) if (!seen.has(cid)) this.#looked.delete(cid);
    return owed.sort((a, b) => a.next - b.next);
  }

  /** When the market streams first showed a trade strictly through `o`'s price after `since`, if they did. */
  #evidence(o: Order, since: number): number | undefined {
    const { cache } = this.#ctx;
    const limit = o.price!;
    const past = (price: number): boolean => (o.side === 'buy' ? price < limit : price > limit);
    let first: number | undefined;
    const p = cache.price(o.symbol);
    if (p !== undefined && p.changedAt > since && past(p.last)) first = p.changedAt;
    for (const e of cache.extremes(o.symbol)) {
      const move = o.side === 'buy' ? e.lowMove : e.highMove;
      if (move && move.after >= since && past(move.price) && (first === undefined || move.at < first)) first = move.at;
    }
    return first;
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
        // Not proven. An answer (the order unchanged) leaves only newer evidence to go on; a
        // look-up that learnt nothing (an error, "not found") keeps the evidence. Either way, not
        // before the wait.
        const prev = this.#looked.get(o.clientOrderId);
        const waitMs = prev?.waitMs ?? RETRY_FIRST_MS;
        const learnt = result === 'updated' || result === 'unchanged';
        const now = clock.now();
        this.#looked.set(o.clientOrderId, {
          at: learnt ? now : (prev?.at ?? Number.NEGATIVE_INFINITY),
          next: now + waitMs,
          waitMs: Math.min(waitMs * 2, RETRY_MAX_MS),
          updatedAt: o.updatedAt,
        });
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
