import { foldAlgoStreamOrder } from '../exchange/algo-orders.js';
import type { OrdersContext } from './context.js';
import type { Durability } from './journal.js';
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
  // The exchange's own closing order (a liquidation): the operator hears of it once.
  if (!known) ctx.venueCloses.see(raw);
  let changed = false;
  let order: Order | undefined = known;
  if (known) {
    changed = book.apply(known, { ...raw, clientOrderId: known.clientOrderId }, 'ws');
  } else if (ctx.unknownOrders === 'adopt') {
    order = Order.adopt(raw, clock.now());
  }
  if (!order) return changed;
  const found = order;
  const open = (raw.status ?? found.status) === 'open' && !found.isFinal;
  if (open && known) book.streamedOpen.add(found);
  const sameOrder = (o: Order): boolean =>
    o === found || (found.id !== null && o.id === found.id) || o.clientOrderId === found.clientOrderId;
  const current = book.isOpenOrders[found.symbol];
  const at = (found.side === 'sell' ? current?.sells : current?.buys)?.findIndex(sameOrder) ?? -1;
  // Like every change of the book, `is_open_orders` moves once the change is stored: inside a
  // delivery's transaction, when the whole delivery is; if it is not, nothing moved.
  book.announce(() => {
    const entry = (book.isOpenOrders[found.symbol] ??= { buys: [], sells: [] });
    const list = found.side === 'sell' ? entry.sells : entry.buys;
    const i = list.findIndex(sameOrder);
    if (open && i < 0) list.push(found);
    if (open && i >= 0) list[i] = found;
    if (!open && i >= 0) list.splice(i, 1);
    if (entry.buys.length === 0 && entry.sells.length === 0) delete book.isOpenOrders[found.symbol];
  });
  return changed || (open ? at < 0 : at >= 0);
}

/**
 * {@link applyStreamOrder} for every update of one delivery, as one journal transaction. When
 * the write fails (a full disk) nothing of the delivery is applied or announced, and
 * `is_open_orders` is as it was. Each result is judged against `is_open_orders` as it stood
 * before the delivery.
 */
export function applyStreamOrders(ctx: OrdersContext, raws: readonly CcxtOrderLike[], durability: Durability = 'synced'): boolean[] {
  return ctx.book.atomically(() => raws.map((raw) => applyStreamOrder(ctx, raw)), [], durability);
}
