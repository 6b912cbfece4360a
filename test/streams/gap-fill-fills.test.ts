/**
 * An order that fills completely while the user stream is away (dropped, every redial refused),
 * through an unmodified ccxt.pro binanceusdm against misso sim-server. Its fill must be in the
 * journal once the stream is fresh again: the orders stream's gap fill learns the order closed,
 * and the trades stream's gap fill may have looked before that (it fetches the trades of orders
 * whose `filled` is ahead of their stored fills), so the orders gap fill reads them too. REST
 * reconciles at 120 s here, so it cannot hide a missed fill.
 */
import { describe, expect, it } from 'vitest';
import type { StreamStats } from '../../src/streams/stream-loop.js';
import { STREAM_SYMBOL as SYMBOL, streamingRig } from '../support/streaming-rig.js';
import { until } from '../support/wait.js';

describe('fills during a user-stream outage', () => {
  it('an order filled while the private stream was down has its fills in the journal when the stream is fresh again', async () => {
    const { server, updater, stream, close } = await streamingRig();
    const stats = (): StreamStats[] => updater.streamStats();
    try {
      await updater.start();
      await until(() => stats().every((s) => s.fresh), 10_000, 'fresh');
      const last = server.venue.ticker(SYMBOL).last;
      const px = Number(updater.exchange.priceToPrecision(SYMBOL, last * 0.9));
      const qty = Number(updater.exchange.amountToPrecision(SYMBOL, 50 / last));
      const order = updater.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: qty, price: px });
      await until(() => order.status === 'open' && order.id !== null, 10_000, 'open');
      await new Promise((r) => setTimeout(r, 500));
      const reconnects = stream('orders').reconnects;
      // The private stream drops and every redial is refused: the account stream is away.
      server.faults.set('wsdrop:calls=1:path=private,wsrefuse:path=private');
      await until(() => stream('orders').phase === 'down', 10_000, 'orders down');
      // Meanwhile the order fills on the exchange (another client of the account moves it).
      server.venue.amendOrder({ clientOrderId: order.clientOrderId }, { price: Number(updater.exchange.priceToPrecision(SYMBOL, last * 1.05)) });
      await until(() => server.venue.getOrder({ clientOrderId: order.clientOrderId }).status === 'closed', 10_000, 'filled on the venue');
      server.faults.clear();
      await until(() => stream('orders').reconnects > reconnects && stats().every((s) => s.fresh && s.phase === 'up'), 20_000, 'back');
      await until(() => order.status === 'closed', 10_000, 'closed in misso');
      const venueOrder = server.venue.getOrder({ clientOrderId: order.clientOrderId });
      expect(order.filled).toBeCloseTo(venueOrder.filled, 9);
      // Every fill of the venue is in the journal.
      expect(updater.orders.fillsOf(order).map((f) => f.tradeId)).toEqual(venueOrder.fills.map((f) => f.id));
    } finally {
      await close();
    }
  }, 60_000);
});
