import { EventEmitter } from 'node:events';
import { StoppedError } from '../core/errors.js';
import { IntentError, parseIntent, type OrderIntent } from './intent.js';
import type { FittedIntent } from './intent-market.js';
import type { OrderJournal } from './journal.js';
import type { Order } from './order.js';
import { parseQueueAction, type QueueAction } from './queue-action.js';

/** Runs a queued cancel or amend and returns the order it is about (the order manager). */
export type QueueActionHandler = (action: QueueAction) => Order;

/** Validates an entry and fits it to the market (a rejection's reason is journaled as it says). */
export type IntakePrepare = (entry: unknown) => FittedIntent;

/** Why an intent the market takes is refused when it is taken (a risk limit it is over), with the field at fault; null to take it. */
export type IntakeScreen = (intent: OrderIntent) => { field: string; reason: string } | null;

/**
 * The order queue behind the shared `pending_orders`. `push`/`put` validate the entry, give it its
 * client id and journal it before returning, so an order the strategy queued survives a crash even
 * if it was never sent. The executor is woken by an event, not by polling. The strategy gets
 * `PendingOrderQueue` (pending-orders.ts), which takes orders and counts them: taking one
 * out, putting one back and closing are the executor's and the updater's alone.
 */
export class OrderQueue extends EventEmitter<{ push: [Order]; rejected: [Order, string] }> {
  readonly #journal: OrderJournal;
  readonly #prepare: IntakePrepare;
  readonly #screen: IntakeScreen;
  #items: Order[] = [];
  #waiters = new Set<() => void>();
  #onAction: QueueActionHandler | null = null;
  /** Why new intents are refused (the updater is stopping, or stopped), or null while they are taken. */
  #closed: (() => string) | null = null;

  /**
   * @param prepare - validates an entry and fits it to the market (`prepareIntent` on the
   * session's exchange). @defaultValue `parseIntent` alone, nothing rejected
   * @param screen - what {@link pushOrRefuse} also refuses (the risk limits that can be judged
   * when the order is taken). @defaultValue nothing
   * @internal
   */
  constructor(
    journal: OrderJournal,
    prepare: IntakePrepare = (entry) => ({ intent: parseIntent(entry), rejected: null, field: null }),
    screen: IntakeScreen = () => null,
  ) {
    super();
    this.#journal = journal;
    this.#prepare = prepare;
    this.#screen = screen;
  }

  /** `PendingOrderQueue.push`; after {@link close} a new intent throws `StoppedError`, with nothing written. */
  push(entry: unknown): Order {
    return this.#push(entry, false);
  }

  /** `PendingOrderQueue.pushOrRefuse`. */
  pushOrRefuse(entry: unknown): Order {
    return this.#push(entry, true);
  }

  #push(entry: unknown, refuseUnfit: boolean): Order {
    const action = parseQueueAction(entry);
    if (action) {
      if (!this.#onAction) throw new Error('pending_orders: cancels and amends need a started order manager');
      return this.#onAction(action);
    }
    if (this.#closed !== null) throw new StoppedError(`pending_orders: no new orders are taken: ${this.#closed()}`);
    const { intent, rejected, field } = this.#prepare(entry);
    // A size or price that rounds to nothing is out of the market's range, as one below its
    // minimum is (which the intent's check refuses): thrown, never journaled.
    if (rejected !== null && (refuseUnfit || field === 'amount' || field === 'price')) {
      throw new IntentError(`invalid order ${intent.side} ${intent.amount} ${intent.symbol}: ${rejected}`, field);
    }
    if (refuseUnfit) {
      const over = this.#screen(intent);
      if (over !== null) throw new IntentError(`order ${intent.side} ${intent.amount} ${intent.symbol} not queued: ${over.reason}`, over.field);
    }
    // Relaxed: the intent is on disk before it is sent (submit flushes), not before push returns.
    const order = this.#journal.atomically(() => this.#journal.createIntent(intent), 'relaxed');
    if (rejected !== null) {
      this.emit('rejected', order, rejected);
      return order;
    }
    this.#enqueue(order);
    return order;
  }

  /**
   * Refuses new intents from now on (see {@link push}): an order taken while the updater stops
   * would be sent at some later start, at whatever price the market has then. Idempotent; the
   * first reason stays. A function is asked at each refusal (stopping, then stopped).
   */
  close(reason: string | (() => string)): void {
    this.#closed ??= typeof reason === 'string' ? () => reason : reason;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed !== null;
  }

  /** Where `['cancel', id]` and `['amend', id, size, price]` entries go (set by the manager). @internal */
  handleActions(handler: QueueActionHandler): void {
    this.#onAction = handler;
  }

  /** Queues an order already journaled (an amend's replacement). */
  enqueue(order: Order): void {
    this.#enqueue(order);
  }

  /** Orders waiting to be sent. */
  get size(): number {
    return this.#items.length;
  }

  /** A copy of the waiting orders, oldest first. */
  toArray(): Order[] {
    return [...this.#items];
  }

  /** Takes the oldest waiting order (the executor). */
  shift(): Order | undefined {
    return this.#items.shift();
  }

  /** Puts an order back at the front (a submission that could not start). */
  unshift(order: Order): void {
    this.#items.unshift(order);
    this.#wake();
  }

  /** Re-queues never-sent intents loaded from the journal at start, keeping their order. */
  restore(orders: readonly Order[]): void {
    const known = new Set(this.#items.map((o) => o.clientOrderId));
    for (const o of orders) if (!known.has(o.clientOrderId)) this.#items.push(o);
    this.#items.sort((a, b) => a.seq - b.seq);
    if (this.#items.length > 0) this.#wake();
  }

  /** Removes an order that will not be sent any more (rejected before sending). */
  remove(order: Order): boolean {
    const i = this.#items.indexOf(order);
    if (i < 0) return false;
    this.#items.splice(i, 1);
    return true;
  }

  /** Resolves true once an order is waiting, false when `signal` aborts first. */
  waitForItem(signal?: AbortSignal): Promise<boolean> {
    if (this.#items.length > 0) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (): void => {
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve(this.#items.length > 0);
      };
      const onAbort = (): void => done();
      this.#waiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #enqueue(order: Order): void {
    this.#items.push(order);
    this.emit('push', order);
    this.#wake();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}
