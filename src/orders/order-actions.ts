import { coerceError } from '../core/errors.js';
import { AmendError, NothingToAmend, type Amender, type AmendResult } from './amend.js';
import type { Canceller, CancelResult } from './cancel.js';
import type { OrdersContext } from './context.js';
import { IntentError } from './intent.js';
import type { Order } from './order.js';
import { findOrder } from './order-ref.js';
import type { QueueAction } from './queue-action.js';

/**
 * A cancel the strategy asked for (`orders.cancel`, `cancelAll`, the queue's `['cancel', id]`):
 * it also stops a cancel-then-replace amend of the order under way, its replacement included.
 */
export function strategyCancel(canceller: Canceller, amender: Amender, order: Order): Promise<CancelResult> {
  // Cancels of one order asked while the first is under way share its outcome: a second one
  // would find the replacement the first stopped already finished, and say `final`.
  let underWay = strategyCancels.get(canceller);
  if (!underWay) strategyCancels.set(canceller, (underWay = new Map()));
  const joined = underWay.get(order.clientOrderId);
  if (joined) return joined;
  const live = amender.withdraw(order);
  // Withdrawn before its replacement exists: the amend's own cancel of the order is this cancel,
  // whether it is still running or confirmed a microtask ago.
  const p = live !== order ? canceller.cancelReplaced(order, live) : (amender.ownCancel(order) ?? canceller.cancel(order));
  underWay.set(order.clientOrderId, p);
  const done = (): void => {
    if (underWay.get(order.clientOrderId) === p) underWay.delete(order.clientOrderId);
  };
  p.then(done, done);
  return p;
}

/** The strategy's cancels under way, per order manager (its canceller) and client order id. */
const strategyCancels = new WeakMap<Canceller, Map<string, Promise<CancelResult>>>();

/**
 * Runs a seed-style `['cancel', id]` / `['amend', id, size, price]` queue entry: checks it
 * names one of our orders (else `IntentError` naming element 1), starts the cancel or amend and
 * returns the order. Its outcome arrives as order events; a failure is notified.
 */
export function runQueueAction(ctx: OrdersContext, canceller: Canceller, amender: Amender, action: QueueAction): Order {
  const order = findOrder(ctx, action.ref);
  if (!order) {
    throw new IntentError(`invalid ${action.kind} ${JSON.stringify(action.ref)}: element 1 names no order of ours (client or exchange id)`, 'clientOrderId');
  }
  const report = (p: Promise<CancelResult | AmendResult>): void => {
    void p.catch((error: unknown) => ctx.notify(`queued ${action.kind} of ${order.clientOrderId} failed: ${coerceError(error).message}`, 'warn'));
  };
  if (action.kind === 'cancel') {
    report(strategyCancel(canceller, amender, order));
    return order;
  }
  let target;
  try {
    target = amender.normalise(order, {
      ...(action.amount !== null ? { amount: action.amount } : {}),
      ...(action.price !== null ? { price: action.price } : {}),
    });
  } catch (error: unknown) {
    // A strategy that queues its target every cycle re-asserts it: that is no mistake.
    if (error instanceof NothingToAmend) return order;
    throw new IntentError(`invalid amend of ${order.clientOrderId}: ${coerceError(error).message}`, error instanceof AmendError ? error.field : null);
  }
  report(amender.amend(order, target));
  return order;
}

/** Continues the cancels and amends a previous run journaled but did not finish. */
export function resumeActions(ctx: OrdersContext, canceller: Canceller, amender: Amender): void {
  for (const action of ctx.journal.actions.loadUnfinished()) {
    const order = findOrder(ctx, action.clientOrderId);
    if (!order) {
      ctx.journal.actions.finish(action, 'failed', 'order not in the journal');
      continue;
    }
    if (action.kind === 'cancel') void canceller.cancel(order, action);
    else void amender.amend(order, { price: action.price, amount: action.amount }, action);
  }
}
