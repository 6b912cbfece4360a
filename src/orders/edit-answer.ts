import type { OrderAction } from './action-store.js';
import { writeOrder, type CcxtOrderLike, type Order } from './order.js';

/** The exchange shows the amend's targets (an edit sent earlier landed). */
export function editLanded(raw: CcxtOrderLike, action: OrderAction): boolean {
  const near = (a: number | undefined, b: number | null): boolean => b === null || (a !== undefined && Math.abs(a - b) <= Math.abs(b) * 1e-9);
  return near(raw.price, action.price) && near(raw.amount, action.amount);
}

/** Applies an edit's answer (or a look that found the edit landed) to the order's price and amount. */
export function applyEdit(order: Order, raw: CcxtOrderLike, action: OrderAction): void {
  // The stream already brought a newer change (another amend after ours): it stands. An answer
  // without a time is our own edit's and is taken.
  const at = raw.lastUpdateTimestamp;
  if (typeof at === 'number' && order.exchangeUpdatedAt !== null && at < order.exchangeUpdatedAt) return;
  const price = typeof raw.price === 'number' && raw.price > 0 ? raw.price : action.price;
  const amount = typeof raw.amount === 'number' && raw.amount > 0 ? raw.amount : action.amount;
  if (price !== null) writeOrder(order, { price });
  if (amount !== null) writeOrder(order, { amount, remaining: Math.max(0, amount - order.filled) });
}
