import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SystemClock, VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import type { Order } from '../../src/orders/order.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { SimVenue } from '../../src/sim/venue.js';
import { playDay, startWhere, type VenueTrial } from '../support/venue-start.js';

/**
 * Trigger orders end to end over `ccxt.binanceusdm` → misso sim-server, where ccxt places them
 * through Binance's algo-order API: the Updater journals them, places them, tracks them while
 * they wait (id `algo:<algoId>`), follows each to the regular order it becomes when it triggers,
 * and records its fills. The venue runs on its own virtual clock, moved ahead by the test.
 */
const SYMBOL = 'ETH/USD:USD';
const dir = mkdtempSync(join(tmpdir(), 'misso-triggers-'));
const servers: SimServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A server whose venue starts now, or, for a test that moves the market, at the first hour whose
 * day does on a twin venue what the test waits for (see `startWhere`).
 */
async function startServer(
  faults?: string,
  trial?: (t: VenueTrial) => Promise<boolean>,
): Promise<{ server: SimServer; venue: SimVenue; venueClock: VirtualClock }> {
  const venueClock = new VirtualClock(trial ? await startWhere({ seed: 43 }, SYMBOL, trial) : Date.now());
  const venue = new SimVenue({ seed: 43, clock: venueClock });
  const server = await startSimServer({ port: 0, venue, clock: new SystemClock(), ...(faults ? { faults } : {}) });
  servers.push(server);
  return { server, venue, venueClock };
}

function makeUpdater(server: SimServer, name: string): Promise<Updater> {
  return Updater.fromConfig(
    {
      exchange: {
        id: 'binanceusdm',
        apiKey: '${SIM_KEY}',
        secret: '${SIM_SECRET}',
        urls: { api: server.url },
        options: { fetchCurrencies: false, fetchOpenOrders: { warnWithoutSymbol: false } },
        timeout_ms: 2000,
      },
      storage: { path: join(dir, `${name}.db`) },
      orders: { on_stop: 'leave', require_fresh_price: false, visibility_window_secs: 3 },
      class_attributes: { subaccount: name, watch_list: [SYMBOL], last_price: {} },
      tasks: {
        t_update_tickers: { name: 'update_tickers', freq: 1 },
        t_execute_orders: { name: 'execute_orders', freq: 5 },
        t_update_open_orders: { name: 'update_open_orders', freq: 1 },
        t_get_open_orders: { name: 'get_open_orders', freq: 1 },
        t_update_fills: { name: 'update_fills', freq: 1 },
      },
    },
    { env: { SIM_KEY: 'misso-sim-key', SIM_SECRET: 'misso-sim-secret' }, logger: silentLogger(), initAttempts: 20 },
  );
}

async function waitFor(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
}

const filledByFills = (u: Updater, o: Order): number => u.orders.fillsOf(o).reduce((s, f) => s + f.amount, 0);

const onTwin = (t: VenueTrial, o: { clientOrderId: string }): ReturnType<SimVenue['getOrder']> => t.venue.getOrder(o);

/** The first test's three trigger orders on a twin venue: each triggers and fills within a day. */
async function triggersFillWithinADay(t: VenueTrial): Promise<boolean> {
  const qty = t.qty(300);
  const placed = [
    t.venue.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'market', amount: qty, triggerPrice: t.px(0.996), triggerKind: 'stop' }),
    t.venue.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', amount: qty, price: t.px(1.006), triggerPrice: t.px(1.004), triggerKind: 'stop' }),
    t.venue.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'market', amount: qty, triggerPrice: t.px(1.005), triggerKind: 'take_profit' }),
  ];
  return playDay(t.clock, () => placed.every((o) => onTwin(t, o).status === 'closed'));
}

/**
 * The last test's stop-limit on a twin venue: it triggers within a day and then rests unfilled.
 * A single 10 s step can reach the trigger and the limit 1.3 % below it at once (a step stretched
 * to the day's high): on such a day the order fills as it triggers.
 */
async function stopLimitRestsAfterTrigger(t: VenueTrial): Promise<boolean> {
  const placed = t.venue.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', amount: t.qty(300), price: t.px(0.99), triggerPrice: t.px(1.003), triggerKind: 'stop' });
  if (!(await playDay(t.clock, () => onTwin(t, placed).triggered))) return false;
  const o = onTwin(t, placed);
  return o.status === 'open' && o.filled === 0;
}

describe('order kinds on binanceusdm through the Updater', () => {
  it('stop-market, stop-limit and take-profit orders wait, trigger, become regular orders and fill, each exactly once', async () => {
    const { server, venue, venueClock } = await startServer(undefined, triggersFillWithinADay);
    const updater = await makeUpdater(server, 'triggers');
    try {
      await updater.start();
      const last = venue.ticker(SYMBOL).last;
      const px = (f: number): number => Number(updater.exchange.priceToPrecision(SYMBOL, last * f));
      const qty = Number(updater.exchange.amountToPrecision(SYMBOL, 300 / last));
      const orders: Order[] = [
        updater.pendingOrders.push({ symbol: SYMBOL, side: 'sell', amount: qty, type: 'market', params: { stopLossPrice: px(0.996) } }),
        updater.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: qty, price: px(1.006), params: { triggerPrice: px(1.004) } }),
        updater.pendingOrders.push({ symbol: SYMBOL, side: 'sell', amount: qty, type: 'market', params: { takeProfitPrice: px(1.005) } }),
      ];
      await waitFor(() => orders.every((o) => o.status === 'open'), 10_000);
      expect(orders.map((o) => o.status)).toEqual(['open', 'open', 'open']);
      for (const o of orders) {
        expect(o.id).toMatch(/^algo:\d+$/);
        expect(venue.getOrder({ clientOrderId: o.clientOrderId })).toMatchObject({ triggered: false, status: 'open' });
      }
      expect(server.counters.snapshot().requests['POST /fapi/v1/algoOrder']).toBe(3);
      // Waiting for their triggers they stay open: not lost, not closed by a poll or a listing.
      await new Promise((r) => setTimeout(r, 2500));
      expect(orders.map((o) => [o.status, o.lost])).toEqual([['open', false], ['open', false], ['open', false]]);

      for (let i = 0; i < 8640 && !orders.every((o) => venue.getOrder({ clientOrderId: o.clientOrderId }).status === 'closed'); i++) {
        await venueClock.advance(10_000);
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 30));
      }
      await waitFor(() => orders.every((o) => o.status === 'closed' && filledByFills(updater, o) >= o.filled - 1e-9), 20_000);
      for (const o of orders) {
        const onVenue = venue.listOrders().filter((v) => v.clientOrderId === o.clientOrderId);
        expect(onVenue).toHaveLength(1);
        expect(onVenue[0]).toMatchObject({ triggered: true, status: 'closed' });
        // Its id is now the regular order's, the one its trades name.
        expect(o).toMatchObject({ status: 'closed', id: onVenue[0]!.id });
        expect(o.filled).toBeCloseTo(qty, 9);
        expect(filledByFills(updater, o)).toBeCloseTo(o.filled, 9);
      }
      expect(server.counters.snapshot().requests['POST /fapi/v1/algoOrder']).toBe(3);
      expect(server.counters.snapshot().requests['POST /fapi/v1/order'] ?? 0).toBe(0);
      // The user stream ran alongside (its ALGO_UPDATEs folded like the polled answers).
      expect(server.counters.snapshot().requests['POST /fapi/v1/listenKey']).toBeGreaterThan(0);
    } finally {
      await updater.stop();
    }
  }, 90_000);

  it('a lost placement answer is resolved by looking up the algo order, with no duplicate; cancel and the next start find it too', async () => {
    const { server, venue } = await startServer('lost:1:path=algoOrder:method=POST:calls=1');
    const updater = await makeUpdater(server, 'lost');
    let kept: Order;
    let lost: Order;
    try {
      await updater.start();
      const last = venue.ticker(SYMBOL).last;
      const px = (f: number): number => Number(updater.exchange.priceToPrecision(SYMBOL, last * f));
      const qty = Number(updater.exchange.amountToPrecision(SYMBOL, 300 / last));
      lost = updater.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: qty, type: 'market', params: { triggerPrice: px(1.05) } });
      kept = updater.pendingOrders.push({ symbol: SYMBOL, side: 'sell', amount: qty, price: px(1.1), params: { takeProfitPrice: px(1.09) } });
      await waitFor(() => lost.status === 'open' && kept.status === 'open', 15_000);
      expect(server.counters.faultCount('lost')).toBe(1);
      expect(lost).toMatchObject({ status: 'open', attempts: 1 });
      expect(lost.id).toMatch(/^algo:\d+$/);
      expect(venue.listOrders().filter((o) => o.clientOrderId === lost.clientOrderId)).toHaveLength(1);
      expect(server.counters.snapshot().requests['POST /fapi/v1/algoOrder']).toBe(2);

      const result = await updater.orders.cancel(lost);
      expect(result).toMatchObject({ outcome: 'canceled', status: 'canceled' });
      expect(venue.getOrder({ clientOrderId: lost.clientOrderId }).status).toBe('canceled');
      expect(server.counters.snapshot().requests['DELETE /fapi/v1/algoOrder']).toBe(1);
    } finally {
      await updater.stop();
    }

    // A trigger order placed by hand meanwhile, and the next start's reconciliation: ours stays
    // ours and open, the unknown one is adopted under its algo id, nothing is sent again.
    const last = venue.ticker(SYMBOL).last;
    const market = venue.market(SYMBOL);
    const byHand = venue.placeOrder({
      symbol: SYMBOL,
      side: 'sell',
      type: 'market',
      amount: venue.getOrder({ clientOrderId: kept!.clientOrderId }).amount,
      triggerPrice: Math.round((last * 0.9) / market.tickSize) * market.tickSize,
      triggerKind: 'stop',
      clientOrderId: 'by-hand-1',
    });
    const second = await makeUpdater(server, 'lost');
    try {
      await second.start();
      const ours = second.orders.orders.find((o) => o.clientOrderId === kept!.clientOrderId);
      expect(ours).toMatchObject({ status: 'open', id: kept!.id, adopted: false });
      const adopted = second.orders.orders.find((o) => o.clientOrderId === 'by-hand-1');
      expect(adopted).toMatchObject({ status: 'open', adopted: true });
      expect(adopted!.id).toMatch(/^algo:\d+$/);
      expect(byHand.triggered).toBe(false);
      expect(server.counters.snapshot().requests['POST /fapi/v1/algoOrder']).toBe(2);
      expect(second.orders.orders.find((o) => o.clientOrderId === lost!.clientOrderId)?.status ?? 'canceled').toBe('canceled');
    } finally {
      await second.stop();
    }
  }, 60_000);

  it('a crossing post-only order fails at once as OrderImmediatelyFillable (Binance -5022), sent once, and a resting one opens', async () => {
    const { server, venue } = await startServer();
    const updater = await makeUpdater(server, 'post-only');
    try {
      await updater.start();
      const last = venue.ticker(SYMBOL).last;
      const px = (f: number): number => Number(updater.exchange.priceToPrecision(SYMBOL, last * f));
      const qty = Number(updater.exchange.amountToPrecision(SYMBOL, 300 / last));
      const crossing = updater.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: qty, price: px(1.01), params: { postOnly: true } });
      const resting = updater.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: qty, price: px(0.95), params: { postOnly: true } });
      await waitFor(() => crossing.status !== 'pending' && resting.status !== 'pending', 10_000);
      expect(crossing).toMatchObject({ status: 'failed', attempts: 1 });
      expect(crossing.reason).toMatch(/^OrderImmediatelyFillable: .*-5022/);
      expect(resting.status).toBe('open');
      expect(server.counters.snapshot().requests['POST /fapi/v1/order']).toBe(2);
      expect(venue.listOrders().map((o) => o.clientOrderId)).toEqual([resting.clientOrderId]);
    } finally {
      await updater.stop();
    }
  }, 30_000);

  it('a triggered stop-limit order that rests is cancelled as the regular order it became', async () => {
    const { server, venue, venueClock } = await startServer(undefined, stopLimitRestsAfterTrigger);
    const updater = await makeUpdater(server, 'cancel-triggered');
    try {
      await updater.start();
      const last = venue.ticker(SYMBOL).last;
      const px = (f: number): number => Number(updater.exchange.priceToPrecision(SYMBOL, last * f));
      const qty = Number(updater.exchange.amountToPrecision(SYMBOL, 300 / last));
      // Triggers on the way up, then rests below the market.
      const order = updater.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: qty, price: px(0.99), params: { stopLossPrice: px(1.003) } });
      await waitFor(() => order.status === 'open', 10_000);
      const onVenue = (): ReturnType<SimVenue['getOrder']> => venue.getOrder({ clientOrderId: order.clientOrderId });
      for (let i = 0; i < 8640 && !onVenue().triggered; i++) await venueClock.advance(10_000);
      expect(onVenue()).toMatchObject({ triggered: true, status: 'open', filled: 0 });
      const result = await updater.orders.cancel(order);
      expect(result).toMatchObject({ outcome: 'canceled', status: 'canceled' });
      expect(onVenue().status).toBe('canceled');
      expect(order.id).toBe(onVenue().id);
      expect(server.counters.snapshot().requests['DELETE /fapi/v1/order']).toBe(1);
    } finally {
      await updater.stop();
    }
  }, 60_000);
});
