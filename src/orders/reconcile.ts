import type { OrdersContext } from './context.js';
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
 * 1. the open-orders refresh (`tracker.refresh`): ours are updated, unknown ones adopted or
 *    ignored per `unknown_orders`, `is_open_orders` rebuilt;
 * 2. our open orders the exchange no longer lists are polled one by one (finished meanwhile),
 *    lost ones included;
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
  const refreshed = await tracker.refresh(signal, { kind: 'reconcile', adopt: ctx.unknownOrders === 'adopt' });
  if (!refreshed) return report;
  report.updated = refreshed.updated;
  report.adopted = refreshed.adopted;
  report.ignored = refreshed.foreign;

  const polled = await tracker.pollMissing(signal, { throttleLost: false });
  report.updated += polled.updated;
  report.notFound = polled.notFound;

  for (const order of ctx.book.all()) {
    if (order.status !== 'pending' || order.attempts === 0 || resolver.has(order)) continue;
    report.resolving++;
    void resolver.resolve(order, resolverSignal);
  }
  if (report.adopted + report.updated + report.resolving + report.notFound > 0) {
    ctx.logger.info(report, 'reconciled orders with the exchange');
  }
  return report;
}
