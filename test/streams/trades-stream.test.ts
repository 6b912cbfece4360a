/**
 * Fills by `watchMyTrades`: every streamed trade goes through the order manager's one fill
 * entry, deduplicated by trade id, so fills seen by the orders stream, the trades stream and a
 * REST `fetchMyTrades` count once; a trade of an order whose id we do not know yet is held
 * until the order is known, not lost. In-process sim, virtual time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../src/core/clock.js';
import type { Updater } from '../../src/engine/updater.js';
import type { Order } from '../../src/orders/order.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';

function sim(u: Updater): SimExchange {
  return (u.session as unknown as { instance: SimExchange }).instance;
}

function restCalls(u: Updater, method: string): number {
  return sim(u).counters().calls[method] ?? 0;
}

function fillSum(u: Updater, order: Order): number {
  return u.orders.fillsOf(order).reduce((n, f) => n + f.amount, 0);
}

describe('fills by watchMyTrades', () => {
  let updater: Updater | undefined;

  afterEach(async () => {
    await updater?.stop();
    updater = undefined;
  });

  async function start(knobs: Record<string, unknown> = {}): Promise<{ u: Updater; clock: VirtualClock }> {
    const built = await virtualUpdater({
      exchange: { id: 'sim', seed: 5, ...knobs },
      class_attributes: { watch_list: [BTC, ETH], last_price: {} },
      orders: { require_fresh_price: false },
      tasks: {
        t_update_tickers: { freq: 10 },
        t_execute_orders: {},
        t_update_open_orders: { freq: 120 },
        t_get_open_orders: { freq: 120 },
        t_update_fills: { freq: 120 },
      },
    });
    updater = built.updater;
    await startVirtual(built.updater, built.clock);
    await built.clock.advanceUntil(() => built.updater.streamStats().every((s) => s.fresh), 30_000);
    return { u: built.updater, clock: built.clock };
  }

  it('fills arrive by both user streams and count once: sum(fills) == filled, REST finds no new trade', async () => {
    const { u, clock } = await start();
    expect(u.streamStats().map((s) => s.name)).toContain('trades');
    const myTradesBefore = restCalls(u, 'fetchMyTrades');
    for (let i = 0; i < 3; i++) {
      u.pendingOrders.push({ symbol: ETH, side: 'buy', amount: 0.1, tag: `taker-${i}` });
      u.pendingOrders.push({ symbol: BTC, side: 'sell', amount: 0.01, tag: `taker-btc-${i}` });
    }
    // Resting buys just under the touch: they fill as the price walks, by the venue's own matching.
    const btc = await sim(u).fetchTicker(BTC);
    for (let i = 0; i < 3; i++) u.pendingOrders.push([`rest-${i}`, 0.01, Number((btc.bid! - i * 0.5).toFixed(1)), 'buy', BTC]);
    await clock.advanceUntil(() => u.orders.orders.filter((o) => o.filled > 0).length >= 7, 300_000, 100);

    const filled = u.orders.orders.filter((o) => o.filled > 0);
    for (const order of filled) {
      expect(fillSum(u, order)).toBeCloseTo(order.filled, 9);
      const ids = u.orders.fillsOf(order).map((f) => f.tradeId);
      expect(new Set(ids).size).toBe(ids.length);
    }
    // The fills came by stream (t_update_fills polls every 120 s and had nothing to fetch).
    expect(restCalls(u, 'fetchMyTrades')).toBe(myTradesBefore);
    expect(u.state.meta('closed_trades')?.source).toBe('ws');
    // Every trade the venue reports is already stored: applied again (as a REST sync would), each is a duplicate.
    const total = u.journal.fills.all().length;
    for (const symbol of [BTC, ETH]) {
      for (const trade of await sim(u).fetchMyTrades(symbol)) {
        expect(u.orders.applyFill(trade as Parameters<Updater['orders']['applyFill']>[0])).toBe('duplicate');
      }
    }
    expect(u.journal.fills.all().length).toBe(total);
    for (const t of u.orders.closedTrades) {
      const order = u.orders.orders.find((o) => o.clientOrderId === t.clientOrderId)!;
      expect(t.filled).toBeCloseTo(fillSum(u, order), 9);
    }
  });

  it("a trade of an order whose id is not known yet is held, then applied once the order is known", async () => {
    // The venue fills the market order but the answer is lost (the id stays unknown), and the
    // orders stream is silent: only the trade arrives, before anyone knows its order.
    const { u, clock } = await start();
    sim(u).setKnobs({ silent_streams: ['orders'], faults: [{ kind: 'timeout_after', methods: ['createOrder'], calls: [1, 1] }] });
    const myTradesBefore = restCalls(u, 'fetchMyTrades');
    u.pendingOrders.push({ symbol: ETH, side: 'buy', amount: 0.2, tag: 'lost-answer' });
    await clock.advanceUntil(() => u.orders.orders.some((o) => o.symbol === ETH && o.status === 'closed'), 120_000, 50);
    const order = u.orders.orders.find((o) => o.symbol === ETH)!;
    expect(order.filled).toBe(0.2);
    await clock.advanceUntil(() => fillSum(u, order) > 0, 10_000, 50);
    expect(fillSum(u, order)).toBeCloseTo(0.2, 9);
    expect(restCalls(u, 'fetchMyTrades')).toBe(myTradesBefore);
  });

  it('held trades that cannot be stored when their order becomes known (writes refused) are held again, not dropped', async () => {
    const { u, clock } = await start();
    sim(u).setKnobs({ silent_streams: ['orders'], faults: [{ kind: 'timeout_after', methods: ['createOrder'], calls: [1, 1] }] });
    const myTradesBefore = restCalls(u, 'fetchMyTrades');
    // The journal stops taking writes (as on a read-only volume) as the order becomes known:
    // after its own write, before its held trades'.
    const writes = (on: boolean): void => void u.journal.db.pragma(`query_only = ${on ? 0 : 1}`);
    let refused = false;
    u.orders.prependListener('order', (o) => {
      if (o.symbol !== ETH || o.id === null || refused) return;
      refused = true;
      writes(false);
    });
    const order = u.pendingOrders.push({ symbol: ETH, side: 'buy', amount: 0.2, tag: 'lost-answer' });
    await clock.advanceUntil(() => order.status === 'closed', 120_000, 50);
    await clock.advance(1_000);
    expect(order.filled).toBe(0.2);
    expect(fillSum(u, order)).toBe(0);
    writes(true);
    // The next change of the order applies what was held again, with no REST read.
    u.orders.markProcessed(order);
    await clock.advanceUntil(() => fillSum(u, order) > 0, 10_000, 50);
    expect(fillSum(u, order)).toBeCloseTo(0.2, 9);
    expect(restCalls(u, 'fetchMyTrades')).toBe(myTradesBefore);
  });
});
