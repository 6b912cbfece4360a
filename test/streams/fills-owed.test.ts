/**
 * Fills made while the user stream was away, learnt by REST after its gap fill (which reads the
 * trades of orders whose `filled` is ahead of their stored fills, once per reconnect). They must
 * still be journaled soon, while the streams stay healthy and the fills task only reconciles
 * every `reconcile_secs` (at least 300 s):
 * - REST lagging behind the matching engine (the sim-server's `visibility`: a new order and its
 *   trades are hidden for a while, as Binance's REST can lag) when the gap fill looked;
 * - an order whose createOrder answer was lost in the outage, resolved by client id after the
 *   stream came back (the gap fill saw it pending, with nothing owed).
 * Otherwise `closed_trades` has no fee or PnL for the order and the positions from fills are short.
 */
import { describe, expect, it } from 'vitest';
import type { StreamStats } from '../../src/streams/stream-loop.js';
import { STREAM_SYMBOL as SYMBOL, streamingRig } from '../support/streaming-rig.js';
import { until } from '../support/wait.js';

describe('fills during a user-stream outage, REST lagging', () => {
  it('a market order filled during the outage, whose trades REST shows only a moment later, has its fills journaled', async () => {
    const { server, updater, stream, close } = await streamingRig({ orders: { visibility_window_secs: 3 } });
    const stats = (): StreamStats[] => updater.streamStats();
    try {
      await updater.start();
      await until(() => stats().every((s) => s.fresh), 10_000, 'fresh');
      const last = server.venue.ticker(SYMBOL).last;
      const qty = Number(updater.exchange.amountToPrecision(SYMBOL, 50 / last));
      const reconnects = stream('trades').reconnects;
      // The user stream drops (reconnecting after its 0.5 s backoff); REST hides a new order and
      // its trades for 2 s, as Binance's REST can lag behind its matching engine.
      server.faults.set('wsdrop:calls=1:path=private,visibility:2000');
      await until(() => stream('trades').phase === 'down', 10_000, 'trades down');
      const order = updater.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: qty, type: 'market' });
      await until(() => order.status === 'closed', 10_000, 'market order closed (createOrder answer)');
      await until(() => stream('trades').reconnects > reconnects && stats().every((s) => s.fresh && s.phase === 'up'), 20_000, 'back');
      const venueOrder = server.venue.orderIgnoringDelay({ clientOrderId: order.clientOrderId });
      const stored = (): string[] => updater.orders.fillsOf(order).map((f) => f.tradeId);
      await until(() => stored().length >= venueOrder.fills.length, 10_000, 'its fills journaled');
      expect(stored()).toEqual(venueOrder.fills.map((f) => f.id));
    } finally {
      await close();
    }
  }, 60_000);
});

describe('fills during a user-stream outage, the order resolved after the gap fill', () => {
  it('a market order whose createOrder answer was lost in the outage, resolved after the stream came back, has its fills journaled', async () => {
    const { server, updater, stream, close } = await streamingRig({ exchange: { timeout_ms: 3000 } });
    const stats = (): StreamStats[] => updater.streamStats();
    try {
      await updater.start();
      await until(() => stats().every((s) => s.fresh), 10_000, 'fresh');
      const last = server.venue.ticker(SYMBOL).last;
      const qty = Number(updater.exchange.amountToPrecision(SYMBOL, 50 / last));
      const reconnects = stream('trades').reconnects;
      // The user stream is away, and the exchange executes the order but its answer never comes.
      server.faults.set('wsdrop:calls=1:path=private,wsrefuse:path=private,lost:calls=1:path=order:method=POST:as=hang');
      await until(() => stream('trades').phase === 'down', 10_000, 'trades down');
      const order = updater.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: qty, type: 'market' });
      await until(() => server.venue.listOrders({}).some((o) => o.clientOrderId === order.clientOrderId), 5_000, 'executed on the venue');
      // The stream comes back (and fills its gap) while the createOrder answer is still awaited.
      server.faults.set('lost:calls=1:path=order:method=POST:as=hang');
      await until(() => stream('trades').reconnects > reconnects && stats().every((s) => s.fresh && s.phase === 'up'), 20_000, 'back');
      expect(order.status).toBe('pending');
      // The request times out; the resolver finds the order filled.
      await until(() => order.status === 'closed', 20_000, 'resolved');
      const venueOrder = server.venue.getOrder({ clientOrderId: order.clientOrderId });
      expect(order.filled).toBeCloseTo(venueOrder.filled, 9);
      const stored = (): string[] => updater.orders.fillsOf(order).map((f) => f.tradeId);
      await until(() => stored().length >= venueOrder.fills.length, 10_000, 'its fills journaled');
      expect(stored()).toEqual(venueOrder.fills.map((f) => f.id));
    } finally {
      await close();
    }
  }, 60_000);
});
