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

  it('pendingOrders takes orders and counts them: taking one out, putting one back and closing are not the strategy\'s (review 25-B F2)', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const updater = await misso.Updater.fromConfig(
      { class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {} }, tasks: { t_update_tickers: { freq: 5 } } },
      { clock, logger: silentLogger() },
    );
    await updater.start();
    const queue = updater.pendingOrders;
    const members = (o: object): string[] => Object.getOwnPropertyNames(Object.getPrototypeOf(o)).filter((n) => n !== 'constructor').sort();
    expect(members(queue)).toEqual(['empty', 'push', 'pushOrRefuse', 'put', 'put_nowait', 'qsize', 'size', 'toArray']);
    // The seed's strategies read it as the shared attribute: the same queue.
    expect(updater.state.get('pending_orders')).toBe(queue);
    for (const internal of ['shift', 'unshift', 'restore', 'remove', 'enqueue', 'close', 'closed', 'waitForItem', 'handleActions', 'on', 'emit']) {
      expect(internal in queue, internal).toBe(false);
    }
    // @ts-expect-error the executor's, not in the type either
    expect(() => queue.shift()).toThrow(TypeError);
    const order = queue.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 10, price: 1 });
    expect(queue.size).toBe(1);
    expect(queue.toArray()).toEqual([order]);
    await updater.stop();
  });
});
