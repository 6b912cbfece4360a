import type { OrderStatus } from './transitions.js';

/** Buy or sell. */
export type OrderSide = 'buy' | 'sell';
/** The order types the executor places. */
export type OrderType = 'limit' | 'market';

/** A fee as ccxt reports it. */
export interface OrderFee {
  cost: number;
  currency: string | null;
}

/** Everything an order holds, as plain data: what the journal stores and snapshots show. */
export interface OrderData {
  /** The exchange's id; null until the exchange confirmed the order. */
  id: string | null;
  clientOrderId: string;
  /** The journal sequence number the client id was made from (0 for adopted orders). */
  seq: number;
  /** The strategy's own reference (first element of the seed's list form), if any. */
  tag: string | null;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  /** Limit price; for market orders the average fill price once known. */
  price: number | null;
  /** The seed's `size`. */
  amount: number;
  filled: number;
  remaining: number;
  average: number | null;
  fee: OrderFee | null;
  status: OrderStatus;
  /** Why an order failed or was rejected. */
  reason: string | null;
  /** Extra ccxt params given with the intent (reduceOnly, …). */
  params: Record<string, unknown>;
  /** createOrder calls started for this intent (journaled before each call). */
  attempts: number;
  createdAt: number;
  submittedAt: number | null;
  openedAt: number | null;
  closedAt: number | null;
  updatedAt: number;
  /** The strategy has handled the finished order. */
  processed: boolean;
  /** Found open on the exchange without a journal entry. */
  adopted: boolean;
  /** Not found `lostAfterNotFound` times in a row. */
  lost: boolean;
  notFoundCount: number;
  /** For a replacement made by an amend (cancel-then-replace): the original's client id. */
  replaces: string | null;
  /** The exchange's `lastUpdateTimestamp` of the newest answer applied (not journaled). */
  exchangeUpdatedAt?: number | null;
}

/** The fields of an order that change over its life (the rest are fixed by its intent). */
export type OrderState = Omit<OrderData, 'clientOrderId' | 'seq' | 'tag' | 'symbol' | 'side' | 'type' | 'params' | 'createdAt' | 'replaces' | 'exchangeUpdatedAt'> & {
  exchangeUpdatedAt: number | null;
};

/** What an exchange answer applied to an order changed. */
export interface UpdateResult {
  changed: boolean;
  from: OrderStatus;
  to: OrderStatus;
  /** How much more got filled with this answer. */
  filledDelta: number;
  /** The answer carried an older status than ours (ignored, fills still applied). */
  stale: boolean;
  /** The answer changed the price or amount (an amend, ours or made outside misso). */
  edited: boolean;
}

/** A loose view of a ccxt order: only what we read, every field optional. */
export interface CcxtOrderLike {
  id?: string | undefined;
  clientOrderId?: string | undefined;
  symbol?: string | undefined;
  side?: string | undefined;
  type?: string | undefined;
  status?: string | undefined;
  price?: number | undefined;
  amount?: number | undefined;
  filled?: number | undefined;
  remaining?: number | undefined;
  average?: number | undefined;
  timestamp?: number | undefined;
  lastTradeTimestamp?: number | undefined;
  lastUpdateTimestamp?: number | undefined;
  fee?: { cost?: number | undefined; currency?: string | undefined } | undefined;
}

/** The changing fields of `data`, copied (a fee too). */
export function stateOf(data: OrderData): OrderState {
  return {
    id: data.id,
    price: data.price,
    amount: data.amount,
    filled: data.filled,
    remaining: data.remaining,
    average: data.average,
    fee: data.fee === null ? null : Object.freeze({ ...data.fee }),
    status: data.status,
    reason: data.reason,
    attempts: data.attempts,
    submittedAt: data.submittedAt,
    openedAt: data.openedAt,
    closedAt: data.closedAt,
    updatedAt: data.updatedAt,
    processed: data.processed,
    adopted: data.adopted,
    lost: data.lost,
    notFoundCount: data.notFoundCount,
    exchangeUpdatedAt: data.exchangeUpdatedAt ?? null,
  };
}

/** Freezes plain JSON data in place, every level (params come from JSON: no cycles). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
