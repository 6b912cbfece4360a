import { gate, type OrdersContext } from './context.js';
import { Order, type CcxtOrderLike } from './order.js';
import type { Resolver } from './resolver.js';
import type { OrderTracker } from './tracker.js';

/** What one reconciliation did. */
export interface ReconcileReport {
  /** Journal orders whose state changed to match the exchange. */
  updated: number;
  /** Unknown open orders adopted. */
  adopted: number;
  /** Unknown open orders left alone (`unknown_orders: ignore`). */
  ignored: number;
  /** Intents with a possible exchange order, now being resolved by client id. */
  resolving: number;
  /** Open orders the exchange did not return (counted towards lost). */
  notFound: number;
}

/**
 * Brings memory and journal in line with the exchange, at start and after every restart:
 * 1. every open order of the account is fetched; ours are updated, unknown ones adopted or
 *    ignored per `unknown_orders` (this also rebuilds `is_open_orders`);
 * 2. our open orders the exchange no longer lists are fetched one by one (finished meanwhile);
 * 3. intents that may have reached the exchange are resolved by client id, then sent or failed.
 */
export async function reconcile(
  ctx: OrdersContext,
  tracker: OrderTracker,
  resolver: Resolver,
  resolverSignal: AbortSignal,
  signal?: AbortSignal,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { updated: 0, adopted: 0, ignored: 0, resolving: 0, notFound: 0 };
  const { book, journal, clock, logger, notify } = ctx;
  if (!(await gate(ctx, signal))) return report;
  const requestedAt = clock.now();
  const raws = (await ctx.session.exchange.fetchOpenOrders()) as CcxtOrderLike[];
  const seen: Order[] = [];
  for (const raw of raws) {
    let order = book.find(raw);
    if (!order && raw.clientOrderId && journal.hasClientId(raw.clientOrderId)) {
      // Ours but no longer in memory (processed long ago, or an older run): reload, don't adopt.
      const stored = journal.get(raw.clientOrderId);
      if (stored) {
        book.track(stored);
        order = stored;
      }
    }
    if (order) {
      if (book.apply(order, { ...raw, clientOrderId: order.clientOrderId }, 'reconcile')) report.updated++;
      seen.push(order);
      continue;
    }
    if (ctx.unknownOrders === 'ignore') {
      report.ignored++;
      seen.push(Order.adopt(raw, clock.now()));
      continue;
    }
    const adopted = Order.adopt(raw, clock.now());
    journal.insert(adopted, 'adopted', { id: adopted.id });
    book.track(adopted);
    seen.push(adopted);
    report.adopted++;
    ctx.book.emitAdopted(adopted);
    logger.warn({ clientOrderId: adopted.clientOrderId, id: adopted.id, symbol: adopted.symbol }, 'adopted an unknown open order');
    notify(
      `adopted unknown open order ${adopted.id} (${adopted.side} ${adopted.amount} ${adopted.symbol} @ ${adopted.price ?? 'market'})`,
      'warn',
    );
  }
  book.setIsOpenOrders(seen, requestedAt);

  for (const order of Object.values(book.openOrders).flat()) {
    if (signal?.aborted) break;
    if (order.status !== 'open' || book.inIsOpenOrders(order)) continue;
    const r = await tracker.poll(order, signal);
    if (r === 'updated') report.updated++;
    if (r === 'not_found') report.notFound++;
  }

  for (const order of book.all()) {
    if (order.status !== 'pending' || order.attempts === 0 || resolver.has(order)) continue;
    report.resolving++;
    void resolver.resolve(order, resolverSignal);
  }
  if (report.adopted + report.updated + report.resolving + report.notFound > 0) {
    logger.info(report, 'reconciled orders with the exchange');
  }
  return report;
}
