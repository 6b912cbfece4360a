import { inspect } from 'node:util';
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

  it('an Order is read-only to the strategy: a write throws and what is sent is what push journaled (review 25-B F8)', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const updater = await misso.Updater.fromConfig(
      { class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {} }, tasks: { t_update_tickers: { freq: 5 }, t_execute_orders: {} } },
      { clock, logger: silentLogger() },
    );
    await updater.start();
    await clock.advance(10);
    const last = updater.state.get<Record<string, number>>('last_price')['BTC/USD:USD']!;
    const price = Math.round(last * 0.9);
    const order = updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price, params: { timeInForce: 'GTC' } });
    const writes: [string, unknown][] = [['price', 12345.6789], ['amount', 1.23456789], ['filled', 1], ['remaining', 0], ['id', 'x'], ['status', 'canceled'], ['attempts', 9], ['reason', 'poked']];
    for (const [field, value] of writes) {
      expect(() => ((order as unknown as Record<string, unknown>)[field] = value), field).toThrow(TypeError);
    }
    expect(() => ((order.params as Record<string, unknown>)['timeInForce'] = 'IOC')).toThrow(TypeError);
    for (const mutator of ['transition', 'parseUpdate', 'restore']) expect(mutator in order, mutator).toBe(false);
    // @ts-expect-error price is read-only in the type too
    expect(() => (order.price = 1)).toThrow(TypeError);
    await clock.advanceUntil(() => order.status === 'open', 30_000, 100);
    const sent = await updater.exchange.fetchOrder(order.id!, 'BTC/USD:USD');
    expect({ price: sent.price, amount: sent.amount, timeInForce: sent.timeInForce }).toEqual({ price, amount: 0.01, timeInForce: 'GTC' });
    expect(order).toMatchObject({ price, amount: 0.01, filled: 0, status: 'open', attempts: 1, reason: null });
    // console.log still shows every field, getters included.
    expect(inspect(order)).toContain(`status: 'open'`);
    expect(inspect(order)).toContain(`price: ${price}`);
    await updater.stop();
  });
});
