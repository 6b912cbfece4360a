import { foldAlgoStreamOrder } from '../exchange/algo-orders.js';
import type { OrdersContext } from './context.js';
import type { IsOpenOrders } from './order-book.js';
import { Order, type CcxtOrderLike } from './order.js';

/**
 * Applies one order update pushed by the user stream (ccxt's `watchOrders`): our orders go
 * through the same transitions and journal as a polled answer (kind `ws`), and
 * `is_open_orders` (the exchange's view) gains or loses the order as it opens or finishes, so
 * it stays equal to the exchange between REST refreshes. Returns whether anything changed.
 */
export function applyStreamOrder(ctx: OrdersContext, pushed: CcxtOrderLike): boolean {
  const { book, clock } = ctx;
  const raw = foldAlgoStreamOrder(pushed);
  if (!raw) return false;
  const known = book.find(raw);
  let changed = false;
  let order: Order | undefined = known;
  if (known) {
    changed = book.apply(known, { ...raw, clientOrderId: known.clientOrderId }, 'ws');
  } else if (ctx.unknownOrders === 'adopt') {
    order = Order.adopt(raw, clock.now());
  }
  if (!order) return changed;
  const entry = (book.isOpenOrders[order.symbol] ??= { buys: [], sells: [] });
  const list = order.side === 'sell' ? entry.sells : entry.buys;
  const sameOrder = (o: Order): boolean =>
    o === order || (order.id !== null && o.id === order.id) || o.clientOrderId === order.clientOrderId;
  const at = list.findIndex(sameOrder);
  const open = (raw.status ?? order.status) === 'open' && !order.isFinal;
  if (open && at < 0) list.push(order);
  if (open && at >= 0) list[at] = order;
  if (!open && at >= 0) list.splice(at, 1);
  if (entry.buys.length === 0 && entry.sells.length === 0) delete book.isOpenOrders[order.symbol];
  return changed || (open ? at < 0 : at >= 0);
}

/**
 * {@link applyStreamOrder} for every update of one delivery, as one journal transaction. When
 * the write fails (a full disk) nothing of the delivery is applied: the orders are put back by
 * the book, and `is_open_orders`, which the updates change as they go, is put back here.
 */
export function applyStreamOrders(ctx: OrdersContext, raws: readonly CcxtOrderLike[]): boolean[] {
  const { book } = ctx;
  const saved = snapshot(book.isOpenOrders);
  try {
    return book.atomically(() => raws.map((raw) => applyStreamOrder(ctx, raw)));
  } catch (error: unknown) {
    restore(book.isOpenOrders, saved);
    throw error;
  }
}

type Saved = Map<string, { entry: IsOpenOrders[string]; buys: Order[]; sells: Order[] }>;

function snapshot(open: IsOpenOrders): Saved {
  return new Map(Object.entries(open).map(([symbol, entry]) => [symbol, { entry, buys: [...entry.buys], sells: [...entry.sells] }]));
}

/** Puts `open` back as `saved` had it, in place (the strategy holds the same objects). */
function restore(open: IsOpenOrders, saved: Saved): void {
  for (const symbol of Object.keys(open)) if (!saved.has(symbol)) delete open[symbol];
  for (const [symbol, { entry, buys, sells }] of saved) {
    entry.buys.splice(0, entry.buys.length, ...buys);
    entry.sells.splice(0, entry.sells.length, ...sells);
    open[symbol] = entry;
  }
}
