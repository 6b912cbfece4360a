/**
 * `is_open_orders` while the user stream is healthy. The stream puts a new order in
 * `is_open_orders` at once; a REST refresh (a `t_get_open_orders` pass) whose answer does not
 * list it yet (Binance hides new orders from REST for a while: the sim-server's `visibility`
 * fault) must not drop it: nothing would list it again until the next refresh (300 s while the
 * stream is healthy). Against misso sim-server through ccxt.pro.
 */
import { describe, expect, it } from 'vitest';
import { STREAM_SYMBOL as SYMBOL, streamingRig } from '../support/streaming-rig.js';
import { until } from '../support/wait.js';

describe('is_open_orders after a REST refresh that does not list a new order yet', () => {
  it('keeps an order the stream showed open while REST does not list it yet (inside the visibility window)', async () => {
    const { server, updater, close } = await streamingRig({ orders: { visibility_window_secs: 3 } });
    server.faults.set('visibility:2000');
    const listed = (cid: string): boolean =>
      Object.values(updater.orders.isOpenOrders).some((e) => [...e.buys, ...e.sells].some((o) => o.clientOrderId === cid));
    try {
      await updater.start();
      await until(() => updater.streamStats().every((s) => s.fresh), 10_000, 'fresh');
      const last = server.venue.ticker(SYMBOL).last;
      const qty = Number(updater.exchange.amountToPrecision(SYMBOL, 50 / last));
      const order = updater.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: qty, price: Number(updater.exchange.priceToPrecision(SYMBOL, last * 0.9)) });
      // The stream's NEW puts it in is_open_orders; a t_get_open_orders pass lands at once,
      // while REST does not show it yet: inside the visibility window, it stays listed.
      await until(() => order.status === 'open' && listed(order.clientOrderId), 5_000, 'listed by the stream');
      await updater.orders.refreshIsOpenOrders();
      expect(listed(order.clientOrderId)).toBe(true);
      // Later passes, REST showing it: it rests on the exchange, and is listed.
      await new Promise((r) => setTimeout(r, 2_100));
      await updater.orders.updateOpenOrders();
      await updater.orders.refreshIsOpenOrders();
      expect(server.venue.getOrder({ clientOrderId: order.clientOrderId }).status).toBe('open');
      expect(order.status).toBe('open');
      expect(listed(order.clientOrderId)).toBe(true);
    } finally {
      await close();
    }
  }, 60_000);
});
