import type { Order } from './order.js';
import type { OrderQueue } from './queue.js';

let queueBehind: (pending: PendingOrderQueue) => OrderQueue;

/**
 * The strategy's order queue: `updater.pendingOrders`, and `pending_orders` in state for the
 * seed's strategies. It takes orders and says how many wait; taking one out, putting one back
 * and closing the queue are the executor's and the updater's, on the queue behind it, which a
 * strategy cannot reach (a strategy that took an order out would strand its journaled intent).
 */
export class PendingOrderQueue {
  readonly #queue: OrderQueue;

  static {
    queueBehind = (pending) => pending.#queue;
  }

  /** @internal the order manager builds it */
  constructor(queue: OrderQueue) {
    this.#queue = queue;
  }

  /**
   * Queues `[id, size, price, side, symbol]` or `{symbol, side, amount, price?, type?, params?}`.
   * Returns the order (its `clientOrderId` is already journaled, with the price and amount as the
   * market rounds them). Throws `IntentError` for an invalid entry, with nothing written: a
   * malformed one, and one out of its market's range (an amount or price below the market's
   * minimum or above its maximum, or that rounds to 0 at its precision, an order value below the
   * minimum). An intent naming a symbol the exchange does not list is journaled and announced
   * `rejected` instead of queued, so the strategy sees it end like any other order (a market can
   * be delisted while its orders wait in the journal). Once the updater stops (from the moment its
   * stop begins) a new intent throws `StoppedError`, with nothing written; `['cancel', id]` and
   * `['amend', id, size, price]` still go to the order manager, which refuses them once it stops.
   */
  push(entry: unknown): Order {
    return this.#queue.push(entry);
  }

  /**
   * As {@link push}, but an intent naming a symbol the exchange does not list throws
   * `IntentError` naming the field, with nothing written, instead of being journaled as
   * `rejected`: for a caller that answers at once, as the control API does. So does one over a
   * risk limit that can be judged already (a limit order's value over
   * `orders.risk.max_notional_usd`, a price outside the band around a fresh last price held),
   * which push takes and the send-time check rejects. With no markets loaded yet nothing is
   * judged here, as in push: the order is judged when it is sent.
   */
  pushOrRefuse(entry: unknown): Order {
    return this.#queue.pushOrRefuse(entry);
  }

  /** Python's `Queue.put`, as the seed's strategy calls it: {@link push}. */
  put(entry: unknown): Order {
    return this.#queue.push(entry);
  }

  /** Python's `Queue.put_nowait`: {@link push}. */
  put_nowait(entry: unknown): Order {
    return this.#queue.push(entry);
  }

  /** Orders waiting to be sent. */
  get size(): number {
    return this.#queue.size;
  }

  /** Python's `Queue.qsize()`: {@link size}. */
  qsize(): number {
    return this.#queue.size;
  }

  /** Python's `Queue.empty()`. */
  empty(): boolean {
    return this.#queue.size === 0;
  }

  /** A copy of the waiting orders, oldest first. */
  toArray(): Order[] {
    return this.#queue.toArray();
  }
}

/**
 * Refuses new intents on the queue behind `pending` from now on (`StoppedError`, with `reason`
 * asked at each refusal): the updater's first step when it stops. Not part of the package's API. @internal
 */
export function closePendingOrders(pending: PendingOrderQueue, reason: string | (() => string)): void {
  queueBehind(pending).close(reason);
}
