import type { Balances, Exchange, Order, Position } from 'ccxt';
import type { TaskConfig } from '../config/types.js';
import { outAttr, stringOption } from '../tasks/attr.js';
import type { CcxtOrderLike, Order as TrackedOrder } from '../orders/order.js';
import { isFinalStatus, statusFromCcxt } from '../orders/transitions.js';
import { OwedEvents } from './owed-events.js';
import { PositionSweep } from './position-sweep.js';
import { applyPushedBalance } from './pushed-balance.js';
import { fieldOf, newestTime, timeOf } from './stream-lag.js';
import type { StreamSpec } from './stream-loop.js';
import { WS_SOURCE, type StreamContext } from './stream-context.js';

/** Whether a ccxt websocket client is a user-data (private) one. */
export function isPrivateClient(url: string): boolean {
  return url.includes('listenKey=') || url.includes('/private/');
}

/**
 * Forgets ccxt's cached listenKey, so the next private watch call asks for a new one. ccxt
 * reuses a key for 20 minutes after it got it, even after the exchange expired it.
 */
export function forgetListenKey(exchange: Exchange): void {
  const options = exchange.options as Record<string, unknown>;
  for (const type of ['future', 'delivery', 'spot', 'margin']) {
    const entry = options[type];
    if (entry && typeof entry === 'object' && 'listenKey' in entry) {
      options[type] = { ...(entry as Record<string, unknown>), listenKey: undefined, lastAuthenticatedTime: 0 };
    }
  }
}

/**
 * The orders stream: ccxt's `watchOrders`, each update applied to the order book through the
 * same transitions and journal as a polled answer. A user stream has no heartbeat, so it is
 * called stalled when an order we sent, or the end of a cancel we made, is not echoed within the
 * limit, or when the market traded through a resting order of ours and REST shows the change it
 * never sent (see {@link OwedEvents}). After every (re)connection the gap is filled by REST: the
 * account's open orders, then our open orders missing from them (closed during the gap) polled
 * one by one, then the trades of orders that filled meanwhile.
 */
export function ordersStream(ctx: StreamContext, taskNames: { updateOpen?: string; getOpen?: string }): StreamSpec<Order[]> {
  /**
   * clientOrderId → what REST told us that the stream has not echoed: a send (any update of the
   * order echoes it) or the end of a cancel (only an update that finishes the order echoes it).
   */
  const expected = new Map<string, { at: number; what: 'send' | 'cancel'; order: TrackedOrder }>();
  const echoed = new Set<string>();
  const owed = new OwedEvents(ctx);
  let cause: string | undefined;
  ctx.orders.on('order', (order, info) => {
    const cid = order.clientOrderId;
    if (info.kind.startsWith('sent:')) {
      if (!echoed.has(cid)) expected.set(cid, { at: ctx.clock.now(), what: 'send', order });
      return;
    }
    // A cancel's answer (or its look-up) finished the order: the venue pushed that too. (Pushed
    // first, the stream finished the order already and this answer changed nothing.)
    const finishedByCancel = info.kind.startsWith('cancel:') && order.isFinal && order.id !== null && info.from !== null && !isFinalStatus(info.from);
    if (finishedByCancel) expected.set(cid, { at: ctx.clock.now(), what: 'cancel', order });
  });
  return {
    name: 'orders',
    watch: (ex: Exchange) => ex.watchOrders(),
    // The update's time (Binance's transaction time `T`). Not the order's `timestamp`: that is when
    // it was placed, and the fill of an order resting for an hour is not an hour late.
    eventTime: (orders) => newestTime(orders, (o) => o.lastUpdateTimestamp ?? fieldOf(o.info, 'T') ?? fieldOf(o.info, 'E')),
    merge: (deliveries) => deliveries.flat(),
    apply: (orders) => {
      owed.heard(ctx.clock.now());
      for (const raw of orders) {
        const cid = raw.clientOrderId;
        if (!cid) continue;
        if (expected.get(cid)?.what === 'send') expected.delete(cid);
        echoed.add(cid);
        if (echoed.size > 10_000) echoed.delete(echoed.values().next().value!);
      }
      // A cancel is echoed by an update that finishes the order, found as the order book finds it
      // (an adopted order's echo may carry no client id; ccxt spells statuses its own ways).
      for (const [cid, e] of expected) {
        if (e.what === 'cancel' && orders.some((raw) => refersTo(raw, e.order) && isFinalStatus(statusFromCcxt(raw.status) ?? 'open'))) expected.delete(cid);
      }
      // One journal transaction per delivery, relaxed like the trades stream's (see Durability).
      ctx.orders.applyStreamOrders(orders as CcxtOrderLike[], 'relaxed');
      ctx.state.touch('open_orders', WS_SOURCE);
      ctx.state.touch('is_open_orders', WS_SOURCE);
    },
    gapFill: async () => {
      expected.clear();
      owed.reset(ctx.clock.now());
      await ctx.orders.refreshIsOpenOrders();
      await ctx.orders.updateOpenOrders();
      // An order that filled while the stream was away has just had its `filled` advanced; the
      // trades stream's own gap fill may have looked before that, and found nothing owed.
      await ctx.orders.syncFills();
      ctx.state.touch('is_open_orders', taskNames.getOpen ?? 'stream-gap-fill');
      ctx.state.touch('open_orders', taskNames.updateOpen ?? 'stream-gap-fill');
    },
    ownsClient: (url) => isPrivateClient(url),
    isStalled: (_last, now, limit) => {
      cause = undefined;
      for (const { at, what } of expected.values()) {
        if (now - at <= limit) continue;
        cause = `${what === 'send' ? 'an order we sent' : 'an order we canceled'} was not echoed within ${(limit / 1000).toFixed(1)}s`;
        return true;
      }
      if (!owed.check(now, limit)) return false;
      cause = 'the market traded through a resting order, and REST shows the change the stream never sent';
      return true;
    },
    stallCause: () => cause,
    readyWithoutData: true,
    onError: (ex) => forgetListenKey(ex),
  };
}

/** Whether a pushed order update is about `order`: by client id, or by exchange id in its market. */
function refersTo(raw: Order, order: TrackedOrder): boolean {
  if (raw.clientOrderId && raw.clientOrderId === order.clientOrderId) return true;
  return order.id !== null && raw.id !== undefined && raw.id !== null && String(raw.id) === order.id && (raw.symbol === undefined || raw.symbol === order.symbol);
}

/**
 * A pushed account value (balance, positions), applied from the push itself so a fill costs no
 * REST read; REST reconciles at the task's period. Positions: a closed one leaves, an open one
 * updates its contracts, side, entry and PnL over the REST shape it had. Balance: see
 * {@link applyPushedBalance}; what a push cannot carry (Binance's margin moves) is read by REST
 * at the task's next `freq` tick, not once per fill.
 */
export function accountPushStream(
  ctx: StreamContext,
  name: 'balance' | 'positions',
  task: TaskConfig,
  positionsAttr?: string,
): StreamSpec<Balances | Position[]> {
  const apply = name === 'positions'
    ? (data: Balances | Position[]) => applyPositions(ctx, outAttr(task, 'positions'), data as Position[], task.name)
    : (data: Balances | Position[]) => {
      const how = applyPushedBalance(ctx, stringOption(task, 'currency', 'USD'), data as Balances, positionsAttr);
      if (how !== 'complete') ctx.restSoon(task.name);
    };
  // ccxt answers with the positions of one message of a read; the sweep adds the others.
  const sweep = new PositionSweep();
  return {
    name,
    watch: async (ex: Exchange) => (name === 'balance' ? ex.watchBalance() : sweep.collect(ex, await ex.watchPositions())),
    eventTime: name === 'positions'
      ? (data) => newestTime(data as Position[], (p) => p.timestamp ?? p.lastUpdateTimestamp)
      // ccxt's binanceusdm leaves a futures balance's `timestamp` empty (it reads `E` from the
      // update's `a`, which has none): the frame's event time `E` is in `info`.
      : (data) => timeOf((data as Balances).timestamp) ?? timeOf(fieldOf((data as Balances).info, 'E')),
    apply,
    gapFill: () => ctx.runTask(task.name),
    ownsClient: (url) => isPrivateClient(url),
    isStalled: () => false,
    readyWithoutData: true,
    onError: (ex) => forgetListenKey(ex),
  };
}

/** Merges pushed positions into `{symbol: position}` (what `t_get_open_positions` keeps). */
function applyPositions(ctx: StreamContext, attr: string, pushed: readonly Position[], task: string): void {
  const held = { ...(ctx.state.get<Record<string, Position> | null>(attr) ?? {}) };
  let closed = false;
  for (const p of pushed) {
    if (typeof p.symbol !== 'string') continue;
    const contracts = Math.abs(p.contracts ?? 0);
    if (!(contracts > 0)) {
      // Hedge mode: one side closing leaves the other (held as the symbol's position) open.
      const kept = held[p.symbol];
      if (!kept || kept.side === p.side || !kept.side || !p.side) {
        delete held[p.symbol];
        // In hedge mode the other side may still be open, which the symbol's entry did not hold.
        if (p.side === 'long' || p.side === 'short') closed = true;
      }
      continue;
    }
    // Both sides open (hedge mode): the larger is the symbol's position, as the REST read keeps it.
    const other = held[p.symbol];
    if (other?.side && p.side && other.side !== p.side && Math.abs(other.contracts ?? 0) > contracts) continue;
    const defined = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined && v !== null)) as Partial<Position>;
    held[p.symbol] = { ...(held[p.symbol] ?? {}), ...defined, contracts } as Position;
  }
  // Only the pushed symbols are newer: a REST read asked before the push keeps the others.
  ctx.state.setKeys(attr, held, pushed.flatMap((p) => (typeof p.symbol === 'string' ? [p.symbol] : [])), WS_SOURCE);
  if (closed) ctx.restSoon(task);
}
