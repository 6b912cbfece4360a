import { Order, type OrderData, type OrderFee } from './order.js';
import type { OrderStatus } from './transitions.js';

/** One row of the journal's `orders` table. */
export interface OrderRow {
  client_order_id: string;
  seq: number;
  exchange_id: string | null;
  tag: string | null;
  symbol: string;
  side: string;
  type: string;
  price: number | null;
  amount: number;
  filled: number;
  remaining: number;
  average: number | null;
  fee: string | null;
  status: string;
  reason: string | null;
  params: string;
  attempts: number;
  created_at: number;
  submitted_at: number | null;
  opened_at: number | null;
  closed_at: number | null;
  updated_at: number;
  processed: number;
  adopted: number;
  lost: number;
  not_found_count: number;
  replaces: string | null;
}

/** The `orders` table's columns, in insert order. */
export const COLUMNS = [
  'client_order_id', 'seq', 'exchange_id', 'tag', 'symbol', 'side', 'type', 'price', 'amount', 'filled',
  'remaining', 'average', 'fee', 'status', 'reason', 'params', 'attempts', 'created_at', 'submitted_at',
  'opened_at', 'closed_at', 'updated_at', 'processed', 'adopted', 'lost', 'not_found_count', 'replaces',
] as const;

/** A history line's detail as stored: JSON, or null. */
export function json(v: unknown): string | null {
  return v === null || v === undefined ? null : JSON.stringify(v);
}

/** The row that stores `o`. */
export function toRow(o: Order): OrderRow {
  return {
    client_order_id: o.clientOrderId,
    seq: o.seq,
    exchange_id: o.id,
    tag: o.tag,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    price: o.price,
    amount: o.amount,
    filled: o.filled,
    remaining: o.remaining,
    average: o.average,
    fee: o.fee ? JSON.stringify(o.fee) : null,
    status: o.status,
    reason: o.reason,
    params: JSON.stringify(o.params),
    attempts: o.attempts,
    created_at: o.createdAt,
    submitted_at: o.submittedAt,
    opened_at: o.openedAt,
    closed_at: o.closedAt,
    updated_at: o.updatedAt,
    processed: o.processed ? 1 : 0,
    adopted: o.adopted ? 1 : 0,
    lost: o.lost ? 1 : 0,
    not_found_count: o.notFoundCount,
    replaces: o.replaces,
  };
}

/** The order a row stores. */
export function fromRow(r: OrderRow): Order {
  const data: OrderData = {
    id: r.exchange_id,
    clientOrderId: r.client_order_id,
    seq: r.seq,
    tag: r.tag,
    symbol: r.symbol,
    side: r.side === 'sell' ? 'sell' : 'buy',
    type: r.type === 'market' ? 'market' : 'limit',
    price: r.price,
    amount: r.amount,
    filled: r.filled,
    remaining: r.remaining,
    average: r.average,
    fee: r.fee === null ? null : (JSON.parse(r.fee) as OrderFee),
    status: r.status as OrderStatus,
    reason: r.reason,
    params: JSON.parse(r.params) as Record<string, unknown>,
    attempts: r.attempts,
    createdAt: r.created_at,
    submittedAt: r.submitted_at,
    openedAt: r.opened_at,
    closedAt: r.closed_at,
    updatedAt: r.updated_at,
    processed: r.processed === 1,
    adopted: r.adopted === 1,
    lost: r.lost === 1,
    notFoundCount: r.not_found_count,
    replaces: r.replaces,
  };
  return new Order(data);
}
