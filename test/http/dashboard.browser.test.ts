/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import type { Order } from '../../src/orders/order.js';
import { browserTestsEnabled, CHROMIUM, CHROMIUM_ARGS, missingChromium } from './chromium.js';
import type { MissoConfigInput } from '../../src/config/schema.js';

// The README's picture is written only on request (`npm run docs:screenshot`): a test run must
// leave the working tree as it found it.
const SCREENSHOT = process.env['MISSO_DASHBOARD_SCREENSHOT'] ?? join(tmpdir(), 'misso-dashboard.png');
const WATCH = ['BTC/USD:USD', 'ETH/USD:USD', 'SOL/USD:USD'];

/** misso on the simulator, on the wall clock (a browser runs on it too), with fast tasks. */
function config(): MissoConfigInput {
  return {
    exchange: { id: 'sim', seed: 7 },
    class_attributes: { watch_list: WATCH, last_price: {}, wl_ranges: null, positions: {}, total_capital: 0, free_capital: 0, open_orders: {} },
    shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
    // An order on a market with no price task waits this long for a price: a queued (pending) row.
    orders: { fresh_price_wait_secs: 120 },
    tasks: {
      t_init_update: {
        name: 'init_update',
        subtasks: {
          subtask_0: { type: 'async', modul: 'Misso.services.async_helper', method: 'get_current_ranges', input_args: ['self.aftx', 'self.watch_list'], target_attr: 'wl_ranges' },
          subtask_1: { type: 'async', modul: 'Misso.services.async_helper', method: 'get_last_prices_from_watch_list', input_args: ['self.aftx', 'self.watch_list'], target_attr: 'last_price' },
        },
      },
      t_update_tickers: { name: 'update_tickers', freq: 1 },
      t_update_balance: { name: 'update_balance', freq: 1 },
      t_get_open_positions: { name: 'update_positions', freq: 1 },
      t_execute_orders: { name: 'execute_orders', freq: 1 },
      t_update_open_orders: { name: 'update_open_orders', freq: 1 },
    },
  };
}

async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(browserTestsEnabled('dashboard browser test'))('dashboard in Chromium, on misso running the simulator', () => {
  let browser: Browser;
  let updater: Updater;
  let server: StatusServer;
  let page: Page;
  let resting: Order;
  let refused: Order;
  let amendTo = 0;
  const offOrigin: string[] = [];
  const pageErrors: string[] = [];
  const tokenPrompts: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw missingChromium();
    updater = await Updater.fromConfig(config(), { logger: silentLogger(), storagePath: ':memory:' });
    server = await startStatusServer({ source: updater.statusSource(), logger: silentLogger(), processMetrics: false });
    await updater.start();
    const btc = (): number => updater.state.get<Record<string, number>>('last_price')['BTC/USD:USD']!;
    // Before the page opens: a resting buy (a price line and a row to cancel), and a fill (a marker, a position).
    resting = updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price: Math.round(btc() * 0.97) });
    const fill = updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.02, price: Math.round(btc() * 1.01) });
    // More than the account can pay for: the exchange refuses it, and the Failed tab shows why.
    refused = updater.pendingOrders.push({ symbol: 'ETH/USD:USD', side: 'buy', amount: 1000, price: 1000 });
    await until(() => resting.status === 'open' && fill.status === 'closed' && refused.isFinal, 'the orders to rest, fill and fail');

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('request', (req) => {
      if (!req.url().startsWith(`${server.url}/`)) offOrigin.push(req.url());
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('dialog', (dialog) => {
      if (dialog.message().startsWith('Control token')) {
        tokenPrompts.push(dialog.message());
        void dialog.accept(server.controlToken);
      } else {
        void dialog.accept(String(amendTo));
      }
    });
    // Opened without the #token= part: the first action has to ask for it.
    await page.goto(`${server.url}/`);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await updater?.stop();
  });

  it('draws the candle chart of the selected market on its canvas', async () => {
    await expect.poll(() => page.evaluate(() => window.Misso.Chart.drawn().symbol), { timeout: 15_000 }).toBe('BTC/USD:USD');
    // Candles are green or red: count such pixels over every canvas of the chart.
    const coloured = async (): Promise<number> =>
      page.evaluate(() => {
        let n = 0;
        for (const canvas of document.querySelectorAll<HTMLCanvasElement>('#chart canvas')) {
          const ctx = canvas.getContext('2d');
          if (!ctx || canvas.width === 0 || canvas.height === 0) continue;
          const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 0; i < data.length; i += 4) {
            const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
            if ((r > 150 && g < 90 && b < 90) || (g > 100 && r < 60 && b < 110)) n++;
          }
        }
        return n;
      });
    await expect.poll(coloured, { timeout: 15_000 }).toBeGreaterThan(500);
  });

  it("shows the market's ranges, our open order as a line and the fill as a marker", async () => {
    const ranges = updater.state.get<Record<string, [number, number]>>('wl_ranges')['BTC/USD:USD']!;
    await expect.poll(() => page.evaluate(() => window.Misso.Chart.drawn().ranges), { timeout: 15_000 }).toEqual(ranges);
    await expect.poll(() => page.evaluate(() => window.Misso.Chart.drawn().orders), { timeout: 15_000 }).toEqual([resting.price]);
    expect(await page.evaluate(() => window.Misso.Chart.drawn().markers)).toBeGreaterThanOrEqual(1);
  });

  // The simulator's price moves in 10 s steps, and a step can land on the same tick: allow a few.
  it('updates the price live from the stream', async () => {
    const first = await page.locator('#chart-price').textContent();
    const row = page.locator('tr[data-symbol="BTC/USD:USD"] td.num');
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).not.toBe('–');
    await expect.poll(() => page.locator('#chart-price').textContent(), { timeout: 80_000 }).not.toBe(first);
    expect(await page.locator('tr[data-symbol="ETH/USD:USD"] svg.spark').count()).toBe(1);
  }, 120_000);

  it('replays what happened before the page opened, and shows positions, capital and tasks', async () => {
    const log = await page.locator('#log li').allTextContents();
    expect(log.some((l) => l.includes(`order ${resting.clientOrderId} buy BTC/USD:USD: open`))).toBe(true);
    expect(log.some((l) => l.includes('updater running'))).toBe(true);
    await expect.poll(() => page.locator('tr[data-position="BTC/USD:USD"] td').nth(2).textContent(), { timeout: 15_000 }).toBe('0.02');
    await expect.poll(() => page.locator('#capital-curve polyline').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.locator('#tasks tr[data-task="update_tickers"] .badge').textContent(), { timeout: 15_000 }).toBe('up');
    // The sim streams by default: its streams have a row each.
    await expect.poll(() => page.locator('#streams tr[data-stream="tickers"] .badge').textContent(), { timeout: 15_000 }).toBe('up');
    // Tickers carry their event time: the row shows the stream's lag and the minute's largest.
    const lag = /^\d+(\.\d)? (ms|s) · max \d+(\.\d)? (ms|s)$/;
    await expect.poll(() => page.locator('#streams tr[data-stream="tickers"] td.lag').textContent(), { timeout: 15_000 }).toMatch(lag);
  });

  it('fits 1280x800 (screenshot) and a phone', async () => {
    const chart = await page.locator('#chart').boundingBox();
    expect(chart!.y + chart!.height).toBeLessThan(800);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { timeout: 5000 }).toBeLessThanOrEqual(390);
    const phoneChart = await page.locator('#chart').boundingBox();
    expect(phoneChart!.width).toBeGreaterThan(300);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('lists failed orders with their reason', async () => {
    await page.locator('.tabs button[data-kind="failed"]').click();
    const row = page.locator(`#order-list tr[data-order="${refused.clientOrderId}"]`);
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    expect(refused.reason).toBeTruthy();
    expect(await row.locator('td.err').textContent()).toBe(refused.reason);
    await page.locator('.tabs button[data-kind="open"]').click();
  });

  it('amends and cancels from the orders table, asking for the token once', { timeout: 90_000 }, async () => {
    const row = page.locator(`#order-list tr[data-order="${resting.clientOrderId}"]`);
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('open');
    amendTo = Math.round(resting.price! - 5);
    await row.locator('button[data-action="amend"]').click();
    const newPrice = amendTo;
    // Edited in place, or replaced by a linked order at the new price: the exchange holds it there.
    const live = (): Order | undefined => updater.orders.orders.find((o) => o.status === 'open' && o.symbol === 'BTC/USD:USD' && o.price === newPrice);
    await until(() => live() !== undefined, 'the amended order to be open at its new price', 20_000);
    const target = live()!;
    expect(await updater.exchange.fetchOrder(target.id!, 'BTC/USD:USD')).toMatchObject({ price: newPrice, status: 'open' });

    const targetRow = page.locator(`#order-list tr[data-order="${target.clientOrderId}"]`);
    await expect.poll(() => targetRow.getAttribute('data-status'), { timeout: 15_000 }).toBe('open');
    await targetRow.locator('button[data-action="cancel"]').click();
    await until(async () => (await updater.exchange.fetchOrder(target.id!, 'BTC/USD:USD')).status === 'canceled', 'the exchange to cancel the order', 20_000);
    await until(() => target.status === 'canceled', 'the engine to see the cancel', 20_000);
    await expect.poll(() => targetRow.count(), { timeout: 15_000 }).toBe(0);
    expect(tokenPrompts).toHaveLength(1);
  });

  it('lists an order waiting for a price at once, counts it as pending, and amends and cancels it', { timeout: 90_000 }, async () => {
    // LINK is not watched: misso holds no price for it, so the executor holds the order (pending).
    const queued = updater.pendingOrders.push({ symbol: 'LINK/USD:USD', side: 'buy', amount: 2, price: 10 });
    const row = page.locator(`#order-list tr[data-order="${queued.clientOrderId}"]`);
    // Shown by the queueing's own event: nothing else happens to the order while it waits.
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('pending');
    const pendingCount = (): Promise<string | null> =>
      page.evaluate(() => [...document.querySelectorAll('#orders dt')].find((dt) => dt.textContent === 'Pending')?.nextElementSibling?.textContent ?? null);
    await expect.poll(pendingCount, { timeout: 15_000 }).toBe('1');

    amendTo = 9.5;
    await row.locator('button[data-action="amend"]').click();
    await until(() => queued.price === 9.5, 'the queued order to take its new price', 15_000);
    expect(queued.status).toBe('pending');
    await row.locator('button[data-action="cancel"]').click();
    await until(() => queued.status === 'canceled', 'the queued order to be dropped unsent', 15_000);
    expect(queued.id).toBeNull();
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(pendingCount, { timeout: 15_000 }).toBe('0');
  });

  it('asks again for candles the server refused for now (503 with Retry-After), and draws them', async () => {
    let refusedOnce = 0;
    const errorsBefore = pageErrors.length;
    await page.route('**/api/candles/**', async (route) => {
      if (refusedOnce++ > 0) return route.continue();
      await route.fulfill({ status: 503, headers: { 'retry-after': '1', 'content-type': 'application/json' }, body: JSON.stringify({ error: 'the rate budget is short' }) });
    });
    try {
      const before = await page.evaluate(() => window.Misso.Chart.drawn().bars);
      await page.selectOption('#market', 'ETH/USD:USD');
      await expect.poll(() => page.locator('#chart-note').textContent(), { timeout: 5_000 }).toMatch(/candles unavailable: the rate budget is short; retrying in 1 s/);
      await expect.poll(() => page.locator('#chart-note').textContent(), { timeout: 15_000 }).toMatch(/candles of ETH\/USD:USD/);
      expect(refusedOnce).toBe(2);
      expect(await page.evaluate(() => window.Misso.Chart.drawn().bars)).not.toBeNull();
      expect(before).not.toBeNull();
    } finally {
      await page.unroute('**/api/candles/**');
      await page.selectOption('#market', 'BTC/USD:USD');
      // Chromium logs the refused request itself ("the server responded with a status of 503"): the test's own doing.
      pageErrors.push(...pageErrors.splice(errorsBefore).filter((e) => !/status of 503/.test(e)));
    }
  });

  it('loaded nothing from outside the server and logged no errors', () => {
    expect(offOrigin).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  // Last: the page's own reconnection attempts fail from here on.
  it('shows nothing green once the status server is gone mid-stream (as when the engine is killed)', async () => {
    await expect.poll(() => page.locator('#ready').getAttribute('class'), { timeout: 15_000 }).toBe('badge up');
    await server.close();
    await expect.poll(() => page.locator('#uptime').textContent(), { timeout: 15_000 }).toMatch(/^connection lost since \d\d:\d\d:\d\d$/);
    expect(await page.locator('#phase').textContent()).toBe('unknown');
    expect(await page.locator('#ready').textContent()).toBe('unknown');
    expect(await page.locator('header .badge.up, #tasks .badge.up, #streams .badge.up').count()).toBe(0);
  });
});

declare global {
  interface Window {
    Misso: { Chart: { drawn(): { symbol: string | null; ranges: number[]; orders: number[]; markers: number; bars: number | null } } };
  }
}
