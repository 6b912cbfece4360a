import type { StatusEvent } from '../http/types.js';
import type { OrderManagerEvents } from '../orders/order-book.js';
import type { Order } from '../orders/order.js';

/** An order's change as the order manager tells it: the journal's event kind and the status before. */
export type OrderChange = OrderManagerEvents['order'][1];

/** The status event of an order's change. */
export type OrderStatusEvent = Extract<StatusEvent, { type: 'order' }>;

// Orders whose last published view is remembered; the oldest is forgotten past this.
const REMEMBERED = 2000;

/**
 * The order events status clients get (the dashboard's log, `/events`, the 500-event history):
 * one per change an operator can see, with its kind. One close reaches the order manager up to
 * three times (the exchange's answer to the send, the user stream's report, the poll), each a
 * change of fields nobody shows (a fee, a timestamp); published as they came, each order's close
 * was logged three times alike and took as many of the history's slots.
 */
export class OrderEvents {
  /** The last published view of each order, by client order id (oldest first). */
  readonly #last = new Map<string, string>();

  /**
   * The event for `order`'s change, or null when it is a report of the exchange's (see
   * `observed`) that shows nothing the order's last event did not. An act (a refusal, a cancel,
   * an order marked lost) is always published, even one alike to the last (a second amend
   * refused for the same reason).
   */
  next(order: Order, change: OrderChange, at: number): OrderStatusEvent | null {
    const seen = {
      id: order.id ?? null,
      symbol: order.symbol,
      side: order.side,
      status: order.status,
      reason: change.reason ?? order.reason ?? null,
      price: order.price,
      amount: order.amount,
      filled: order.filled,
      average: order.average,
      createdAt: order.createdAt,
      submittedAt: order.submittedAt,
    };
    const key = JSON.stringify(seen);
    if (change.observed === true && this.#last.get(order.clientOrderId) === key) return null;
    this.#last.delete(order.clientOrderId);
    this.#last.set(order.clientOrderId, key);
    if (this.#last.size > REMEMBERED) {
      const oldest = this.#last.keys().next();
      if (oldest.done !== true) this.#last.delete(oldest.value);
    }
    return { type: 'order', at, clientOrderId: order.clientOrderId, kind: change.kind, from: change.from, ...seen };
  }

  /** Forgets an order's last published view (a change no client heard of): its next event is published. */
  forget(clientOrderId: string): void {
    this.#last.delete(clientOrderId);
  }
}
