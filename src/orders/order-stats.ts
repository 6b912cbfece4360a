import type { Order } from './order.js';
import type { OrderStatus } from './transitions.js';

/** Counters for status pages and metrics. */
export interface OrderStats {
  /**
   * Orders not yet confirmed by the exchange (status `pending`): queued, waiting for a fresh
   * price, being sent, or being resolved by client id. The orders `GET /api/orders?status=open`
   * lists as `pending`, counted the same way.
   */
  pending: number;
  /** Waiting in the executor's queue (not yet taken for sending). */
  queued: number;
  resolving: number;
  open: number;
  recentlyClosed: number;
  lost: number;
  sent: number;
  illegalTransitions: number;
  /** Orders that ended failed, and rejected (by the exchange, the market's rules, the risk guard or a stale price), since start. */
  ended: { failed: number; rejected: number };
  byStatus: Partial<Record<OrderStatus, number>>;
}

/**
 * The live counts of the orders held in memory, by their status: every surface (`/status`,
 * `/metrics`, the dashboard, Telegram's `/status`) counts from the orders themselves, so none can
 * miss an order another lists (one the executor holds while it waits for a fresh price).
 */
export function liveCounts(orders: readonly Order[]): Pick<OrderStats, 'pending' | 'open' | 'lost'> {
  let pending = 0;
  let open = 0;
  let lost = 0;
  for (const o of orders) {
    if (o.status === 'pending') pending++;
    else if (o.status === 'open') open++;
    if (o.lost) lost++;
  }
  return { pending, open, lost };
}
