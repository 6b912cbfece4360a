import type { Exchange, Trade } from 'ccxt';
import { coerceError, StoppedError } from '../core/errors.js';
import { owesFills, type CcxtTradeLike } from '../orders/fills.js';
import type { Order } from '../orders/order.js';
import { forgetListenKey, isPrivateClient } from './account-streams.js';
import { newestTime } from './stream-lag.js';
import type { StreamSpec } from './stream-loop.js';
import { WS_SOURCE, type StreamContext } from './stream-context.js';

/**
 * After a REST answer moved an order's `filled` ahead of its stored fills, the first look for its
 * trades, and the longest wait between looks; REST may lag the matching engine for a while.
 */
const OWED_FIRST_MS = 1_000;
const OWED_MAX_MS = 30_000;
const OWED_TRIES = 8;

/** How long a trade of an order we do not know yet is held, waiting for the order's id. */
const PENDING_MS = 10 * 60_000;
const PENDING_MAX = 10_000;

/**
 * The own-trades stream: ccxt's `watchMyTrades`, each trade fed to the order manager's one fill
 * entry (`applyFill`), which stores it once per symbol and trade id, so a trade seen here, in the orders
 * stream's fill and by a REST `fetchMyTrades` sync counts once. Binance sends a trade before the
 * order update of the same event, and a fill can come before `createOrder`'s answer: a trade whose
 * order is not known yet is held and applied as soon as an order with that exchange id appears.
 * After a reconnection the gap is filled by REST (`fetchMyTrades` for orders whose `filled` is
 * ahead of their stored fills).
 */
export function tradesStream(ctx: StreamContext, closedTradesAttr: string | undefined): StreamSpec<Trade[]> {
  /** exchange order id → trades waiting for it, with when they arrived. */
  const pending = new Map<string, { at: number; trades: CcxtTradeLike[] }>();
  let held = 0;
  const touch = (): void => {
    if (closedTradesAttr) ctx.state.touch(closedTradesAttr, WS_SOURCE);
  };
  const hold = (trade: CcxtTradeLike): void => {
    const key = String(trade.order);
    const now = ctx.clock.now();
    for (const [id, entry] of pending) {
      if (now - entry.at <= PENDING_MS && held < PENDING_MAX) break;
      pending.delete(id);
      held -= entry.trades.length;
      ctx.logger.debug({ order: id, trades: entry.trades.length }, 'streamed trades of an order never seen (not ours) dropped');
    }
    const entry = pending.get(key) ?? { at: now, trades: [] };
    entry.trades.push(trade);
    pending.set(key, entry);
    held++;
  };
  ctx.orders.on('order', (order) => {
    if (order.id === null || pending.size === 0) return;
    const entry = pending.get(order.id);
    if (!entry) return;
    pending.delete(order.id);
    held -= entry.trades.length;
    try {
      ctx.orders.applyFills(entry.trades, 'relaxed');
    } catch (error: unknown) {
      // Not stored (a full disk; the journal reports it): held again, and the fills sync takes
      // them too, since the order's filled is ahead of its stored fills.
      pending.set(order.id, entry);
      held += entry.trades.length;
      ctx.logger.warn({ order: order.id, trades: entry.trades.length, err: coerceError(error).message }, 'held trades of an order could not be stored; held again');
      return;
    }
    touch();
  });
  // Fills owed: an order whose `filled` a REST answer moved (a poll, a resolver's lookup after a
  // lost createOrder answer, a gap fill) has trades the stream will never deliver, since they
  // happened while it was away or before the order was known. While the streams are healthy the
  // fills task only reconciles every `reconcile_secs`; so they are looked up here, with backoff,
  // until they are stored (REST may show them late).
  const owed = new Set<Order>();
  let chasing = false;
  // Trades held here for an order (their write was refused) are applied at its next change, not read again.
  const stillOwed = (o: Order): boolean =>
    !(o.id !== null && pending.has(o.id)) && owesFills(o.filled, ctx.orders.fillsOf(o).reduce((sum, f) => sum + f.amount, 0));
  const chase = async (): Promise<void> => {
    chasing = true;
    try {
      let wait = OWED_FIRST_MS;
      for (let i = 0; i < OWED_TRIES && owed.size > 0; i++) {
        if (!(await ctx.sleep(wait))) return;
        for (const o of owed) if (!stillOwed(o)) owed.delete(o);
        if (owed.size === 0) return;
        const synced = await ctx.orders.syncFills().then(
          () => true,
          (error: unknown) => {
            // The engine stopping: its journal closes next, nothing more to look up.
            if (error instanceof StoppedError) return false;
            ctx.logger.warn({ err: coerceError(error).message }, 'fills sync for orders owed fills failed; trying again');
            return true;
          },
        );
        if (!synced) return;
        for (const o of owed) if (!stillOwed(o)) owed.delete(o);
        touch();
        wait = Math.min(wait * 2, OWED_MAX_MS);
      }
      // Left to the fills task's next pass.
      owed.clear();
    } finally {
      chasing = false;
    }
  };
  ctx.orders.on('order', (order, change) => {
    if (change.kind.startsWith('ws') || change.kind.startsWith('fill') || order.filled <= 0 || !stillOwed(order)) return;
    owed.add(order);
    if (!chasing) {
      chase().catch((error: unknown) => {
        // Run beside the stream, awaited by nothing: a throw here must not end the process.
        owed.clear();
        ctx.logger.warn({ err: coerceError(error).message }, 'chasing the fills owed failed; the fills task reconciles them');
      });
    }
  });
  return {
    name: 'trades',
    watch: (ex: Exchange) => ex.watchMyTrades(),
    // A fill's time (Binance's transaction time `T`).
    eventTime: (trades) => newestTime(trades, (t) => t.timestamp),
    merge: (deliveries) => deliveries.flat(),
    apply: (trades) => {
      // One journal transaction per delivery, not one per fill, and it does not wait for the
      // disk: the exchange can tell a fill again (see Durability), a burst's latency is the point.
      const mine = trades.map((raw) => withRealizedPnl(raw as unknown as CcxtTradeLike));
      const results = ctx.orders.applyFills(mine, 'relaxed');
      mine.forEach((trade, i) => {
        if (results[i] === 'unmatched') hold(trade);
      });
      touch();
    },
    gapFill: async () => {
      await ctx.orders.syncFills();
      touch();
    },
    ownsClient: (url) => isPrivateClient(url),
    // A user stream has no heartbeat: silence is normal; the orders stream watches the connection.
    isStalled: () => false,
    readyWithoutData: true,
    onError: (ex) => forgetListenKey(ex),
  };
}

/**
 * Binance's user stream names a fill's realised PnL `rp` where its REST trades say
 * `realizedPnl` (what the fill store reads): the same figure, under the REST name.
 */
function withRealizedPnl(trade: CcxtTradeLike): CcxtTradeLike {
  const info = trade.info as Record<string, unknown> | null | undefined;
  if (!info || typeof info !== 'object' || info['realizedPnl'] !== undefined || info['rp'] === undefined) return trade;
  return { ...trade, info: { ...info, realizedPnl: info['rp'] } };
}
