import type { EventEmitter } from 'node:events';
import type { Order } from './order.js';
import type { OrderManagerEvents } from './order-book.js';

/**
 * The waiters for a change of one order, woken by one `order` listener on the manager's emitter
 * however many wait: a listener per waiter made Node warn of a leak past 10 (a burst of
 * cancel-then-replace amends, or of cancels behind unresolved placements), which is no leak.
 * The listener is on the emitter only while someone waits.
 */
class OrderWaiters {
  readonly #events: EventEmitter<OrderManagerEvents>;
  readonly #byId = new Map<string, Set<() => void>>();
  readonly #onOrder = (order: Order): void => {
    const waiting = this.#byId.get(order.clientOrderId);
    if (waiting) for (const wake of [...waiting]) wake();
  };

  constructor(events: EventEmitter<OrderManagerEvents>) {
    this.#events = events;
  }

  /** Calls `wake` at each change of the order `clientOrderId` until the returned function is called. */
  add(clientOrderId: string, wake: () => void): () => void {
    if (this.#byId.size === 0) this.#events.on('order', this.#onOrder);
    let waiting = this.#byId.get(clientOrderId);
    if (!waiting) this.#byId.set(clientOrderId, (waiting = new Set()));
    waiting.add(wake);
    const set = waiting;
    return () => {
      set.delete(wake);
      if (set.size === 0 && this.#byId.get(clientOrderId) === set) this.#byId.delete(clientOrderId);
      if (this.#byId.size === 0) this.#events.off('order', this.#onOrder);
    };
  }
}

const hubs = new WeakMap<EventEmitter<OrderManagerEvents>, OrderWaiters>();

/** The waiters of `events` (one set per emitter, made at its first waiter). */
export function orderWaiters(events: EventEmitter<OrderManagerEvents>): OrderWaiters {
  let hub = hubs.get(events);
  if (!hub) hubs.set(events, (hub = new OrderWaiters(events)));
  return hub;
}
