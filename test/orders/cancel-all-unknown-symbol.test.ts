import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// Review (review-user): `orders.cancelAll({symbol: 'BTCUSDT'})` (and `DELETE
// /api/orders?symbol=BTCUSDT`, which answers 200 `{results: []}`) cancels nothing and reports
// success while a BTC/USD:USD order rests: an operator's mistyped panic button looks done.
// `pendingOrders.push` and `GET /api/candles/:symbol` refuse a symbol the exchange does not list.
let updater: Updater | null = null;
afterEach(async () => {
  await updater?.stop();
  updater = null;
});

describe('cancelAll with a symbol the exchange does not list', () => {
  it('refuses it instead of settling with nothing cancelled', async () => {
    const built = await virtualUpdater({
      class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {} },
      shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
      tasks: { t_update_tickers: { freq: 10, max_age_secs: 3600 }, t_execute_orders: { freq: 5 } },
    });
    updater = built.updater;
    await startVirtual(updater, built.clock);
    const u = updater;
    await advanceWithIo(built.clock, () => u.state.get<Record<string, number>>('last_price')['BTC/USD:USD'] !== undefined);
    const price = Math.round(u.state.get<Record<string, number>>('last_price')['BTC/USD:USD']! * 0.8);
    const order = u.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price });
    await advanceWithIo(built.clock, () => order.status === 'open', 30_000);
    await expect(u.orders.cancelAll({ symbol: 'BTCUSDT' })).rejects.toThrow(/BTCUSDT/);
  });
});
