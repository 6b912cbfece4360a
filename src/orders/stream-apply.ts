import { foldAlgoStreamOrder } from '../exchange/algo-orders.js';
import type { OrdersContext } from './context.js';
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
