import { describe, expect, it } from 'vitest';
import * as misso from '../../src/index.js';
import { silentLogger, VirtualClock } from '../../src/testing/index.js';

describe('the library entry point', () => {
  it('exports the updater and the parts a strategy uses', async () => {
    expect(typeof misso.Updater.fromFile).toBe('function');
    expect(typeof misso.Updater.fromConfig).toBe('function');
    const clock = new VirtualClock(1_700_000_000_000);
    const updater = await misso.Updater.fromConfig(
      { class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {} }, tasks: { t_update_tickers: { freq: 5 } } },
      { clock, logger: silentLogger() },
    );
    await updater.start();
    await clock.advance(10);
    expect(updater.state.get<Record<string, number>>('last_price')['BTC/USD:USD']).toBeGreaterThan(0);
    const order = updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 10, price: 1 });
    expect(order).toBeInstanceOf(misso.Order);
    expect(() => updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'hold' })).toThrow(misso.IntentError);
    await updater.stop();
    expect(updater.phase).toBe('stopped');
  });
});
