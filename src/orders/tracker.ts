import { coerceError } from '../core/errors.js';
import { errorKind } from '../exchange/classify.js';
import { gate, type OrdersContext } from './context.js';
import { Order, type CcxtOrderLike } from './order.js';

/** What one status poll found. */
export type PollResult = 'updated' | 'unchanged' | 'not_found' | 'error' | 'skipped';

/**
 * Keeps `open_orders` and `is_open_orders` in step with the exchange: the seed's rule of
 * polling only our open orders that the exchange's open list no longer shows, with a not-found
 * counter that marks an order lost after N misses, and lost orders polled at a lower rate.
 */
export class OrderTracker {
  readonly #ctx: OrdersContext;
  readonly #lastPolled = new Map<string, number>();

  constructor(ctx: OrdersContext) {
    this.#ctx = ctx;
  }

  /**
   * `t_update_open_orders`: polls the open orders missing from `is_open_orders`, then drops
   * processed orders and expired cache entries. Errors on one order don't stop the pass. With
   * no `t_get_open_orders` task (the seed's own config has none) `is_open_orders` stays as the
   * last reconcile left it, so every open order placed since is polled, as in the seed.
   */
  async updateOpenOrders(signal?: AbortSignal): Promise<{ polled: number; updated: number }> {
    const { book, clock, timing } = this.#ctx;
    let polled = 0;
    let updated = 0;
    for (const order of Object.values(book.openOrders).flat()) {
      if (signal?.aborted) break;
      if (order.status !== 'open' || order.id === null) continue;
      if (book.inIsOpenOrders(order)) continue;
      if (order.lost && clock.now() - (this.#lastPolled.get(order.clientOrderId) ?? 0) < timing.lostPollIntervalMs) continue;
      const r = await this.poll(order, signal);
      if (r === 'skipped') break;
      polled++;
      if (r === 'updated') updated++;
    }
    book.prune();
    return { polled, updated };
  }

  /** Fetches one order by exchange id and applies the answer; counts "not found". */
  async poll(order: Order, signal?: AbortSignal): Promise<PollResult> {
    const { book, clock, timing, lostAfterNotFound, logger } = this.#ctx;
    if (order.id === null) return 'unchanged';
    if (!(await gate(this.#ctx, signal))) return 'skipped';
    this.#lastPolled.set(order.clientOrderId, clock.now());
    try {
      const raw = (await this.#ctx.session.exchange.fetchOrder(order.id, order.symbol)) as CcxtOrderLike;
      return book.apply(order, { ...raw, clientOrderId: order.clientOrderId }, 'poll') ? 'updated' : 'unchanged';
    } catch (error: unknown) {
      if (errorKind(error) !== 'not_found') {
        logger.warn({ clientOrderId: order.clientOrderId, err: coerceError(error).message }, 'order status poll failed');
        return 'error';
      }
      // Just-placed orders may be invisible for a while (Binance: up to ~60 s); not a miss yet.
      if (clock.now() - (order.submittedAt ?? order.createdAt) < timing.visibilityWindowMs) return 'not_found';
      order.notFoundCount += 1;
      if (order.notFoundCount >= lostAfterNotFound && !order.lost) book.markLost(order);
      else book.save(order, 'not_found', { notFoundCount: order.notFoundCount });
      return 'not_found';
    }
  }

  /**
   * `t_get_open_orders`: fetches every open order of the account and rebuilds `is_open_orders`
   * (same object) as `{symbol: {buys, sells}}`. Answers about our orders are applied on the way,
   * which also resolves orders whose createOrder answer was lost.
   */
  async refreshIsOpenOrders(signal?: AbortSignal): Promise<number> {
    const { book, clock } = this.#ctx;
    if (!(await gate(this.#ctx, signal))) return 0;
    const requestedAt = clock.now();
    const raws = (await this.#ctx.session.exchange.fetchOpenOrders()) as CcxtOrderLike[];
    const list = raws.map((raw) => this.#match(raw, 'open_orders'));
    book.setIsOpenOrders(list, requestedAt);
    return list.length;
  }

  /** Our Order for an exchange answer (updated), or a detached one for a foreign order. */
  #match(raw: CcxtOrderLike, kind: string): Order {
    const known = this.#ctx.book.find(raw);
    if (known) {
      this.#ctx.book.apply(known, { ...raw, clientOrderId: known.clientOrderId }, kind);
      return known;
    }
    return Order.adopt(raw, this.#ctx.clock.now());
  }
}
