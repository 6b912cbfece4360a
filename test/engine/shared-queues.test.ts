import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { FifoQueue, QueueEmptyError, QueueFullError } from '../../src/engine/fifo-queue.js';
import type { Updater } from '../../src/engine/updater.js';
import { PendingOrderQueue } from '../../src/orders/pending-orders.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// Review 26 (seed) F1: every `{modul: queue, function: Queue}` was the order queue, so an
// order-shaped message a strategy put in its own "signals" queue was placed on the exchange.
// In the seed each name had its own `queue.Queue()`; only `pending_orders` is the order queue.

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

const config = (shared: Record<string, unknown>) => ({
  class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {} },
  shared_attributes: shared,
  exchange: { id: 'sim', stream: 'off' },
  tasks: { t_update_tickers: { freq: 1 }, t_execute_orders: { freq: 0.5 } },
});

describe('a queue under another name than pending_orders', () => {
  it('is a queue of its own: an order-shaped entry in it is never sent', async () => {
    const { updater, clock } = await virtualUpdater(config({
      pending_orders: { modul: 'queue', function: 'Queue' },
      signals: { modul: 'queue', function: 'Queue' },
      bounded: { modul: 'queue', function: 'Queue', args: [2] },
    }));
    current = updater;
    await startVirtual(updater, clock);
    const signals = updater.state.get('signals') as unknown as FifoQueue;
    expect(signals).toBeInstanceOf(FifoQueue);
    expect(signals).not.toBe(updater.pendingOrders);
    expect(updater.state.get('pending_orders')).toBeInstanceOf(PendingOrderQueue);
    expect(updater.state.get('bounded')).not.toBe(signals);
    signals.put_nowait([null, 0.01, 20_000, 'buy', 'BTC/USD:USD']);
    await clock.advance(3_000);
    const venue = updater.exchange as unknown as SimExchange;
    expect(await venue.fetchOpenOrders()).toEqual([]);
    expect(signals.qsize()).toBe(1);
    expect(signals.get_nowait()).toEqual([null, 0.01, 20_000, 'buy', 'BTC/USD:USD']);
    // The order queue still sends what it is given.
    updater.pendingOrders.put([null, 0.01, 20_000, 'buy', 'BTC/USD:USD']);
    await clock.advance(3_000);
    expect((await venue.fetchOpenOrders()).map((o) => [o.symbol, o.amount])).toEqual([['BTC/USD:USD', 0.01]]);
  });

  it("behaves as Python's queue.Queue: FIFO, get waits for a put, a bound refuses put_nowait and holds put", async () => {
    const q = new FifoQueue<number>(2);
    expect(() => q.get_nowait()).toThrow(QueueEmptyError);
    const waiting = q.get();
    q.put_nowait(1);
    expect(await waiting).toBe(1);
    expect(q.empty()).toBe(true);
    q.put_nowait(2);
    q.put_nowait(3);
    expect(q.full()).toBe(true);
    expect(() => q.put_nowait(4)).toThrow(QueueFullError);
    let added = false;
    const put = q.put(5).then(() => (added = true));
    await Promise.resolve();
    expect(added).toBe(false);
    expect(q.get_nowait()).toBe(2);
    await put;
    expect(added).toBe(true);
    expect([q.get_nowait(), q.get_nowait(), q.qsize()]).toEqual([3, 5, 0]);
    expect(() => new FifoQueue(-1)).toThrow(TypeError);
  });

  it('misso check refuses arguments the order queue does not take and a maxsize that is no whole number', async () => {
    const error = await virtualUpdater(config({
      pending_orders: { modul: 'queue', function: 'Queue', args: [10] },
      signals: { modul: 'queue', function: 'Queue', args: ['ten'] },
      more: { modul: 'queue', function: 'Queue', args: [1, 2] },
    })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => [p.path, p.message])).toEqual([
      ['shared_attributes.more.args', 'Queue takes one argument, its maxsize (a whole number, 0: unbounded), got [1,2]'],
      ['shared_attributes.pending_orders.args', 'the order queue takes no arguments'],
      ['shared_attributes.signals.args', 'Queue takes one argument, its maxsize (a whole number, 0: unbounded), got ["ten"]'],
    ]);
  });
});
