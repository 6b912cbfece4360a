import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { LOG_SERIALIZERS, silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import type { Order } from '../../src/orders/order.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { localExample, REPO_ROOT, SIM_ENV } from '../adversarial/support/local-example.js';
import { tempJournals } from '../support/temp-journals.js';
import { until } from '../support/wait.js';

// A proxy in front of the venue answers with an HTML page (the sim-server's 5xx faults send one,
// and the real ccxt binanceusdm client puts the whole body into its error's message). An order
// that fails or is refused for it keeps the page's title in its reason, wherever the reason is
// read (the order, the journal, /api/orders), so does a refused cancel or amend, and the log
// says what failed without the markup.
const journals = tempJournals('misso-html-pages');
const TAG = /<\/?(html|head|body|title|h1|p)\b|<!doctype/i;
let server: SimServer;
let updater: Updater;
let status: StatusServer;
const lines: string[] = [];

beforeAll(async () => {
  server = await startSimServer({ port: 0, seed: 5, clock: new SystemClock() });
  const config = localExample(server.url, journals.path(), 2_000);
  // BNB is left out of the watch list (wl_restricted): no streamed price, so the risk check asks for a ticker.
  config.orders = { ...(config.orders as object), require_fresh_price: false, risk: { price_band_pct: 50 } };
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      done();
    },
  });
  // The serializers the process logger has (createLogger), on a stream the test reads.
  const logger = pino({ level: 'debug', serializers: LOG_SERIALIZERS }, sink);
  updater = await Updater.fromConfig(config, { baseDir: REPO_ROOT, env: SIM_ENV, logger });
  await updater.start();
  status = await startStatusServer({ source: updater.statusSource(), logger: silentLogger(), processMetrics: false });
}, 60_000);

afterAll(async () => {
  server.faults.set('none');
  await status?.close();
  await updater?.stop();
  await server?.close();
  journals.cleanup();
});

/** The order as /api/orders lists it among the failed ones. */
async function listedReason(order: Order): Promise<string | null | undefined> {
  const res = await fetch(`${status.url}/api/orders?status=failed`);
  const body = (await res.json()) as { orders: { clientOrderId: string; reason: string | null }[] };
  return body.orders.find((o) => o.clientOrderId === order.clientOrderId)?.reason;
}

describe('HTML error pages in order reasons and in the log', () => {
  it("an order the venue refuses with an HTML 511 page fails with the page's title as its reason", async () => {
    // 511 (a captive portal's "network authentication required") is an AuthenticationError for
    // ccxt: a refusal, so the order fails at once with the exception's text as its reason.
    server.faults.set('5xx:status=511:path=order:method=POST');
    try {
      const symbol = 'BTC/USD:USD';
      const price = Number(updater.exchange.priceToPrecision(symbol, server.venue.ticker(symbol).last * 0.8));
      const amount = Number(updater.exchange.amountToPrecision(symbol, 0.01));
      const order = updater.pendingOrders.push({ symbol, side: 'buy', amount, price });
      await until(() => order.status !== 'pending', 20_000, 'the order settled');
      const reason = `AuthenticationError: binanceusdm POST ${server.url}/fapi/v1/order 511 Network Authentication Required (HTML page: 511 Service Unavailable)`;
      expect(order.status).toBe('failed');
      expect(order.reason).toBe(reason);
      expect(updater.journal.get(order.clientOrderId)?.reason).toBe(reason);
      expect(await listedReason(order)).toBe(reason);
    } finally {
      server.faults.set('none');
    }
  }, 40_000);

  it('an order the risk check refuses because the ticker request got an HTML 503 page names the page by its title', async () => {
    server.faults.set('5xx:path=24hr');
    try {
      const symbol = 'BNB/USD:USD';
      const last = server.venue.ticker(symbol).last;
      const price = Number(updater.exchange.priceToPrecision(symbol, last * 0.9));
      const amount = Number(updater.exchange.amountToPrecision(symbol, 20 / last));
      const order = updater.pendingOrders.push({ symbol, side: 'buy', amount, price });
      await until(() => order.status !== 'pending', 20_000, 'the order settled');
      expect(order.status).toBe('rejected');
      expect(order.reason).toMatch(
        /^no fresh last price for BNB\/USD:USD to check orders\.risk\.price_band_pct \(the ticker request failed: binanceusdm GET \S+ 503 Service Unavailable \(HTML page: 503 Service Unavailable\)\): refused rather than sent unchecked$/,
      );
      expect(updater.journal.get(order.clientOrderId)?.reason).toBe(order.reason);
      expect(await listedReason(order)).toBe(order.reason);
    } finally {
      server.faults.set('none');
    }
  }, 40_000);

  it('a cancel and an amend the venue refuses with an HTML 511 page give the title as their reason', async () => {
    const symbol = 'BTC/USD:USD';
    const price = Number(updater.exchange.priceToPrecision(symbol, server.venue.ticker(symbol).last * 0.8));
    const amount = Number(updater.exchange.amountToPrecision(symbol, 0.01));
    const order = updater.pendingOrders.push({ symbol, side: 'buy', amount, price });
    await until(() => order.status === 'open', 20_000, 'the order open');
    server.faults.set('5xx:status=511:path=order:method=DELETE|PUT');
    try {
      const page = '511 Network Authentication Required (HTML page: 511 Service Unavailable)';
      const amended = await updater.orders.amend(order, { price: Number(updater.exchange.priceToPrecision(symbol, price * 0.99)) });
      expect(amended).toMatchObject({ amended: false, reason: `amend refused: binanceusdm PUT ${server.url}/fapi/v1/order ${page}` });
      const cancelled = await updater.orders.cancel(order);
      expect(cancelled.outcome).toBe('failed');
      expect(cancelled.reason).toMatch(/^cancel refused: binanceusdm DELETE \S+\/fapi\/v1\/order\?\S+ 511 Network Authentication Required \(HTML page: 511 Service Unavailable\)$/);
    } finally {
      server.faults.set('none');
    }
  }, 40_000);

  it('logged the failures with the status and the title, and no line carries the page', () => {
    const titled = lines.filter((l) => l.includes('(HTML page: 511 Service Unavailable)'));
    expect(titled.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes('(HTML page: 503 Service Unavailable)')).length).toBeGreaterThan(0);
    expect(lines.filter((l) => TAG.test(l))).toEqual([]);
  });
});
