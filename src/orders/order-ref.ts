import type { OrdersContext } from './context.js';
import type { Order } from './order.js';

/** Thrown when a cancel or amend names no order of ours. */
export class OrderRefError extends Error {
  override name = 'OrderRefError';
  constructor(ref: Order | string) {
    super(`no order of ours with client or exchange id ${JSON.stringify(typeof ref === 'string' ? ref : ref.clientOrderId)}`);
  }
}

/**
 * The order a cancel or amend is about: an Order, a client order id or an exchange id. Orders
 * only in the journal (finished long ago, or from an earlier run) are loaded and tracked again,
 * so the answer is always the one live object.
 */
export function findOrder(ctx: OrdersContext, ref: Order | string): Order | undefined {
  const key = typeof ref === 'string' ? ref : ref.clientOrderId;
  const inMemory = ctx.book.get(key) ?? (typeof ref === 'string' ? ctx.book.find({ id: ref }) : undefined);
  if (inMemory) return inMemory;
  if (typeof ref !== 'string' && !ctx.journal.hasClientId(ref.clientOrderId)) return undefined;
  const stored = ctx.journal.get(key) ?? (typeof ref === 'string' ? ctx.journal.getByExchangeId(ref) : null);
  if (!stored) return undefined;
  ctx.book.track(stored);
  return stored;
}
