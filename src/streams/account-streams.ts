import type { Balances, Exchange, Order, Position } from 'ccxt';
import type { TaskConfig } from '../config/types.js';
import { outAttr, stringOption } from '../tasks/attr.js';
import type { CcxtOrderLike } from '../orders/order.js';
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
 * called stalled when an order we sent is not echoed within the limit. After every
 * (re)connection the gap is filled by REST: the account's open orders, then our open orders
 * missing from them (closed during the gap) polled one by one.
 */
export function ordersStream(ctx: StreamContext, taskNames: { updateOpen?: string; getOpen?: string }): StreamSpec<Order[]> {
  /** clientOrderId → when we learnt of it by REST without the stream echoing it. */
  const expected = new Map<string, number>();
  const echoed = new Set<string>();
  ctx.orders.on('order', (order, info) => {
    if (!info.kind.startsWith('sent:') || echoed.has(order.clientOrderId)) return;
    expected.set(order.clientOrderId, ctx.clock.now());
  });
  return {
    name: 'orders',
    watch: (ex: Exchange) => ex.watchOrders(),
    apply: (orders) => {
      for (const raw of orders) {
        const cid = raw.clientOrderId;
        if (cid) {
          expected.delete(cid);
          echoed.add(cid);
          if (echoed.size > 10_000) echoed.delete(echoed.values().next().value!);
        }
        ctx.orders.applyStreamOrder(raw as CcxtOrderLike);
      }
      ctx.state.touch('open_orders', WS_SOURCE);
      ctx.state.touch('is_open_orders', WS_SOURCE);
    },
    gapFill: async () => {
      expected.clear();
      await ctx.orders.refreshIsOpenOrders();
      await ctx.orders.updateOpenOrders();
      ctx.state.touch('is_open_orders', taskNames.getOpen ?? 'stream-gap-fill');
      ctx.state.touch('open_orders', taskNames.updateOpen ?? 'stream-gap-fill');
    },
    ownsClient: (url) => isPrivateClient(url),
    isStalled: (_last, now, limit) => {
      for (const at of expected.values()) if (now - at > limit) return true;
      return false;
    },
    readyWithoutData: true,
    onError: (ex) => forgetListenKey(ex),
  };
}

/**
 * A pushed account value (balance, positions). Positions are applied from the push itself (a
 * closed one leaves, an open one updates its contracts, side, entry and PnL over the REST
 * shape it had), so a fill costs no REST read; REST only reconciles at the task's period. A
 * balance is applied directly when the push is complete (free and total of the task's
 * currency); Binance pushes only the wallet balance, so there a push triggers the task's REST
 * read at once (pushes arriving meanwhile are coalesced, at most one read a second), which keeps
 * the REST shape (equity, free margin) while following the account within a round trip.
 */
export function accountPushStream(ctx: StreamContext, name: 'balance' | 'positions', task: TaskConfig): StreamSpec<Balances | Position[]> {
  const taskName = task.name;
  let running: Promise<void> | null = null;
  let again = false;
  const refresh = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await ctx.runTask(taskName);
        } catch (error: unknown) {
          ctx.logger.warn({ stream: name, err: (error as Error).message }, 'pushed account change: REST read failed; the task retries at its period');
        }
        // A burst of fills costs one read per second, not one per fill.
        if (again) await ctx.clock.sleep(1000);
      } while (again);
    })().finally(() => {
      running = null;
    });
  };
  const apply = name === 'positions'
    ? (data: Balances | Position[]) => applyPositions(ctx, outAttr(task, 'positions'), data as Position[])
    : (data: Balances | Position[]) => {
      if (!applyBalance(ctx, stringOption(task, 'currency', 'USD'), data as Balances)) refresh();
    };
  return {
    name,
    watch: (ex: Exchange) => (name === 'balance' ? ex.watchBalance() : ex.watchPositions()),
    apply,
    gapFill: () => ctx.runTask(taskName),
    ownsClient: (url) => isPrivateClient(url),
    isStalled: () => false,
    readyWithoutData: true,
    onError: (ex) => forgetListenKey(ex),
  };
}

/** Merges pushed positions into `{symbol: position}` (what `t_get_open_positions` keeps). */
function applyPositions(ctx: StreamContext, attr: string, pushed: readonly Position[]): void {
  const held = { ...(ctx.state.get<Record<string, Position> | null>(attr) ?? {}) };
  for (const p of pushed) {
    if (typeof p.symbol !== 'string') continue;
    const contracts = Math.abs(p.contracts ?? 0);
    if (!(contracts > 0)) {
      delete held[p.symbol];
      continue;
    }
    const defined = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined && v !== null)) as Partial<Position>;
    held[p.symbol] = { ...(held[p.symbol] ?? {}), ...defined, contracts } as Position;
  }
  ctx.state.set(attr, held, WS_SOURCE);
}

/** Applies a complete pushed balance (`t_update_balance`'s attributes); false when it is not complete. */
function applyBalance(ctx: StreamContext, currency: string, b: Balances): boolean {
  const total = (b.total as unknown as Record<string, unknown> | undefined)?.[currency];
  const free = (b.free as unknown as Record<string, unknown> | undefined)?.[currency];
  if (typeof total !== 'number' || typeof free !== 'number' || !Number.isFinite(total) || !Number.isFinite(free)) return false;
  ctx.state.set('total_capital', total, WS_SOURCE);
  ctx.state.set('free_capital', free, WS_SOURCE);
  return true;
}
