import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SystemClock, VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import type { ClosedTrade } from '../../src/orders/fills.js';
import type { Order } from '../../src/orders/order.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { SimVenue } from '../../src/sim/venue.js';
import { playDay, startWhere, type VenueTrial } from '../support/venue-start.js';

/**
 * Issue 11's fills proof over the wire: the Updater with `t_update_fills` against `misso
 * sim-server` through `ccxt.binanceusdm` (`GET /fapi/v1/userTrades`, `positionRisk`). The venue
 * runs on its own virtual clock, moved ahead by the test, with little liquidity per step so the
 * resting orders fill part by part.
 */
const SYMBOL = 'ETH/USD:USD';
const dir = mkdtempSync(join(tmpdir(), 'misso-fills-'));
const servers: SimServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The test's orders on a twin venue: within a day both resting orders fill completely (over
 * several steps: 4000 and 2500 USD at 400 USD a step), whatever day the test runs.
 */
async function ordersFillWithinADay({ venue, clock, px, qty }: VenueTrial): Promise<boolean> {
  const placed = [
    venue.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', amount: qty(4000), price: px(0.9995) }),
    venue.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'limit', amount: qty(2500), price: px(1.0005) }),
    venue.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amount: qty(600) }),
  ];
  const now = (): ReturnType<SimVenue['getOrder']>[] => placed.map((o) => venue.getOrder({ clientOrderId: o.clientOrderId }));
  return (await playDay(clock, () => now().every((o) => o.status === 'closed'))) && now().some((o) => o.fills.length > 1);
}

describe('fills and positions over ccxt.binanceusdm → misso sim-server', () => {
  it('each order\'s fills sum to its filled, and the positions from fills equal the exchange\'s', async () => {
    const options = { seed: 41, liquidityPerStepUsd: 400 };
    const venueClock = new VirtualClock(await startWhere(options, SYMBOL, ordersFillWithinADay));
    const venue = new SimVenue({ ...options, clock: venueClock });
    const server = await startSimServer({ port: 0, venue, clock: new SystemClock() });
    servers.push(server);
    const updater = await Updater.fromConfig(
      {
        exchange: {
          id: 'binanceusdm',
          apiKey: '${SIM_KEY}',
          secret: '${SIM_SECRET}',
          urls: { api: server.url },
          options: { fetchCurrencies: false, fetchOpenOrders: { warnWithoutSymbol: false } },
          timeout_ms: 2000,
        },
        storage: { path: join(dir, 'fills.db') },
        orders: { on_stop: 'leave', require_fresh_price: false, visibility_window_secs: 3 },
        class_attributes: { subaccount: 'fills', watch_list: [SYMBOL], last_price: {} },
        tasks: {
          t_update_tickers: { name: 'update_tickers', freq: 1 },
          t_execute_orders: { name: 'execute_orders', freq: 5 },
          t_update_open_orders: { name: 'update_open_orders', freq: 1 },
          t_update_fills: { name: 'update_fills', freq: 1 },
        },
      },
      { env: { SIM_KEY: 'misso-sim-key', SIM_SECRET: 'misso-sim-secret' }, logger: silentLogger(), initAttempts: 20 },
    );
    try {
      await updater.start();
      const last = venue.ticker(SYMBOL).last;
      const px = (f: number): number => Number(updater.exchange.priceToPrecision(SYMBOL, last * f));
      const qty = (usd: number): number => Number(updater.exchange.amountToPrecision(SYMBOL, usd / last));
      const orders: Order[] = [
        updater.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: qty(4000), price: px(0.9995) }),
        updater.pendingOrders.push({ symbol: SYMBOL, side: 'sell', amount: qty(2500), price: px(1.0005) }),
        updater.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: qty(600), type: 'market' }),
      ];
      const waitFor = async (done: () => boolean, ms: number): Promise<void> => {
        const end = Date.now() + ms;
        while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
      };
      await waitFor(() => orders.every((o) => o.status !== 'pending'), 10_000);
      // Move the market 10 s per tick until the resting orders are done (or a day went by).
      for (let i = 0; i < 8640 && !orders.every((o) => o.isFinal); i++) {
        await venueClock.advance(10_000);
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 30));
      }
      // Let the tasks poll the orders and fetch their fills.
      await waitFor(() => orders.every((o) => o.isFinal && updater.orders.fillsOf(o).reduce((s, f) => s + f.amount, 0) >= o.filled - 1e-9), 15_000);
      // On a loaded machine a fetch can time out: sync until every order's fills are in.
      const complete = (): boolean => orders.every((o) => updater.orders.fillsOf(o).reduce((s, f) => s + f.amount, 0) >= o.filled - 1e-9);
      for (let i = 0; i < 10 && !complete(); i++) await updater.orders.syncFills();
      expect(await updater.orders.checkPositions()).toEqual([]);

      let partial = 0;
      for (const o of orders) {
        expect(o.isFinal).toBe(true);
        const fills = updater.orders.fillsOf(o);
        expect(fills.reduce((s, f) => s + f.amount, 0)).toBeCloseTo(o.filled, 9);
        expect(fills.map((f) => f.tradeId)).toEqual(venue.getOrder({ clientOrderId: o.clientOrderId }).fills.map((f) => f.id));
        if (fills.length > 1) partial++;
      }
      expect(partial).toBeGreaterThanOrEqual(1);
      const onExchange = venue.positions([SYMBOL])[0];
      const signed = onExchange ? (onExchange.side === 'short' ? -onExchange.contracts : onExchange.contracts) : 0;
      expect(updater.orders.derivedPositions[SYMBOL] ?? 0).toBeCloseTo(signed, 9);
      const closed = updater.state.get<ClosedTrade[]>('closed_trades');
      expect(closed.map((t) => t.clientOrderId).sort()).toEqual(orders.filter((o) => o.filled > 0).map((o) => o.clientOrderId).sort());
      for (const t of closed) {
        expect(t.fees['USD']).toBeGreaterThan(0);
        expect(t.realizedPnl).not.toBeNull();
      }
    } finally {
      await updater.stop();
    }
  }, 90_000);
});
