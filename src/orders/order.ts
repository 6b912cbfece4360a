import {
  assertTransition,
  canTransition,
  isFinalStatus,
  statusFromCcxt,
  type OrderStatus,
} from './transitions.js';
import type { CcxtOrderLike, OrderData, OrderFee, OrderSide, OrderType, UpdateResult } from './order-data.js';

export type { CcxtOrderLike, OrderData, OrderFee, OrderSide, OrderType, UpdateResult } from './order-data.js';

const EPS = 1e-12;

/**
 * One order, from the strategy's intent to its final state. Status changes go through the
 * transitions table; an illegal one throws (see transitions.ts).
 */
export class Order {
  id: string | null;
  readonly clientOrderId: string;
  readonly seq: number;
  readonly tag: string | null;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  price: number | null;
  amount: number;
  filled: number;
  remaining: number;
  average: number | null;
  fee: OrderFee | null;
  #status: OrderStatus;
  reason: string | null;
  readonly params: Record<string, unknown>;
  attempts: number;
  readonly createdAt: number;
  submittedAt: number | null;
  openedAt: number | null;
  closedAt: number | null;
  updatedAt: number;
  processed: boolean;
  adopted: boolean;
  lost: boolean;
  notFoundCount: number;
  readonly replaces: string | null;
  /**
   * The exchange's `lastUpdateTimestamp` of the newest answer applied (in memory only: after a
   * restart the first answer sets it again); older answers cannot change price or amount.
   */
  exchangeUpdatedAt: number | null;

  constructor(data: OrderData) {
    this.id = data.id;
    this.clientOrderId = data.clientOrderId;
    this.seq = data.seq;
    this.tag = data.tag;
    this.symbol = data.symbol;
    this.side = data.side;
    this.type = data.type;
    this.price = data.price;
    this.amount = data.amount;
    this.filled = data.filled;
    this.remaining = data.remaining;
    this.average = data.average;
    this.fee = data.fee;
    this.#status = data.status;
    this.reason = data.reason;
    this.params = data.params;
    this.attempts = data.attempts;
    this.createdAt = data.createdAt;
    this.submittedAt = data.submittedAt;
    this.openedAt = data.openedAt;
    this.closedAt = data.closedAt;
    this.updatedAt = data.updatedAt;
    this.processed = data.processed;
    this.adopted = data.adopted;
    this.lost = data.lost;
    this.notFoundCount = data.notFoundCount;
    this.replaces = data.replaces ?? null;
    this.exchangeUpdatedAt = data.exchangeUpdatedAt ?? null;
  }

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
    order.parseUpdate(raw, now);
    return order;
  }

  get status(): OrderStatus {
    return this.#status;
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
    return isFinalStatus(this.#status);
  }

  /** The seed's flag: some but not all of the amount is filled. */
  get isPartiallyFilled(): boolean {
    return this.filled > EPS && this.remaining > EPS;
  }

  /** Moves to `to` (throws `IllegalTransitionError` when the table forbids it). */
  transition(to: OrderStatus, now: number, reason?: string): void {
    assertTransition(this.clientOrderId, this.#status, to);
    if (to !== this.#status && isFinalStatus(to) && this.closedAt === null) this.closedAt = now;
    this.#status = to;
    if (reason !== undefined) this.reason = reason;
    this.updatedAt = now;
  }

  /**
   * Applies every change an exchange answer carries: status, fills, and an amend's price and
   * amount (made by us or outside misso). Fills never go backwards; an answer older than what we
   * know (open after closed) keeps our status, and one older than the newest applied (by the
   * exchange's `lastUpdateTimestamp`) keeps our price and amount. A contradiction between two
   * final statuses throws `IllegalTransitionError`.
   */
  parseUpdate(raw: CcxtOrderLike, now: number): UpdateResult {
    const from = this.#status;
    let changed = false;
    let stale = false;
    let target = statusFromCcxt(raw.status);
    if (target !== undefined && !canTransition(from, target) && isFinalStatus(from) && target === 'open') {
      stale = true;
      target = undefined;
    }
    if (target !== undefined) assertTransition(this.clientOrderId, from, target);
    if (raw.id !== undefined && raw.id !== null && raw.id !== '' && this.id !== raw.id) {
      this.id = String(raw.id);
      changed = true;
    }
    const edited = this.#takeTerms(raw);
    if (edited) changed = true;
    if (target !== undefined && from === 'pending' && target !== 'pending') {
      this.openedAt ??= raw.timestamp ?? now;
    }
    let newFilled = this.filled;
    if (isNum(raw.filled)) newFilled = Math.max(this.filled, Math.min(raw.filled, this.amount || raw.filled));
    else if (target === 'closed') newFilled = this.amount;
    const filledDelta = newFilled - this.filled;
    if (filledDelta > EPS) {
      this.filled = newFilled;
      changed = true;
    }
    const remaining = Math.max(0, this.amount - this.filled);
    if (Math.abs(remaining - this.remaining) > EPS) {
      this.remaining = remaining;
      changed = true;
    }
    if (isNum(raw.average) && raw.average > 0 && raw.average !== this.average) {
      this.average = raw.average;
      changed = true;
    }
    if (this.price === null) {
      const p = isNum(raw.price) && raw.price > 0 ? raw.price : this.average;
      if (p !== null) {
        this.price = p;
        changed = true;
      }
    }
    if (raw.fee && isNum(raw.fee.cost) && raw.fee.cost !== this.fee?.cost) {
      this.fee = { cost: raw.fee.cost, currency: raw.fee.currency ?? null };
      changed = true;
    }
    if (target !== undefined && target !== from) {
      this.#status = target;
      if (isFinalStatus(target)) this.closedAt ??= raw.lastTradeTimestamp ?? raw.lastUpdateTimestamp ?? now;
      changed = true;
    }
    if (this.notFoundCount !== 0 || this.lost) {
      this.notFoundCount = 0;
      this.lost = false;
      changed = true;
    }
    if (changed) this.updatedAt = now;
    return { changed, from, to: this.#status, filledDelta: filledDelta > EPS ? filledDelta : 0, stale, edited };
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
    const current = this.isCurrent(raw);
    const at = raw.lastUpdateTimestamp;
    if (isNum(at) && (this.exchangeUpdatedAt === null || at > this.exchangeUpdatedAt)) this.exchangeUpdatedAt = at;
    let changed = false;
    if (isNum(raw.amount) && raw.amount > 0 && (this.amount <= EPS || (current && differs(raw.amount, this.amount)))) {
      this.amount = raw.amount;
      changed = true;
    }
    // A market order's price is its average fill price, not a term an amend changes.
    if (current && this.type === 'limit' && this.price !== null && isNum(raw.price) && raw.price > 0 && differs(raw.price, this.price)) {
      this.price = raw.price;
      changed = true;
    }
    return changed;
  }

  /**
   * Puts back what {@link toJSON} took (the fields that change over a life cycle): a change
   * whose journal write failed is undone in memory too, so memory never runs ahead of the journal.
   */
  restore(data: OrderData): void {
    this.id = data.id;
    this.price = data.price;
    this.amount = data.amount;
    this.filled = data.filled;
    this.remaining = data.remaining;
    this.average = data.average;
    this.fee = data.fee;
    this.#status = data.status;
    this.reason = data.reason;
    this.attempts = data.attempts;
    this.submittedAt = data.submittedAt;
    this.openedAt = data.openedAt;
    this.closedAt = data.closedAt;
    this.updatedAt = data.updatedAt;
    this.processed = data.processed;
    this.adopted = data.adopted;
    this.lost = data.lost;
    this.notFoundCount = data.notFoundCount;
    this.exchangeUpdatedAt = data.exchangeUpdatedAt ?? null;
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
      status: this.#status,
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
