import type { Updater } from '../../src/engine/updater.js';

/** A call the double received. */
export interface AmendCall {
  ref: string;
  changes: { price?: number; amount?: number };
}

/**
 * TEST DOUBLE for the two order-management methods the control API calls but this branch's
 * OrderManager does not have yet: `cancel(ref)` and `amend(ref, changes)` (being built on the
 * order-management branch, with promises settling on the exchange's confirm or refusal). Only
 * these two methods are doubled; everything else is the real engine on the simulator.
 *
 * `cancel` cancels the order on the (simulated) exchange for real; `amend` records the call and
 * settles as not amended (with `refuseAmend` as the reason) when that is set. Once the manager
 * has the real methods nothing is installed and null is returned; drop this file then.
 */
export function installOrderControlDouble(updater: Updater): { amends: AmendCall[]; refuseAmend: string | null } | null {
  const manager = updater.orders as unknown as Record<string, unknown>;
  // The real methods have landed: tests run against them (null tells them no double is in place).
  if (typeof manager['cancel'] === 'function' && typeof manager['amend'] === 'function') return null;
  const record = { amends: [] as AmendCall[], refuseAmend: null as string | null };
  const orderOf = (ref: string) => {
    const order = updater.orders.orders.find((o) => o.clientOrderId === ref);
    if (!order) throw new Error(`unknown order ${ref}`);
    return order;
  };
  // Settling values follow the order-management branch: a cancel never rejects for the
  // exchange's refusal, it settles with an outcome; an amend settles with `amended` and `reason`.
  manager['cancel'] = async (ref: string) => {
    const order = orderOf(ref);
    if (order.id === null) return { order, outcome: 'failed', status: order.status, reason: 'no exchange id yet' };
    await updater.exchange.cancelOrder(order.id, order.symbol);
    return { order, outcome: 'canceled', status: 'canceled', reason: null };
  };
  manager['amend'] = async (ref: string, changes: AmendCall['changes']) => {
    const order = orderOf(ref);
    record.amends.push({ ref, changes });
    const refused = record.refuseAmend;
    return { order, original: order, amended: refused === null, method: refused === null ? 'edit' : 'none', reason: refused };
  };
  return record;
}
