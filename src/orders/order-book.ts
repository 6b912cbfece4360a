import type { EventEmitter } from 'node:events';
import type { Clock } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { NotifyLevel } from '../core/notify-level.js';
import type { Durability, OrderJournal } from './journal.js';
import type { Fill } from './fill-store.js';
import { applyOrderUpdate, restoreOrder, transitionOrder, writeOrder, type CcxtOrderLike, type Order, type OrderData } from './order.js';
import { IllegalTransitionError, type OrderStatus } from './transitions.js';

/** Events of the order manager (see manager.ts). */
export interface OrderManagerEvents {
  /**
   * Any change of any order, with the journal event kind; `reason` says why when the change is
   * a refusal or a failure (`amend:refused`, `rejected:…`, …); `observed` when it is what the
   * exchange reported (an answer, the user stream, a poll), not an act of misso's or the strategy's.
   */
  order: [order: Order, change: { kind: string; from: OrderStatus | null; reason?: string; observed?: true }];
  /** New fills: `delta` more of the amount is filled. */
  filled: [order: Order, delta: number];
  /** The order failed or was rejected; `order.reason` says why. */
  failed: [order: Order];
  /** An order open on the exchange that the journal did not know was adopted. */
  adopted: [order: Order];
  /** The order was not found `lostAfterNotFound` times in a row. */
  lost: [order: Order];
  /** Journal writes started failing (`problem` says why: a full disk, …) or work again (null). */
  journal: [problem: string | null];
  /** A new fill (trade) of the order was stored. */
  fill: [order: Order, fill: Fill];
}

/** Where notifications go: `(text, level)`. */
export type NotifyFn = (text: string, level: NotifyLevel) => void;

/** The open-orders view the seed's `is_open_orders` holds. */
export type IsOpenOrders = Record<string, { buys: Order[]; sells: Order[] }>;

/**
 * The in-memory side of the order state: indices by client and exchange id, the strategy's
 * `open_orders` and the exchange's `is_open_orders` (both mutated in place, never replaced),
 * the recently-closed cache and the lost set. Every change goes through here so that it is
 * journaled and announced exactly once.
 */
export class OrderBook {
  readonly openOrders: Record<string, Order[]> = {};
  readonly isOpenOrders: IsOpenOrders = {};
  /** When the last `is_open_orders` snapshot was requested; null before the first. */
  isOpenOrdersAt: number | null = null;
  /** Orders of ours the user stream has shown open (a REST answer may not list them yet). */
  readonly streamedOpen = new WeakSet<Order>();
  /**
   * Orders the last snapshot keeps though the exchange's answer did not list them (it predates
   * them, or hides them yet): listed, and polled like the unlisted ones until an answer says.
   */
  readonly keptUnlisted = new Set<Order>();
  /** Finished orders and when they leave the cache. */
  readonly recentlyClosed = new Map<string, { order: Order; until: number }>();
  /** Orders that ended failed or rejected since this book was built (the journal holds every run's). */
  readonly endedSinceStart = { failed: 0, rejected: 0 };
  readonly #byClientId = new Map<string, Order>();
  readonly #byExchangeId = new Map<string, Order>();
  readonly #journal: OrderJournal;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #events: EventEmitter<OrderManagerEvents>;
  readonly #notify: NotifyFn;
  readonly #recentlyClosedMs: number;
  #illegal = 0;
  /** The state change under way in {@link atomically}: what it announces once stored, what it undoes if not. */
  #unit: { announce: (() => void)[]; before: Map<Order, OrderData> } | null = null;

  constructor(deps: {
    journal: OrderJournal;
    clock: Clock;
    logger: Logger;
    events: EventEmitter<OrderManagerEvents>;
    notify: NotifyFn;
    recentlyClosedMs: number;
  }) {
    this.#journal = deps.journal;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#events = deps.events;
    this.#notify = deps.notify;
    this.#recentlyClosedMs = deps.recentlyClosedMs;
  }

  /** Contradictions seen (an exchange answer that broke the transitions table). */
  get illegalTransitions(): number {
    return this.#illegal;
  }

  /** Every order held in memory. */
  all(): Order[] {
    return [...this.#byClientId.values()];
  }

  /** Starts tracking an order (from the queue, the journal or adoption). */
  track(order: Order): void {
    this.#byClientId.set(order.clientOrderId, order);
    if (order.id !== null) this.#byExchangeId.set(order.id, order);
    this.#place(order);
  }

  /** The known order an exchange answer is about, matched by client id first. */
  find(raw: CcxtOrderLike): Order | undefined {
    if (raw.clientOrderId) {
      const byClient = this.#byClientId.get(raw.clientOrderId);
      if (byClient) return byClient;
    }
    return raw.id ? this.#byExchangeId.get(String(raw.id)) : undefined;
  }

  /**
   * Tracks an order just queued (journaled as `queued`) and announces it with that kind: status
   * clients list it at once, not only when the executor takes it, which a wait for a fresh price
   * or the orders ahead of it can hold off for a minute.
   */
  queued(order: Order): void {
    this.track(order);
    this.announce(() => this.#events.emit('order', order, { kind: 'queued', from: null }));
  }

  /** Finds by client id only. */
  get(clientOrderId: string): Order | undefined {
    return this.#byClientId.get(clientOrderId);
  }

  /**
   * Applies an exchange answer to `order`, journals and announces what changed. A contradiction
   * (an answer the transitions table forbids) is logged and notified, never thrown into a task.
   * Returns false when nothing changed.
   */
  apply(order: Order, raw: CcxtOrderLike, kind: string): boolean {
    const now = this.#clock.now();
    const before = order.toJSON();
    let result;
    try {
      result = applyOrderUpdate(order, raw, now);
    } catch (error: unknown) {
      if (!(error instanceof IllegalTransitionError)) throw error;
      this.#illegal++;
      this.#logger.error({ err: coerceError(error), clientOrderId: order.clientOrderId, raw }, 'exchange contradicts the journal');
      this.#notify(`order ${order.clientOrderId} ${order.symbol}: ${error.message}`, 'error');
      return false;
    }
    if (!result.changed) return false;
    // An amend is named like misso's own (`amend:edited`): `ws:edited`, `poll:edited`, …; the
    // fills it came with still emit `filled`.
    const statusKind = result.to !== result.from ? result.to : result.edited ? 'edited' : result.filledDelta > 0 ? 'fill' : 'update';
    if (result.to !== result.from && (result.to === 'rejected' || result.to === 'expired') && !order.reason) {
      writeOrder(order, { reason: `exchange reported ${result.to}` });
    }
    this.#write(order, before, () =>
      this.#journal.save(order, `${kind}:${statusKind}`, result.from, {
        filled: order.filled,
        ...(order.id !== null ? { id: order.id } : {}),
        ...(result.edited ? { price: order.price, amount: order.amount } : {}),
      }),
    );
    this.announce(() => {
      if (order.id !== null) this.#byExchangeId.set(order.id, order);
      this.#place(order);
      this.#events.emit('order', order, { kind: `${kind}:${statusKind}`, from: result.from, observed: true });
      if (result.filledDelta > 0) this.#events.emit('filled', order, result.filledDelta);
      if (result.to !== result.from && result.to === 'rejected') this.#ended(order, 'rejected');
    });
    return true;
  }

  /** Local status change (failed, rejected, canceled before sending) with a reason. */
  finish(order: Order, to: 'failed' | 'rejected' | 'canceled', reason: string, kind: string): void {
    const from = order.status;
    const before = order.toJSON();
    transitionOrder(order, to, this.#clock.now(), reason);
    this.#write(order, before, () => this.#journal.save(order, kind, from, { reason }));
    this.announce(() => {
      this.#place(order);
      this.#events.emit('order', order, { kind, from, reason });
      if (to !== 'canceled') this.#ended(order, to);
    });
  }

  /** An order that ended failed or rejected: counted (since this book's start) and announced. */
  #ended(order: Order, as: 'failed' | 'rejected'): void {
    this.endedSinceStart[as]++;
    this.#events.emit('failed', order);
  }

  /**
   * Journals a change of bookkeeping fields (attempts, flags, an amend's new price) without a
   * status change. Inside {@link atomically}, fields changed before the call are undone with the
   * rest when the write fails (name the order there).
   */
  save(order: Order, kind: string, detail: unknown = null): void {
    const before = order.toJSON();
    writeOrder(order, { updatedAt: this.#clock.now() });
    this.#write(order, before, () => this.#journal.save(order, kind, order.status, detail));
    const reason = reasonOf(detail);
    this.announce(() => this.#events.emit('order', order, { kind, from: order.status, ...(reason === undefined ? {} : { reason }) }));
  }

  /**
   * Runs `fn` as one state change: its journal writes are one transaction
   * (`journal.atomically`), its announcements (events, `open_orders`) go out only once that is
   * stored, and when it fails (a full disk) nothing is announced and `orders`, plus every order
   * `fn` changed through the book, are put back as they were. Nested calls join the outer one.
   * `durability`: whether the transaction waits for the disk (see {@link Durability}).
   */
  atomically<T>(fn: () => T, orders: readonly Order[] = [], durability: Durability = 'synced'): T {
    if (this.#unit) {
      for (const o of orders) if (!this.#unit.before.has(o)) this.#unit.before.set(o, o.toJSON());
      return fn();
    }
    const unit = { announce: [] as (() => void)[], before: new Map(orders.map((o) => [o, o.toJSON()] as const)) };
    this.#unit = unit;
    let result: T;
    try {
      result = this.#journal.atomically(fn, durability);
    } catch (error: unknown) {
      for (const [o, data] of unit.before) restoreOrder(o, data);
      throw error;
    } finally {
      this.#unit = null;
    }
    // Stored as one: every change is announced (placed, emitted) even when a listener of an
    // earlier one throws, or memory would disagree with the journal; the first failure is rethrown.
    let failure: { error: unknown } | null = null;
    for (const announce of unit.announce) {
      try {
        announce();
      } catch (error: unknown) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
    return result;
  }

  /** Runs `announce` now, or once the state change under way is stored (see {@link atomically}). */
  announce(announce: () => void): void {
    if (this.#unit) this.#unit.announce.push(announce);
    else announce();
  }

  /** Announces an adopted order (already journaled and tracked). */
  emitAdopted(order: Order): void {
    this.#events.emit('order', order, { kind: 'adopted', from: null });
    this.#events.emit('adopted', order);
  }

  /** Marks an order lost and says so once. */
  markLost(order: Order): void {
    this.atomically(() => {
      writeOrder(order, { lost: true });
      this.save(order, 'lost', { notFoundCount: order.notFoundCount });
      this.announce(() => {
        this.#events.emit('lost', order);
        this.#notify(
          `order ${order.clientOrderId} (${order.side} ${order.amount} ${order.symbol}) not found ${order.notFoundCount} times: marked lost, still polled`,
          'warn',
        );
      });
    }, [order]);
  }

  /** Marks a finished order handled by the strategy; it leaves `open_orders` at the next pass. */
  markProcessed(order: Order): void {
    if (order.processed) return;
    this.atomically(() => {
      writeOrder(order, { processed: true });
      this.save(order, 'processed');
    }, [order]);
  }

  /**
   * {@link prune} every `everyMs` until `signal` aborts: with the streams healthy the tracker's
   * REST pass (which prunes too) comes only at the reconcile period, minutes apart.
   */
  async pruneEvery(everyMs: number, signal: AbortSignal): Promise<void> {
    while (await this.#clock.sleep(everyMs, signal)) this.prune();
  }

  /** Drops processed finished orders from `open_orders` and expired ones from the cache. */
  prune(): void {
    const now = this.#clock.now();
    for (const [symbol, list] of Object.entries(this.openOrders)) {
      for (let i = list.length - 1; i >= 0; i--) {
        const o = list[i];
        if (!o || !o.processed || !o.isFinal) continue;
        list.splice(i, 1);
        if (!this.recentlyClosed.has(o.clientOrderId)) this.#forget(o);
      }
      if (list.length === 0) delete this.openOrders[symbol];
    }
    for (const [clientId, entry] of this.recentlyClosed) {
      if (entry.until > now) continue;
      this.recentlyClosed.delete(clientId);
      if (!this.#inOpenOrders(entry.order)) this.#forget(entry.order);
    }
  }

  /** Replaces the contents of `is_open_orders` (same object) with `orders`. */
  setIsOpenOrders(orders: readonly Order[], requestedAt: number): void {
    for (const key of Object.keys(this.isOpenOrders)) delete this.isOpenOrders[key];
    for (const o of orders) {
      const entry = (this.isOpenOrders[o.symbol] ??= { buys: [], sells: [] });
      (o.side === 'sell' ? entry.sells : entry.buys).push(o);
    }
    this.isOpenOrdersAt = requestedAt;
  }

  /** Takes a finished order out of `is_open_orders` (a poll learnt it finished). */
  dropFromIsOpenOrders(order: Order): void {
    this.keptUnlisted.delete(order);
    const entry = this.isOpenOrders[order.symbol];
    if (!entry) return;
    const list = order.side === 'sell' ? entry.sells : entry.buys;
    const i = list.indexOf(order);
    if (i >= 0) list.splice(i, 1);
    if (entry.buys.length === 0 && entry.sells.length === 0) delete this.isOpenOrders[order.symbol];
  }

  /** True when the last `is_open_orders` snapshot lists the order. */
  inIsOpenOrders(order: Order): boolean {
    const entry = this.isOpenOrders[order.symbol];
    if (!entry) return false;
    const list = order.side === 'sell' ? entry.sells : entry.buys;
    return list.some((o) => o === order || (order.id !== null && o.id === order.id) || o.clientOrderId === order.clientOrderId);
  }

  /** Our orders the exchange may hold: everything reached or possibly reached the exchange. */
  live(): Order[] {
    return this.all().filter((o) => o.status === 'open' || (o.status === 'pending' && o.attempts > 0));
  }

  /** Journals one change of `order`; a failed write puts memory back to `before`. */
  #write(order: Order, before: OrderData, write: () => void): void {
    if (this.#unit) {
      if (!this.#unit.before.has(order)) this.#unit.before.set(order, before);
      write();
      return;
    }
    try {
      write();
    } catch (error: unknown) {
      restoreOrder(order, before);
      throw error;
    }
  }

  #place(order: Order): void {
    // Only orders the exchange confirmed belong in the strategy's open_orders (the seed's rule).
    if (order.id !== null && !order.processed && !this.#inOpenOrders(order)) {
      (this.openOrders[order.symbol] ??= []).push(order);
    }
    if (order.isFinal && !this.recentlyClosed.has(order.clientOrderId)) {
      this.recentlyClosed.set(order.clientOrderId, { order, until: this.#clock.now() + this.#recentlyClosedMs });
    }
  }

  #inOpenOrders(order: Order): boolean {
    return this.openOrders[order.symbol]?.includes(order) ?? false;
  }

  #forget(order: Order): void {
    if (order.isFinal) {
      this.#byClientId.delete(order.clientOrderId);
      if (order.id !== null) this.#byExchangeId.delete(order.id);
    }
  }
}

/** The `reason` a journaled detail carries (a refusal's), if any. */
function reasonOf(detail: unknown): string | undefined {
  const reason: unknown = typeof detail === 'object' && detail !== null ? (detail as { reason?: unknown }).reason : undefined;
  return typeof reason === 'string' ? reason : undefined;
}
