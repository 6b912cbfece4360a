import type { OrdersContext } from './context.js';
import type { Order } from './order.js';

/** Thrown when a cancel or amend names no order of ours. */
export class OrderRefError extends Error {
  override name = 'OrderRefError';
  constructor(ref: unknown) {
    super(`no order of ours with client or exchange id ${describe(ref)}`);
  }
}

function describe(ref: unknown): string {
  if (typeof ref === 'object' && ref !== null && typeof (ref as Order).clientOrderId === 'string') return JSON.stringify((ref as Order).clientOrderId);
  if (typeof ref === 'number' && !Number.isFinite(ref)) return `${ref} (give an Order, a client order id or an exchange id)`;
  if (typeof ref === 'number' && !Number.isSafeInteger(ref) && Number.isInteger(ref)) {
    return `${String(ref)} (a number above 2^53 has lost the id's last digits: give the id as a string)`;
  }
  if (typeof ref === 'number' || typeof ref === 'string') return JSON.stringify(ref);
  if (ref === undefined) return 'undefined (give an Order, a client order id or an exchange id)';
  const s = JSON.stringify(ref) ?? String(ref);
  return `${s.length > 80 ? `${s.slice(0, 77)}...` : s} (give an Order, a client order id or an exchange id)`;
}

/**
 * The order a cancel or amend is about: an Order, a client order id or an exchange id (a number
 * too, as Binance's JSON gives them). Orders only in the journal (finished long ago, or from an
 * earlier run) are loaded and tracked again, so the answer is always the one live object.
 * Anything else names no order.
 */
export function findOrder(ctx: OrdersContext, given: Order | string | number): Order | undefined {
  const found = lookUp(ctx, given);
  if (found?.stored) ctx.book.track(found.order);
  return found?.order;
}

/**
 * The client order id of the order `given` names, as {@link findOrder} reads refs, without
 * loading a journaled order into memory (a read of its fills must not track it again).
 */
export function clientIdOf(ctx: OrdersContext, given: Order | string | number): string | undefined {
  return lookUp(ctx, given)?.order.clientOrderId;
}

function lookUp(ctx: OrdersContext, given: Order | string | number): { order: Order; stored: boolean } | undefined {
  const ref = typeof given === 'number' && Number.isFinite(given) ? String(given) : given;
  if (typeof ref !== 'string' && (typeof ref !== 'object' || ref === null || typeof (ref as Partial<Order>).clientOrderId !== 'string')) return undefined;
  const key = typeof ref === 'string' ? ref : ref.clientOrderId;
  const inMemory = ctx.book.get(key) ?? (typeof ref === 'string' ? ctx.book.find({ id: ref }) : undefined);
  if (inMemory) return { order: inMemory, stored: false };
  if (typeof ref !== 'string' && !ctx.journal.hasClientId(ref.clientOrderId)) return undefined;
  const stored = ctx.journal.get(key) ?? (typeof ref === 'string' ? ctx.journal.getByExchangeId(ref) : null);
  return stored ? { order: stored, stored: true } : undefined;
}
