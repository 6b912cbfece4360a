import {
  assertTransition,
  canTransition,
  isFinalStatus,
  statusFromCcxt,
  type OrderStatus,
} from './transitions.js';
import { deepFreeze, stateOf, type CcxtOrderLike, type OrderData, type OrderFee, type OrderSide, type OrderState, type OrderType, type UpdateResult } from './order-data.js';

export type { CcxtOrderLike, OrderData, OrderFee, OrderSide, OrderType, UpdateResult } from './order-data.js';

const EPS = 1e-12;

/** The fields {@link writeOrder} may set. @internal */
export type OrderWrite = Partial<Pick<OrderState, 'price' | 'amount' | 'remaining' | 'attempts' | 'submittedAt' | 'updatedAt' | 'reason' | 'lost' | 'processed' | 'notFoundCount'>>;

const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom');

let internals: {
  state: (o: Order) => OrderState;
  transition: (o: Order, to: OrderStatus, now: number, reason?: string) => void;
  update: (o: Order, raw: CcxtOrderLike, now: number) => UpdateResult;
};

/**
 * One order, from the strategy's intent to its final state. Status changes go through the
 * transitions table; an illegal one throws (see transitions.ts).
 */
export class Order {
  readonly clientOrderId: string;
  readonly seq: number;
  readonly tag: string | null;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Extra ccxt params given with the intent (frozen: what is sent is what was journaled). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly replaces: string | null;
  /** What changes over the order's life: written only through this module's functions below. */
  readonly #s: OrderState;

  static {
    internals = {
      state: (o) => o.#s,
      transition: (o, to, now, reason) => o.#transition(to, now, reason),
      update: (o, raw, now) => o.#parseUpdate(raw, now),
    };
  }

  constructor(data: OrderData) {
    this.clientOrderId = data.clientOrderId;
    this.seq = data.seq;
    this.tag = data.tag;
    this.symbol = data.symbol;
    this.side = data.side;
    this.type = data.type;
    this.params = deepFreeze(data.params);
    this.createdAt = data.createdAt;
    this.replaces = data.replaces ?? null;
    this.#s = stateOf(data);
  }

  // Read-only to everyone outside this module: a write throws (ES modules are strict), so what is
  // sent is what push validated, rounded and journaled; orders.amend and orders.cancel change it.
  get id(): string | null { return this.#s.id; }
  get price(): number | null { return this.#s.price; }
  get amount(): number { return this.#s.amount; }
  get filled(): number { return this.#s.filled; }
  get remaining(): number { return this.#s.remaining; }
  get average(): number | null { return this.#s.average; }
  get fee(): Readonly<OrderFee> | null { return this.#s.fee; }
  get status(): OrderStatus { return this.#s.status; }
  get reason(): string | null { return this.#s.reason; }
  get attempts(): number { return this.#s.attempts; }
  get submittedAt(): number | null { return this.#s.submittedAt; }
  get openedAt(): number | null { return this.#s.openedAt; }
  get closedAt(): number | null { return this.#s.closedAt; }
  get updatedAt(): number { return this.#s.updatedAt; }
  get processed(): boolean { return this.#s.processed; }
  get adopted(): boolean { return this.#s.adopted; }
  get lost(): boolean { return this.#s.lost; }
  get notFoundCount(): number { return this.#s.notFoundCount; }
  /**
   * The exchange's `lastUpdateTimestamp` of the newest answer applied (in memory only: after a
   * restart the first answer sets it again); older answers cannot change price or amount.
   */
  get exchangeUpdatedAt(): number | null { return this.#s.exchangeUpdatedAt; }

  /** A fresh intent that nothing has been sent for yet. */
  static intent(init: {
    clientOrderId: string;
    seq: number;
    tag?: string | null;
    symbol: string;
    side: OrderSide;
    type: OrderType;
    price: number | null;
    amount: number;
    params?: Record<string, unknown>;
    replaces?: string | null;
    now: number;
  }): Order {
    return new Order({
      id: null,
      clientOrderId: init.clientOrderId,
      seq: init.seq,
      tag: init.tag ?? null,
      symbol: init.symbol,
      side: init.side,
      type: init.type,
      price: init.price,
      amount: init.amount,
      filled: 0,
      remaining: init.amount,
      average: null,
      fee: null,
      status: 'pending',
      reason: null,
      params: init.params ?? {},
      attempts: 0,
      createdAt: init.now,
      submittedAt: null,
      openedAt: null,
      closedAt: null,
      updatedAt: init.now,
      processed: false,
      adopted: false,
      lost: false,
      notFoundCount: 0,
      replaces: init.replaces ?? null,
    });
  }

  /** An order found on the exchange that the journal did not know. */
  static adopt(raw: CcxtOrderLike, now: number): Order {
    const side: OrderSide = raw.side === 'sell' ? 'sell' : 'buy';
    const type: OrderType = raw.type === 'market' ? 'market' : 'limit';
    const order = new Order({
      id: raw.id ?? null,
      clientOrderId: raw.clientOrderId && raw.clientOrderId.length > 0 ? raw.clientOrderId : `adopted-${raw.id ?? now}`,
      seq: 0,
      tag: null,
      symbol: raw.symbol ?? '',
      side,
      type,
      price: raw.price ?? null,
      amount: raw.amount ?? 0,
      filled: 0,
      remaining: raw.amount ?? 0,
      average: null,
      fee: null,
      status: 'pending',
      reason: null,
      params: {},
      attempts: 0,
      createdAt: raw.timestamp ?? now,
      submittedAt: raw.timestamp ?? null,
      openedAt: null,
      closedAt: null,
      updatedAt: now,
      processed: false,
      adopted: true,
      lost: false,
      notFoundCount: 0,
      replaces: null,
    });
    order.#parseUpdate(raw, now);
    return order;
  }

  /** The seed's name for `amount`. */
  get size(): number {
    return this.amount;
  }

  /** amount × price (0 while a market order has no price). */
  get value(): number {
    return this.amount * (this.price ?? 0);
  }

  /** The order reached a final status. */
  get isFinal(): boolean {
    return isFinalStatus(this.#s.status);
  }

  /** The seed's flag: some but not all of the amount is filled. */
  get isPartiallyFilled(): boolean {
    return this.filled > EPS && this.remaining > EPS;
  }

  /** The seed's snake_case names, read-only, for a strategy ported from it: `is_processed`, … */
  get is_processed(): boolean { return this.processed; }
  get is_partially_filled(): boolean { return this.isPartiallyFilled; }
  get opened_at(): number | null { return this.openedAt; }
  get closed_at(): number | null { return this.closedAt; }

  /** Moves to `to` (throws `IllegalTransitionError` when the table forbids it). */
  #transition(to: OrderStatus, now: number, reason?: string): void {
    const s = this.#s;
    assertTransition(this.clientOrderId, s.status, to);
    if (to !== s.status && isFinalStatus(to) && s.closedAt === null) s.closedAt = now;
    s.status = to;
    if (reason !== undefined) s.reason = reason;
    s.updatedAt = now;
  }

  /** See {@link applyOrderUpdate}. */
  #parseUpdate(raw: CcxtOrderLike, now: number): UpdateResult {
    const s = this.#s;
    const from = s.status;
    let changed = false;
    let stale = false;
    let target = statusFromCcxt(raw.status);
    if (target !== undefined && !canTransition(from, target) && isFinalStatus(from) && target === 'open') {
      stale = true;
      target = undefined;
    }
    if (target !== undefined) assertTransition(this.clientOrderId, from, target);
    if (raw.id !== undefined && raw.id !== null && raw.id !== '' && s.id !== raw.id) {
      s.id = String(raw.id);
      changed = true;
    }
    const edited = this.#takeTerms(raw);
    if (edited) changed = true;
    if (target !== undefined && from === 'pending' && target !== 'pending') {
      s.openedAt ??= raw.timestamp ?? now;
    }
    let newFilled = s.filled;
    if (isNum(raw.filled)) newFilled = Math.max(s.filled, Math.min(raw.filled, s.amount || raw.filled));
    else if (target === 'closed') newFilled = s.amount;
    const filledDelta = newFilled - s.filled;
    if (filledDelta > EPS) {
      s.filled = newFilled;
      changed = true;
    }
    const remaining = Math.max(0, s.amount - s.filled);
    if (Math.abs(remaining - s.remaining) > EPS) {
      s.remaining = remaining;
      changed = true;
    }
    if (isNum(raw.average) && raw.average > 0 && raw.average !== s.average) {
      s.average = raw.average;
      changed = true;
    }
    if (s.price === null) {
      const p = isNum(raw.price) && raw.price > 0 ? raw.price : s.average;
      if (p !== null) {
        s.price = p;
        changed = true;
      }
    }
    if (raw.fee && isNum(raw.fee.cost) && raw.fee.cost !== s.fee?.cost) {
      s.fee = { cost: raw.fee.cost, currency: raw.fee.currency ?? null };
      changed = true;
    }
    if (target !== undefined && target !== from) {
      s.status = target;
      if (isFinalStatus(target)) s.closedAt ??= raw.lastTradeTimestamp ?? raw.lastUpdateTimestamp ?? now;
      changed = true;
    }
    if (s.notFoundCount !== 0 || s.lost) {
      s.notFoundCount = 0;
      s.lost = false;
      changed = true;
    }
    if (changed) s.updatedAt = now;
    return { changed, from, to: s.status, filledDelta: filledDelta > EPS ? filledDelta : 0, stale, edited };
  }

  /** The answer is not older than the newest one applied (see {@link exchangeUpdatedAt}). */
  isCurrent(raw: CcxtOrderLike): boolean {
    const at = raw.lastUpdateTimestamp;
    // Without a time, an answer cannot prove it is newer than a timed one already applied.
    if (!isNum(at)) return this.exchangeUpdatedAt === null;
    return this.exchangeUpdatedAt === null || at >= this.exchangeUpdatedAt;
  }

  /** Takes the answer's price and amount when it is current; returns whether either changed. */
  #takeTerms(raw: CcxtOrderLike): boolean {
    const s = this.#s;
    const current = this.isCurrent(raw);
    const at = raw.lastUpdateTimestamp;
    if (isNum(at) && (s.exchangeUpdatedAt === null || at > s.exchangeUpdatedAt)) s.exchangeUpdatedAt = at;
    let changed = false;
    if (isNum(raw.amount) && raw.amount > 0 && (s.amount <= EPS || (current && differs(raw.amount, s.amount)))) {
      s.amount = raw.amount;
      changed = true;
    }
    // A market order's price is its average fill price, not a term an amend changes.
    if (current && this.type === 'limit' && s.price !== null && isNum(raw.price) && raw.price > 0 && differs(raw.price, s.price)) {
      s.price = raw.price;
      changed = true;
    }
    return changed;
  }

  /** What `console.log` shows: every field (the changing ones are getters, which it would not list). @internal */
  [INSPECT](): unknown {
    return this.toJSON();
  }

  /** Plain data for the journal and the state snapshot. */
  toJSON(): OrderData & { size: number; value: number } {
    return {
      id: this.id,
      clientOrderId: this.clientOrderId,
      seq: this.seq,
      tag: this.tag,
      symbol: this.symbol,
      side: this.side,
      type: this.type,
      price: this.price,
      amount: this.amount,
      size: this.amount,
      value: this.value,
      filled: this.filled,
      remaining: this.remaining,
      average: this.average,
      fee: this.fee,
      status: this.#s.status,
      reason: this.reason,
      params: this.params,
      attempts: this.attempts,
      createdAt: this.createdAt,
      submittedAt: this.submittedAt,
      openedAt: this.openedAt,
      closedAt: this.closedAt,
      updatedAt: this.updatedAt,
      processed: this.processed,
      adopted: this.adopted,
      lost: this.lost,
      notFoundCount: this.notFoundCount,
      replaces: this.replaces,
      exchangeUpdatedAt: this.exchangeUpdatedAt,
    };
  }
}

function differs(a: number, b: number): boolean {
  return Math.abs(a - b) > Math.max(Math.abs(a), Math.abs(b)) * 1e-9;
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

// How misso changes an order: these functions are the order book's, the executor's and the
// amender's, not the package's (the entries do not export them), so a strategy holding an
// Order can read it but not change what is sent.

/** Moves `order` to `to` (throws `IllegalTransitionError` when the table forbids it). @internal */
export function transitionOrder(order: Order, to: OrderStatus, now: number, reason?: string): void {
  internals.transition(order, to, now, reason);
}

/**
 * Applies every change an exchange answer carries: status, fills, and an amend's price and
 * amount (made by us or outside misso). Fills never go backwards; an answer older than what we
 * know (open after closed) keeps our status, and one older than the newest applied (by the
 * exchange's `lastUpdateTimestamp`) keeps our price and amount. A contradiction between two
 * final statuses throws `IllegalTransitionError`. @internal
 */
export function applyOrderUpdate(order: Order, raw: CcxtOrderLike, now: number): UpdateResult {
  return internals.update(order, raw, now);
}

/**
 * Puts back what `toJSON` took (the fields that change over a life cycle): a change whose
 * journal write failed is undone in memory too, so memory never runs ahead of the journal. @internal
 */
export function restoreOrder(order: Order, data: OrderData): void {
  Object.assign(internals.state(order), stateOf(data));
}

/** Sets fields of `order` (a send's attempt, an amend's terms, the tracker's counts). @internal */
export function writeOrder(order: Order, write: OrderWrite): void {
  Object.assign(internals.state(order), write);
}
