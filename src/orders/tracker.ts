import { coerceError } from '../core/errors.js';
import { errorKind } from '../exchange/classify.js';
import { gate, type OrdersContext } from './context.js';
import { Order, writeOrder, type CcxtOrderLike } from './order.js';

/** What one status poll found. */
export type PollResult = 'updated' | 'unchanged' | 'not_found' | 'error' | 'skipped';

/** What one open-orders refresh saw. */
export interface RefreshReport {
  /** Orders the exchange listed as open (ours and foreign). */
  listed: number;
  /** Our orders whose state changed to match the exchange. */
  updated: number;
  /** Foreign open orders adopted (journaled and tracked). */
  adopted: number;
  /** Foreign open orders listed in `is_open_orders` only. */
  foreign: number;
  /** Our orders the exchange listed as open. */
  ours: Order[];
}

/** What one pass over our open orders missing from `is_open_orders` did. */
export interface PollReport {
  polled: number;
  updated: number;
  notFound: number;
}

/**
 * Keeps `open_orders` and `is_open_orders` in step with the exchange, in two steps that
 * `t_get_open_orders`, `t_update_open_orders`, reconciliation and the streams' gap fill share:
 * {@link refresh} (the account's open list) and {@link pollMissing} (the seed's rule of polling
 * only our open orders that list no longer shows, with a not-found counter that marks an order
 * lost after N misses, and lost orders polled at a lower rate).
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
    const { polled, updated } = await this.pollMissing(signal, { throttleLost: true });
    this.#ctx.book.prune();
    return { polled, updated };
  }

  /** `t_get_open_orders`: {@link refresh} without adopting; returns how many orders are open. */
  async refreshIsOpenOrders(signal?: AbortSignal): Promise<number> {
    return (await this.refresh(signal, { kind: 'open_orders', adopt: false }))?.listed ?? 0;
  }

  /**
   * The one open-orders refresh: fetches every open order of the account and rebuilds
   * `is_open_orders` (same object) as `{symbol: {buys, sells}}`, keeping what happened to our
   * orders while the answer was on its way (a cancel or an opening the stream applied first).
   * Answers about our orders are applied on the way (journal event `<kind>:<status>`), which also resolves orders whose
   * createOrder answer was lost; ours that left memory are reloaded from the journal, never
   * adopted. Foreign orders are adopted with `adopt`, else listed detached. Null when `signal`
   * aborted before the request.
   */
  async refresh(signal: AbortSignal | undefined, options: { kind: string; adopt: boolean }): Promise<RefreshReport | null> {
    const { book, clock } = this.#ctx;
    if (!(await gate(this.#ctx, signal))) return null;
    const requestedAt = clock.now();
    const raws = (await this.#ctx.session.exchange.fetchOpenOrders()) as CcxtOrderLike[];
    const report: RefreshReport = { listed: raws.length, updated: 0, adopted: 0, foreign: 0, ours: [] };
    const seen: Order[] = [];
    for (const raw of raws) {
      const ours = this.ours(raw);
      if (ours) {
        if (book.apply(ours, { ...raw, clientOrderId: ours.clientOrderId }, options.kind)) report.updated++;
        // Finished since the exchange computed the answer (the stream told us first): not open.
        if (!ours.isFinal) seen.push(ours);
        report.ours.push(ours);
      } else if (options.adopt && !this.#ctx.venueCloses.see(raw)) {
        seen.push(this.#adopt(raw));
        report.adopted++;
      } else {
        // The exchange's own closing order (a liquidation) is never adopted; the operator hears of it once.
        this.#ctx.venueCloses.see(raw);
        seen.push(Order.adopt(raw, clock.now()));
        report.foreign++;
      }
    }
    // The answer's silence says nothing about ours that opened or changed after the request
    // left (the stream or createOrder's answer told us first), nor about one the user stream
    // showed open so lately that the exchange may not list it yet (Binance hides a new order
    // from REST for a while). They stay listed, and the next pass polls them like the ones
    // dropped: the silence may also mean they finished.
    const { timing } = this.#ctx;
    const listed = new Set(seen);
    const kept: Order[] = [];
    for (const o of book.all()) {
      if (o.status !== 'open' || listed.has(o)) continue;
      const hidden = book.streamedOpen.has(o) && requestedAt - (o.submittedAt ?? o.createdAt) < timing.visibilityWindowMs;
      if (o.updatedAt >= requestedAt || hidden) kept.push(o);
    }
    book.setIsOpenOrders([...seen, ...kept], requestedAt);
    book.keptUnlisted.clear();
    for (const o of kept) book.keptUnlisted.add(o);
    return report;
  }

  /**
   * Our order an exchange answer is about: from memory, else reloaded from the journal (one
   * processed long ago, or of an older run) and tracked again.
   */
  ours(raw: CcxtOrderLike): Order | undefined {
    const { book, journal } = this.#ctx;
    const known = book.find(raw);
    if (known || !raw.clientOrderId || !journal.hasClientId(raw.clientOrderId)) return known;
    const stored = journal.get(raw.clientOrderId);
    if (!stored) return undefined;
    book.track(stored);
    return stored;
  }

  /**
   * Polls our open orders that the last `is_open_orders` snapshot does not list (they finished
   * meanwhile, or are not visible yet). `throttleLost` polls lost orders only every
   * `lostPollIntervalMs`.
   */
  async pollMissing(signal: AbortSignal | undefined, options: { throttleLost: boolean }): Promise<PollReport> {
    const { book, clock, timing } = this.#ctx;
    const report: PollReport = { polled: 0, updated: 0, notFound: 0 };
    for (const order of Object.values(book.openOrders).flat()) {
      if (signal?.aborted) break;
      if (order.status !== 'open' || order.id === null) continue;
      if (book.inIsOpenOrders(order) && !book.keptUnlisted.has(order)) continue;
      const last = this.#lastPolled.get(order.clientOrderId) ?? 0;
      if (options.throttleLost && order.lost && clock.now() - last < timing.lostPollIntervalMs) continue;
      const r = await this.poll(order, signal);
      if (r === 'skipped') break;
      report.polled++;
      if (r === 'updated') report.updated++;
      if (r === 'not_found') report.notFound++;
    }
    return report;
  }

  /** Fetches one order by exchange id and applies the answer; counts "not found". */
  async poll(order: Order, signal?: AbortSignal): Promise<PollResult> {
    const { book, clock, logger } = this.#ctx;
    if (order.id === null) return 'unchanged';
    if (!(await gate(this.#ctx, signal))) return 'skipped';
    this.#lastPolled.set(order.clientOrderId, clock.now());
    try {
      const raw = (await this.#ctx.session.exchange.fetchOrder(order.id, order.symbol)) as CcxtOrderLike;
      const updated = book.apply(order, { ...raw, clientOrderId: order.clientOrderId }, 'poll');
      // The answer settles an order the snapshot kept unlisted: listed while open, gone once finished.
      if (order.isFinal) book.dropFromIsOpenOrders(order);
      else book.keptUnlisted.delete(order);
      return updated ? 'updated' : 'unchanged';
    } catch (error: unknown) {
      if (errorKind(error) !== 'not_found') {
        logger.warn({ clientOrderId: order.clientOrderId, err: coerceError(error).message }, 'order status poll failed');
        return 'error';
      }
      noteNotFound(this.#ctx, order);
      return 'not_found';
    }
  }

  /** Journals, tracks and announces a foreign open order as ours from now on. */
  #adopt(raw: CcxtOrderLike): Order {
    const { book, journal, clock, logger, notify } = this.#ctx;
    const adopted = Order.adopt(raw, clock.now());
    journal.insert(adopted, 'adopted', { id: adopted.id });
    book.track(adopted);
    book.emitAdopted(adopted);
    logger.warn({ clientOrderId: adopted.clientOrderId, id: adopted.id, symbol: adopted.symbol }, 'adopted an unknown open order');
    notify(
      `adopted unknown open order ${adopted.id} (${adopted.side} ${adopted.amount} ${adopted.symbol} @ ${adopted.price ?? 'market'})`,
      'warn',
    );
    return adopted;
  }
}

/**
 * Counts a "not found" answer about an order of ours: past the visibility window (a just-placed
 * order may be invisible for a while, Binance up to ~60 s), `lostAfterNotFound` misses mark it
 * lost (and notify).
 */
export function noteNotFound(ctx: OrdersContext, order: Order): void {
  const { book, clock, timing, lostAfterNotFound } = ctx;
  if (clock.now() - (order.submittedAt ?? order.createdAt) < timing.visibilityWindowMs) return;
  book.atomically(() => {
    writeOrder(order, { notFoundCount: order.notFoundCount + 1 });
    if (order.notFoundCount >= lostAfterNotFound && !order.lost) book.markLost(order);
    else book.save(order, 'not_found', { notFoundCount: order.notFoundCount });
  }, [order]);
}
