import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const SYMBOL = 'BTC/USD:USD';

let updater: Updater | null = null;
afterEach(async () => {
  await updater?.stop();
  updater = null;
});

// With the streams healthy the tracker's REST pass (which used to be the only prune) comes at
// the reconcile period, minutes apart: a user saw `recentlyClosed` (status, metrics, dashboard)
// only ever grow, and finished orders the strategy had processed stay in open_orders.
describe('the recently-closed cache on the streams', () => {
  it('lets a finished order go after recently_closed_secs, and a processed one leaves open_orders, with no REST pass', async () => {
    const built = await virtualUpdater({
      class_attributes: { watch_list: [SYMBOL], last_price: {}, total_capital: 0, free_capital: 0, open_orders: {}, stop_updates: false },
      shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
      orders: { recently_closed_secs: 10 },
      tasks: {
        t_update_tickers: { name: 'update_tickers', freq: 10 },
        t_execute_orders: { name: 'execute_orders', freq: 5 },
        t_update_open_orders: { name: 'update_open_orders', freq: 5 },
      },
    });
    updater = built.updater;
    const { clock } = built;
    await startVirtual(updater, clock);
    await clock.advance(1000);
    const u = updater;
    const price = Math.round(u.state.get<Record<string, number>>('last_price')[SYMBOL]! * 0.8);
    const order = u.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: 0.01, price });
    await advanceWithIo(clock, () => order.status === 'open', 30_000);
    expect(u.streamStats().map((s) => [s.name, s.phase])).toContainEqual(['orders', 'up']);
    // Marked while still open: it stays in open_orders, open, until it finishes.
    u.orders.markProcessed(order);
    await clock.advance(16_000);
    expect(order.status).toBe('open');
    expect(Object.values(u.orders.openOrders).flat()).toContain(order);
    await u.orders.cancel(order);
    expect(order.status).toBe('canceled');
    expect(u.orders.stats().recentlyClosed).toBe(1);
    // The limit and one pruning period (5 s), well inside the 300 s reconcile.
    await clock.advance(16_000);
    expect(u.orders.stats().recentlyClosed).toBe(0);
    expect(Object.values(u.orders.openOrders).flat()).not.toContain(order);
  });
});
