import type { Balances, Exchange, Order, Position } from 'ccxt';
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
 * A pushed account value (balance, positions): a push triggers the task's REST read at once
 * (pushes arriving meanwhile are coalesced, at most one read a second), so the value keeps its REST shape (Binance pushes only the wallet balance, not equity
 * or free margin) while it follows the account within a round trip instead of a period.
 */
export function accountPushStream(ctx: StreamContext, name: 'balance' | 'positions', taskName: string): StreamSpec<Balances | Position[]> {
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
  return {
    name,
    watch: (ex: Exchange) => (name === 'balance' ? ex.watchBalance() : ex.watchPositions()),
    apply: () => refresh(),
    gapFill: () => ctx.runTask(taskName),
    ownsClient: (url) => isPrivateClient(url),
    isStalled: () => false,
    readyWithoutData: true,
    onError: (ex) => forgetListenKey(ex),
  };
}
