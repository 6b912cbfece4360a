/**
 * Fills of an order the strategy marks processed. `t_update_fills` fetches the trades of orders
 * whose `filled` is ahead of their stored fills; a processed finished order leaves memory
 * `recently_closed_secs` after it closed, so the journal, not memory, says which orders are owed
 * fills. A market order (filled by its createOrder answer, no trade in it) that the strategy marks
 * processed at once, with `t_update_fills` every 60 s, must still get its fill journaled, or
 * `closed_trades` has no fees or PnL for it and the positions from fills are off.
 * REST only (stream off), in-process sim, virtual time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import type { Order } from '../../src/orders/order.js';
import { OrderRefError } from '../../src/orders/order-ref.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const BTC = 'BTC/USD:USD';

function sim(u: Updater): SimExchange {
  return (u.session as unknown as { instance: SimExchange }).instance;
}

describe('fills of orders marked processed', () => {
  let updater: Updater | undefined;
  afterEach(async () => {
    await updater?.stop();
    updater = undefined;
  });

  it('a filled order marked processed at once still gets its fills journaled by t_update_fills', async () => {
    const built = await virtualUpdater({
      exchange: { id: 'sim', seed: 11, stream: 'off' },
      class_attributes: { watch_list: [BTC], last_price: {} },
      orders: { require_fresh_price: false },
      tasks: {
        t_update_tickers: { freq: 10 },
        t_execute_orders: {},
        t_update_open_orders: { freq: 10 },
        t_update_fills: { freq: 60 },
      },
    });
    updater = built.updater;
    const { clock } = built;
    const u = built.updater;
    await startVirtual(u, clock);
    // A seed-style strategy: handles each finished order and marks it processed.
    u.orders.on('order', (o: Order) => {
      if (o.isFinal && !o.processed) queueMicrotask(() => u.orders.markProcessed(o));
    });
    const order = u.pendingOrders.push({ symbol: BTC, side: 'buy', amount: 0.001, type: 'market' });
    await clock.advanceUntil(() => order.status === 'closed', 30_000);
    expect(order.filled).toBe(0.001);
    await clock.advance(180_000);
    const venueFills = sim(u).getVenue().getOrder({ clientOrderId: order.clientOrderId }).fills.map((f) => f.id);
    expect(venueFills.length).toBeGreaterThan(0);
    expect(u.orders.fillsOf(order).map((f) => f.tradeId)).toEqual(venueFills);
    // Every ref cancel takes names the same fills, a journaled order's too; a typo is named.
    for (const ref of [order.clientOrderId, order.id!, Number(order.id)]) expect(u.orders.fillsOf(ref).map((f) => f.tradeId)).toEqual(venueFills);
    expect(() => u.orders.fillsOf('nope')).toThrow(OrderRefError);
  });
});
