import { copyOrder } from './order-store.js';
import type { SimFill, SimOrder } from './venue-types.js';

/** What happened to an order, in Binance's execution-type words. */
export type SimExecution = 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED';

/** One change of one order, with the order as it was right after the change. */
export interface SimOrderEvent {
  readonly execution: SimExecution;
  /** A copy taken when the change happened. */
  readonly order: SimOrder;
  /** The execution, for `TRADE`. */
  readonly fill?: SimFill;
  /** Venue time of the change. */
  readonly at: number;
}

/** Receives a batch of order events, oldest first. */
export type SimOrderListener = (events: readonly SimOrderEvent[]) => void;

/**
 * The venue's push side: every order change (new, fill, cancel, expiry) in the order it happened.
 * Listeners get the events of one venue operation as a batch, a microtask later, so a listener
 * may call the venue again (the venue is never re-entered while it walks its price steps).
 */
export class VenueFeed {
  readonly #listeners = new Set<SimOrderListener>();
  #pending: SimOrderEvent[] = [];
  #scheduled = false;

  /** Adds a listener; the returned function removes it. */
  subscribe(listener: SimOrderListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many listeners are attached. */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Records one change of `order` (copied now). */
  emit(execution: SimExecution, order: SimOrder, at: number, fill?: SimFill): void {
    if (this.#listeners.size === 0) return;
    this.#pending.push(fill ? { execution, order: copyOrder(order), fill: { ...fill }, at } : { execution, order: copyOrder(order), at });
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    for (const listener of this.#listeners) listener(batch);
  }
}
