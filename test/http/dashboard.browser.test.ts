import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import { FakeStatusSource } from './fake-status-source.js';

import { browserTestsEnabled, CHROMIUM, CHROMIUM_ARGS, missingChromium } from './chromium.js';

const SCREENSHOT = process.env.MISSO_DASHBOARD_SCREENSHOT ?? '/tmp/dashboard.png';

let browser: Browser;
let server: StatusServer;
let source: FakeStatusSource;
let page: Page;
const offOrigin: string[] = [];
const pageErrors: string[] = [];

async function waitForSubscription(): Promise<void> {
  const deadline = Date.now() + 5000;
  while (source.listenerCount === 0) {
    if (Date.now() > deadline) throw new Error('the dashboard never opened /events');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.runIf(browserTestsEnabled('dashboard browser test'))('dashboard in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw missingChromium();
    source = new FakeStatusSource();
    // Virtual time: the page only changes when the test pushes something, never by a timer.
    server = await startStatusServer({ source, clock: new VirtualClock(), processMetrics: false });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    page.on('request', (req) => {
      if (!req.url().startsWith(server.url)) offOrigin.push(req.url());
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
  }, 60_000);
  
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('renders the tasks with their status from the live stream', async () => {
    await page.goto(`${server.url}/`);
    await waitForSubscription();
    const rows = page.locator('#tasks tbody tr[data-task]');
    await expect.poll(() => rows.count()).toBe(4);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-task')))).toEqual([
      'execute_orders',
      'update_balance',
      'update_ohlcv',
      'update_tickers',
    ]);
    for (const name of ['execute_orders', 'update_balance', 'update_ohlcv', 'update_tickers']) {
      expect(await page.locator(`tr[data-task="${name}"] .badge`).textContent()).toBe('up');
    }
    expect(await page.locator('tr[data-task="update_tickers"] td.runs').textContent()).toBe('57');
    expect(await page.locator('tr[data-task="update_tickers"] td.age').textContent()).toMatch(/^\d(\.\d)? s ago$/);
    expect(await page.locator('#conn').textContent()).toBe('live');
    expect(await page.locator('#ready').textContent()).toBe('ready');
    expect(await page.locator('#phase').textContent()).toBe('running');
    expect(await page.locator('#name').textContent()).toBe('seed-updater');

    // Attributes: the stale one is highlighted, the fresh ones are not.
    expect(await page.locator('tr[data-attribute="total_capital"]').getAttribute('class')).toBe('stale');
    expect(await page.locator('tr[data-attribute="last_price"]').getAttribute('class')).toBeNull();
    expect(await page.locator('tr[data-attribute="watch_list"] td').nth(1).textContent()).toBe('27 symbols');
    expect(await page.locator('tr[data-attribute="watch_list"] .badge').textContent()).toBe('no limit');
    expect(await page.locator('tr[data-attribute="last_price"] .badge').textContent()).toBe('fresh');
    expect(await page.locator('tr[data-attribute="total_capital"] .badge').textContent()).toBe('stale');
    expect(await page.locator('#log li').allTextContents()).toEqual([
      'nothing yet: failures, recoveries, orders and notifications show up here',
    ]);

    expect(await page.locator('#capital-total').textContent()).toBe('10,234.5');
    expect(await page.locator('tr[data-symbol="BTC/USD:USD"] td.num').textContent()).toBe('43,125.5');
    expect(await page.locator('#orders').textContent()).toContain('Open5');
    expect(await page.locator('#budget-text').textContent()).toBe('340 / 1,200 per 1 m');
  });

  it('updates live when an event marks a task down and an attribute stale', async () => {
    const now = source.snap.now;
    const down = source.setTask('update_balance', {
      ok: false,
      failures: 2,
      consecutiveFailures: 1,
      state: 'backoff',
      lastError: 'ExchangeNotAvailable: sim outage (calls 10-20)',
    });
    source.emit({ type: 'task', at: now, task: 'update_balance', status: down });
    source.emit({
      type: 'attribute',
      at: now,
      attribute: 'last_price',
      status: { updatedAt: now - 9000, ageMs: 9000, maxAgeMs: 3000, stale: true, source: 'update_tickers', summary: '27 prices' },
    });
    source.emit({ type: 'notification', at: now, level: 'warn', message: 'last_price is stale (9 s > 3 s)' });

    const row = page.locator('tr[data-task="update_balance"]');
    await expect.poll(() => row.locator('.badge').textContent(), { timeout: 5000 }).toBe('down');
    expect(await row.getAttribute('class')).toBe('down');
    expect(await row.locator('td.err').textContent()).toBe('ExchangeNotAvailable: sim outage (calls 10-20)');
    expect(await row.locator('td.state').textContent()).toBe('backoff');
    expect(await page.locator('tr[data-task="update_tickers"] .badge').textContent()).toBe('up');
    expect(await page.locator('#ready').textContent()).toBe('not ready');
    expect(await page.locator('tr[data-attribute="last_price"]').getAttribute('class')).toBe('stale');
    const log = await page.locator('#log li').allTextContents();
    expect(log).toHaveLength(2);
    expect(log.some((l) => l.includes('task update_balance failed: ExchangeNotAvailable'))).toBe(true);
    expect(log.some((l) => l.includes('last_price is stale'))).toBe(true);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('shows recovery, order events and an exchange restart as they arrive', async () => {
    const now = source.snap.now + 5000;
    const up = source.setTask('update_balance', { ok: true, consecutiveFailures: 0, lastError: null, state: 'sleeping' });
    source.emit({ type: 'task', at: now, task: 'update_balance', status: up });
    source.emit({
      type: 'order',
      at: now,
      clientOrderId: 'misso-7-0003',
      id: null,
      symbol: 'ETH/USD:USD',
      side: 'sell',
      status: 'failed',
      reason: 'InsufficientFunds',
    });
    source.emit({ type: 'exchange', at: now, restarting: true, restarts: 2 });

    const row = page.locator('tr[data-task="update_balance"]');
    await expect.poll(() => row.locator('.badge').textContent(), { timeout: 5000 }).toBe('up');
    expect(await row.getAttribute('class')).toBeNull();
    expect(await row.locator('td.err').textContent()).toBe('');
    await expect.poll(() => page.locator('#exchange').textContent(), { timeout: 5000 }).toContain('Sessionrestarting…');
    const log = await page.locator('#log li').allTextContents();
    expect(log[0]).toContain('exchange session restarting');
    expect(log[1]).toContain('order misso-7-0003 sell ETH/USD:USD: failed (InsufficientFunds)');
    expect(log[2]).toContain('task update_balance recovered');
  });

  it('loaded nothing from outside the server and logged no errors', () => {
    expect(offOrigin).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
