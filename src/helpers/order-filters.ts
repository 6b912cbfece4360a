import { FINAL_STATUSES } from '../orders/transitions.js';

/**
 * The least the order filters need, so they work with the engine's `Order` class and with
 * plain objects (ccxt orders, the seed's dicts). `is_processed` is the seed's spelling.
 */
export interface OrderLike {
  readonly id?: string | null | undefined;
  readonly clientOrderId?: string | null | undefined;
  readonly symbol: string;
  readonly status?: string | null | undefined;
  readonly side?: string | null | undefined;
  readonly processed?: boolean | null | undefined;
  readonly is_processed?: boolean | null | undefined;
}

/** The strategy's own books: `{symbol: orders}` (the seed's `open_orders`). */
export type OpenOrders<T> = Readonly<Record<string, readonly T[] | null | undefined>>;

/** The exchange's open orders by symbol and side (the seed's `is_open_orders`). */
export type IsOpenOrders<T> = Record<string, { buys: T[]; sells: T[] }>;

/** Statuses after which an order can no longer change: the order model's final ones, plus ccxt's `cancelled` spelling. */
export const FINISHED_STATUSES: readonly string[] = [...FINAL_STATUSES, 'cancelled'];

/**
 * Groups orders (usually `fetchOpenOrders()`) as `{symbol: {buys, sells}}`. Every symbol seen
 * gets both lists; an order whose side is neither buy nor sell is left out.
 */
export function parseIsOpenOrders<T extends Pick<OrderLike, 'symbol' | 'side'>>(
  orders: readonly T[] | null | undefined,
): IsOpenOrders<T> {
  const result: IsOpenOrders<T> = {};
  for (const order of orders ?? []) {
    if (!isObject(order) || typeof order.symbol !== 'string') continue;
    const entry = (result[order.symbol] ??= { buys: [], sells: [] });
    if (order.side === 'buy') entry.buys.push(order);
    else if (order.side === 'sell') entry.sells.push(order);
  }
  return result;
}

/**
 * Every order in `open_orders` whose status is `status` (or one of them), flattened in symbol
 * order. Entries that are not order objects (the seed's early list form) are skipped.
 */
export function findOrdersByStatus<T extends OrderLike>(
  open_orders: OpenOrders<T> | null | undefined,
  status: string | readonly string[],
): T[] {
  const wanted = typeof status === 'string' ? [status] : status;
  return allOrders(open_orders).filter((o) => typeof o.status === 'string' && wanted.includes(o.status));
}

/**
 * Whether the exchange's open-order list still shows `order`: same symbol, and the same
 * exchange id or the same client order id. Searches both sides, since a side may be missing.
 */
export function orderInIsOpenOrders(
  order: OrderLike,
  is_open_orders: Readonly<Record<string, { buys: readonly OrderLike[]; sells: readonly OrderLike[] } | undefined>> | null | undefined,
): boolean {
  const entry = is_open_orders?.[order.symbol];
  if (!entry) return false;
  const same = (o: OrderLike): boolean =>
    (!!order.id && o.id === order.id) || (!!order.clientOrderId && o.clientOrderId === order.clientOrderId);
  return entry.buys.some(same) || entry.sells.some(same);
}

/**
 * The orders the strategy is done with: finished (closed, canceled, rejected, expired, failed)
 * and marked processed (`processed` or the seed's `is_processed`). The updater drops these
 * from `open_orders`.
 */
export function findProcessedOrders<T extends OrderLike>(open_orders: OpenOrders<T> | null | undefined): T[] {
  return allOrders(open_orders).filter(
    (o) =>
      typeof o.status === 'string' &&
      FINISHED_STATUSES.includes(o.status) &&
      (o.processed === true || o.is_processed === true),
  );
}

function allOrders<T extends OrderLike>(open_orders: OpenOrders<T> | null | undefined): T[] {
  const out: T[] = [];
  for (const list of Object.values(open_orders ?? {})) {
    for (const order of list ?? []) if (isObject(order) && !Array.isArray(order)) out.push(order);
  }
  return out;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
