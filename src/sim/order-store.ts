import { SimError } from './sim-error.js';
import type { ListOrdersQuery, OrderRef, SimOrder, SimOrderStatus } from './venue-types.js';

/** Told of an order's creation, amendment, cancel or expiry. */
export type OrderChangeListener = (execution: 'NEW' | 'AMENDMENT' | 'CANCELED' | 'EXPIRED', order: SimOrder, at: number) => void;

/** Binance's rule for client order ids; the in-process face keeps it so both faces agree. */
const CLIENT_ID_PATTERN = /^[.A-Z:/a-z0-9_-]{1,36}$/;

/**
 * Every order of the account, by id and by client order id, in creation order. A client order id
 * must be unique among the open orders only, as on Binance USD-M ("a unique id among open
 * orders"): once its order is finished the id may be used again, and a look-up by it finds the
 * newest order that carries it. So a retry with the same id is refused only while the first copy
 * is open, and a client that resends after its first copy filled makes a second order, as on the
 * real venue.
 */
export class OrderStore {
  readonly #byId = new Map<string, SimOrder>();
  readonly #byClientId = new Map<string, SimOrder>();
  readonly #open = new Set<SimOrder>();
  #nextId: number;

  /** @param firstId - the first numeric id handed out. */
  readonly #onChange: OrderChangeListener | undefined;

  /** @param onChange - told of every new, amended, canceled and expired order (fills are the venue's to report) */
  constructor(firstId: number, onChange?: OrderChangeListener) {
    this.#nextId = firstId;
    this.#onChange = onChange;
  }

  /** The next order id, without taking it. */
  peekId(): string {
    return String(this.#nextId);
  }

  /** Checks a caller's client order id: format and uniqueness. */
  checkClientId(clientOrderId: string): void {
    if (!CLIENT_ID_PATTERN.test(clientOrderId)) {
      throw new SimError('invalid_order', `client order id ${JSON.stringify(clientOrderId)} must match ${CLIENT_ID_PATTERN.source}`);
    }
    if (this.#byClientId.get(clientOrderId)?.status === 'open') {
      throw new SimError('duplicate_client_order_id', `client order id ${clientOrderId} is already used`);
    }
  }

  /** Stores a new order under the next id. */
  add(order: Omit<SimOrder, 'id'>): SimOrder {
    const stored: SimOrder = { ...order, id: String(this.#nextId++) };
    this.#byId.set(stored.id, stored);
    this.#byClientId.set(stored.clientOrderId, stored);
    if (stored.status === 'open') this.#open.add(stored);
    this.#onChange?.('NEW', stored, stored.timestamp);
    return stored;
  }

  /**
   * Adds a new open order placed at `at`, nothing filled yet: what the caller decides (its ids,
   * market, side, kind, price, amount and rules), the rest as every new order starts.
   */
  addNew(
    order: Pick<SimOrder, 'clientOrderId' | 'symbol' | 'side' | 'type' | 'price' | 'amount' | 'reduceOnly' | 'timeInForce' | 'triggerPrice' | 'triggerKind'>,
    at: number,
  ): SimOrder {
    return this.add({
      ...order,
      filled: 0,
      remaining: order.amount,
      average: undefined,
      cost: 0,
      fee: 0,
      status: 'open',
      triggered: false,
      timestamp: at,
      lastUpdateTimestamp: at,
      lastTradeTimestamp: undefined,
      fills: [],
    });
  }

  /** Records a status change made by the caller. */
  settle(order: SimOrder, status: SimOrderStatus, now: number): void {
    order.status = status;
    order.lastUpdateTimestamp = now;
    if (status !== 'open') this.#open.delete(order);
    if (status === 'canceled') this.#onChange?.('CANCELED', order, now);
    if (status === 'expired') this.#onChange?.('EXPIRED', order, now);
  }

  /** Records that the caller modified an open order in place (new price and/or amount). */
  amended(order: SimOrder, now: number): void {
    order.lastUpdateTimestamp = now;
    this.#onChange?.('AMENDMENT', order, now);
  }

  /** The live order (not a copy), or undefined. */
  find(ref: OrderRef): SimOrder | undefined {
    return 'id' in ref ? this.#byId.get(String(ref.id)) : this.#byClientId.get(ref.clientOrderId);
  }

  /** {@link find}, refusing an unknown order as the venue does: `order_not_found`. */
  get(ref: OrderRef): SimOrder {
    const order = this.find(ref);
    if (!order) throw new SimError('order_not_found', `order ${describeRef(ref)} not found`);
    return order;
  }

  /** Open orders in creation order (live objects). */
  open(): SimOrder[] {
    return [...this.#open];
  }

  /** Whether any order is open. */
  get hasOpen(): boolean {
    return this.#open.size > 0;
  }

  /** Orders passing the query and `visible`, oldest first (live objects). */
  list(query: ListOrdersQuery, visible: (o: SimOrder) => boolean): SimOrder[] {
    const statuses = query.status === undefined ? undefined : new Set<SimOrderStatus>([query.status].flat());
    const source = statuses && statuses.size === 1 && statuses.has('open') ? this.#open : this.#byId.values();
    const out: SimOrder[] = [];
    for (const o of source) {
      if (query.symbol !== undefined && o.symbol !== query.symbol) continue;
      if (statuses && !statuses.has(o.status)) continue;
      if (query.since !== undefined && o.timestamp < query.since) continue;
      if (!visible(o)) continue;
      out.push(o);
    }
    out.sort((a, b) => a.timestamp - b.timestamp || Number(a.id) - Number(b.id));
    if (query.limit === undefined || out.length <= query.limit) return out;
    return query.since !== undefined ? out.slice(0, query.limit) : out.slice(out.length - query.limit);
  }
}

/** A deep-enough copy for callers: they may keep or mutate it without touching the venue. */
export function copyOrder(o: SimOrder): SimOrder {
  return { ...o, fills: o.fills.map((f) => ({ ...f })) };
}

/** An order reference as a refusal names it: its id, or its client id. */
export function describeRef(ref: OrderRef): string {
  return 'id' in ref ? String(ref.id) : `with client id ${ref.clientOrderId}`;
}
