/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import type { StreamStatus } from '../../src/http/types.js';
import { FakeStatusSource } from '../support/fake-status-source.js';
import { browserTestsEnabled, CHROMIUM, CHROMIUM_ARGS, missingChromium } from './chromium.js';

// What the dashboard's health shows when the engine goes away: a dead engine (its server gone
// mid-stream, as after kill -9) must not stay green, a stop must not leave "ready" green, and
// the page must come back by itself when the engine does. The status server is real; the
// engine is a fake source, so the test decides exactly which events and snapshots arrive.

function stream(name: string, patch: Partial<StreamStatus>): StreamStatus {
  return { name, up: true, phase: 'up', lastMessageAgeMs: 300, messages: 120, reconnects: 0, stalls: 0, stallAfterMs: 30_000, lastError: null, lagMs: null, maxLagMs: null, ...patch };
}

const HEALTH = '#phase, #ready, #tasks .badge, #streams .badge';

describe.runIf(browserTestsEnabled('dashboard health browser test'))('dashboard health in Chromium when the engine goes away', () => {
  let browser: Browser;
  let page: Page;
  let server: StatusServer;
  const source = new FakeStatusSource();
  const pageErrors: string[] = [];

  const badge = async (selector: string): Promise<{ cls: string; text: string }> =>
    page.locator(selector).evaluate((n) => ({ cls: n.className, text: n.textContent ?? '' }));
  const green = (): Promise<number> => page.locator(HEALTH).evaluateAll((nodes) => nodes.filter((n) => n.classList.contains('up')).length);
  const serve = async (port = 0): Promise<void> => {
    server = await startStatusServer({ source, port, logger: silentLogger(), processMetrics: false });
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw missingChromium();
    source.snap.streams = [
      stream('tickers', { lagMs: 240, maxLagMs: 1800 }),
      // Candles carry no event time: their lag is not measured.
      stream('candles', { up: false, phase: 'stalled', stalls: 2, reconnects: 2, lastError: 'stalled: silent for 30.0s while connected' }),
      // Silent for over a minute: the last lag is known, the last minute has none.
      stream('orders', { up: false, phase: 'down', reconnects: 5, lagMs: 12_400, maxLagMs: null, lastError: 'binanceusdm GET … 503 Service Unavailable (HTML page: 503 Service Temporarily Unavailable)' }),
    ];
    await serve();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (msg) => {
      // A refused reconnection while the server is down is the browser's own console line.
      if (msg.type() === 'error' && !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(msg.text())) pageErrors.push(msg.text());
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${server.url}/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows each stream with its state, last message age, lag, reconnects, stalls and last error', async () => {
    await expect.poll(() => badge('#ready'), { timeout: 15_000 }).toEqual({ cls: 'badge up', text: 'ready' });
    const row = (name: string) => page.locator(`#streams tr[data-stream="${name}"]`);
    expect(await row('tickers').locator('.badge').textContent()).toBe('up');
    expect(await row('candles').locator('.badge').textContent()).toBe('stalled');
    expect(await row('orders').locator('.badge').textContent()).toBe('down');
    expect(await row('orders').locator('td').nth(4).textContent()).toBe('5');
    expect(await row('candles').locator('td').nth(5).textContent()).toBe('2');
    expect(await row('orders').locator('td.err').textContent()).toContain('503 Service Temporarily Unavailable');
    expect(await row('tickers').locator('td.err').textContent()).toBe('');
    expect(await row('tickers').locator('td.age').textContent()).toMatch(/^\d+(\.\d)? (ms|s)$/);
    expect(await page.locator('#streams th').nth(3).textContent()).toBe('Lag');
    expect(await row('tickers').locator('td').nth(3).textContent()).toBe('240 ms · max 1.8 s');
    expect(await row('orders').locator('td.lag').textContent()).toBe('12 s');
    expect(await row('candles').locator('td.lag').textContent()).toBe('–');
  });

  it("updates a stream's lag with each snapshot", async () => {
    const lag = page.locator('#streams tr[data-stream="tickers"] td.lag');
    const streams = source.snap.streams!;
    streams[0] = { ...streams[0]!, lagMs: 3_200, maxLagMs: 4_600 };
    await expect.poll(() => lag.textContent(), { timeout: 10_000 }).toBe('3.2 s · max 4.6 s');
    streams[0] = { ...streams[0]!, lagMs: 90, maxLagMs: 4_600 };
    await expect.poll(() => lag.textContent(), { timeout: 10_000 }).toBe('90 ms · max 4.6 s');
  });

  it('takes ready away when the phase becomes stopping, even with no snapshot saying so', async () => {
    // The fake's snapshots keep ready: true, as a phase event followed by no snapshot leaves it.
    source.emit({ type: 'phase', at: source.snap.now, phase: 'stopping' });
    await expect.poll(() => badge('#ready'), { timeout: 10_000 }).toEqual({ cls: 'badge down', text: 'not ready' });
    expect(await badge('#phase')).toEqual({ cls: 'badge idle', text: 'stopping' });
    expect(await green()).toBe(0);
    expect(await page.locator('#tasks .badge').allTextContents()).toEqual(['stopped', 'stopped', 'stopped', 'stopped']);
    source.emit({ type: 'phase', at: source.snap.now, phase: 'running' });
    await expect.poll(() => badge('#ready'), { timeout: 10_000 }).toEqual({ cls: 'badge up', text: 'ready' });
  });

  it('greys everything and stops the uptime clock when the engine dies mid-stream, and recovers when it is back', async () => {
    expect(await green()).toBeGreaterThan(3);
    const port = server.port;
    await server.close();
    await expect.poll(() => badge('#ready'), { timeout: 10_000 }).toEqual({ cls: 'badge idle', text: 'unknown' });
    expect(await badge('#phase')).toEqual({ cls: 'badge idle', text: 'unknown' });
    expect(await page.locator('#phase').getAttribute('title')).toBe('last known: running');
    expect(await green()).toBe(0);
    expect(new Set(await page.locator('#tasks .badge, #streams .badge').allTextContents())).toEqual(new Set(['unknown']));
    expect(await page.locator('body').getAttribute('class')).toBe('lost');
    const uptime = await page.locator('#uptime').textContent();
    expect(uptime).toMatch(/^connection lost since \d\d:\d\d:\d\d$/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await page.locator('#uptime').textContent()).toBe(uptime);
    expect(await page.locator('#log li').first().textContent()).toContain('connection to misso lost');

    // The engine is back at the same address: the page reconnects by itself.
    await serve(port);
    await expect.poll(() => badge('#ready'), { timeout: 20_000 }).toEqual({ cls: 'badge up', text: 'ready' });
    expect(await badge('#conn')).toEqual({ cls: 'badge up', text: 'live' });
    expect(await page.locator('#uptime').textContent()).toMatch(/^up /);
    expect(await page.locator('body').getAttribute('class')).toBe('');
  }, 60_000);

  it('after a clean stop (stopped, then the server closes) shows stopped and not ready, and the connection lost', async () => {
    source.emit({ type: 'phase', at: source.snap.now, phase: 'stopped' });
    await server.close();
    await expect.poll(() => page.locator('#uptime').textContent(), { timeout: 10_000 }).toMatch(/^connection lost since/);
    expect(await badge('#phase')).toEqual({ cls: 'badge idle', text: 'stopped' });
    expect(await badge('#ready')).toEqual({ cls: 'badge down', text: 'not ready' });
    expect(await green()).toBe(0);
  });

  it('logged no errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
