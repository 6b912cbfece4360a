/**
 * The fills sync reads a symbol's trades from the oldest owed order's `opened_at` on, and an
 * order stays owed for 24 h after its last change. Binance's `userTrades` answers at most 7 days
 * from `startTime` (ccxt sets `endTime = since + 7 d` for linear markets when `since` is older
 * than a week). One owed order opened more than a week ago (a GTC limit that filled today, whose
 * trades were not stored) must not hide the symbol's later trades: the sync reads on, window by
 * window, past a short answer.
 * Sim-server (Binance face, honours startTime/endTime), system clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock, VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import { OrderJournal } from '../../src/orders/journal.js';
import { DEFAULT_SIM_API_KEY, DEFAULT_SIM_SECRET, startSimServer } from '../../src/sim/http/binance-server.js';
import { until } from '../support/wait.js';

const SYMBOL = 'ETH/USD:USD';
const DAY = 24 * 3_600_000;
const OPEN_AGO = 8 * DAY;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('fills sync with an owed order opened more than a week ago', () => {
  it('still journals the fills of a new order of the same symbol', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'old-owed-'));
    dirs.push(dir);
    const path = join(dir, 'journal.db');
    // A previous run's journal: a GTC buy opened 8 days ago, filled an hour ago, trades not stored.
    const now = Date.now();
    const journal = OrderJournal.open({ path, clock: new VirtualClock(now - OPEN_AGO), name: 'misso' });
    const old = journal.createIntent({ tag: null, symbol: SYMBOL, side: 'buy', type: 'limit', price: 1000, amount: 0.01, params: {} });
    journal.db
      .prepare(
        `UPDATE orders SET exchange_id = '987654321', status = 'closed', filled = 0.01, remaining = 0, average = 1000,
           submitted_at = ?, opened_at = ?, closed_at = ?, updated_at = ? WHERE client_order_id = ?`,
      )
      .run(now - OPEN_AGO, now - OPEN_AGO, now - 3_600_000, now - 3_600_000, old.clientOrderId);
    journal.close();

    const server = await startSimServer({ port: 0, seed: 41, clock: new SystemClock() });
    const updater = await Updater.fromConfig(
      {
        exchange: {
          id: 'binanceusdm', apiKey: '${SIM_KEY}', secret: '${SIM_SECRET}', urls: { api: server.url },
          options: { fetchCurrencies: false }, stream: 'off', rate_budget: { capacity: 100 },
        },
        class_attributes: { watch_list: [SYMBOL], last_price: {} },
        orders: { require_fresh_price: false },
        tasks: {
          t_update_tickers: { freq: 60 },
          t_execute_orders: {},
          t_update_open_orders: { freq: 60 },
          t_update_fills: { freq: 1 },
        },
      },
      { env: { SIM_KEY: DEFAULT_SIM_API_KEY, SIM_SECRET: DEFAULT_SIM_SECRET }, clock: new SystemClock(), logger: silentLogger(), storagePath: path },
    );
    try {
      await updater.start();
      const last = server.venue.ticker(SYMBOL).last;
      const qty = Number(updater.exchange.amountToPrecision(SYMBOL, 50 / last));
      const order = updater.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: qty, type: 'market' });
      await until(() => order.status === 'closed', 10_000, 'market order closed');
      const venueFills = server.venue.getOrder({ clientOrderId: order.clientOrderId }).fills.map((f) => f.id);
      expect(venueFills.length).toBeGreaterThan(0);
      // t_update_fills runs every second: five passes are plenty.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect(updater.orders.fillsOf(order).map((f) => f.tradeId)).toEqual(venueFills);
    } finally {
      await updater.stop();
      await server.close();
    }
  }, 30_000);
});
