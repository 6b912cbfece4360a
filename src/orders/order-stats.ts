import type { OrderStatus } from './transitions.js';

/** Counters for status pages and metrics. */
export interface OrderStats {
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
