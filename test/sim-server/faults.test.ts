import {
  DDoSProtection,
  ExchangeNotAvailable,
  NetworkError,
  OrderNotFound,
  RateLimitExceeded,
  RequestTimeout,
  type binanceusdm,
} from 'ccxt';
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { rawRequest, simClient } from './fixtures/sim-client.js';
import { thrown } from '../support/thrown.js';

const SYMBOL = 'BTC/USD:USD';

/** Wall time plus a shift the test moves, so order visibility can be tested without sleeping. */
class ShiftedClock implements Clock {
  shiftMs = 0;
  now(): number {
    return Date.now() + this.shiftMs;
  }
  sleep(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

const clock = new ShiftedClock();
let server: SimServer;
let ex: binanceusdm;

beforeAll(async () => {
  server = await startSimServer({ port: 0, seed: 5, clock });
  ex = simClient(server.url, { timeout: 500 });
  await ex.loadMarkets();
});

afterEach(() => {
  server.faults.clear();
});

afterAll(async () => {
  await server.close();
});


describe('each fault kind → the ccxt error class a caller sees', () => {
  it('5xx → ExchangeNotAvailable; 504 → RequestTimeout', async () => {
    server.faults.set('5xx');
    expect(await thrown(() => ex.fetchTicker(SYMBOL))).toBeInstanceOf(ExchangeNotAvailable);
    server.faults.set('504');
    expect(await thrown(() => ex.fetchTicker(SYMBOL))).toBeInstanceOf(RequestTimeout);
    expect(server.counters.faultCount('5xx')).toBe(2);
  });

  it('429 with Retry-After → DDoSProtection on binance (its own 429 check), -1003 in the body', async () => {
    server.faults.set('429:retry=3');
    const e = await thrown(() => ex.fetchTicker(SYMBOL));
    expect(e).toBeInstanceOf(DDoSProtection);
    expect(e).not.toBeInstanceOf(RateLimitExceeded);
    expect(e.message).toContain('-1003');
    const raw = await rawRequest(`${server.url}/fapi/v1/ping`);
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('3');
  });

  it('418 ban → DDoSProtection with Retry-After', async () => {
    server.faults.set('418:retry=30');
    const e = await thrown(() => ex.fetchOHLCV(SYMBOL, '1m', undefined, 2));
    expect(e).toBeInstanceOf(DDoSProtection);
    expect(e.message).toContain('banned until');
    const raw = await rawRequest(`${server.url}/fapi/v1/ping`);
    expect(raw.status).toBe(418);
    expect(raw.headers.get('retry-after')).toBe('30');
  });

  it('418 with ban=SECS keeps refusing every path until the ban has run out', async () => {
    const banClock = new ShiftedClock();
    const banned = await startSimServer({ port: 0, clock: banClock, faults: '418:ban=30:path=klines' });
    try {
      expect((await rawRequest(`${banned.url}/fapi/v1/ping`)).status).toBe(200);
      const first = await rawRequest(`${banned.url}/fapi/v1/klines?symbol=BTCUSD&interval=1m`);
      expect(first.status).toBe(418);
      banClock.shiftMs += 20_000;
      const during = await rawRequest(`${banned.url}/fapi/v1/ping`);
      expect(during.status).toBe(418);
      expect(Number(during.headers.get('retry-after'))).toBeLessThanOrEqual(10);
      banClock.shiftMs += 10_000;
      expect((await rawRequest(`${banned.url}/fapi/v1/ping`)).status).toBe(200);
      expect(banned.counters.faultCount('418')).toBe(2);
    } finally {
      await banned.close();
    }
  });

  it('hang → RequestTimeout after the client timeout', async () => {
    server.faults.set('hang');
    const started = Date.now();
    const e = await thrown(() => ex.fetchTicker(SYMBOL));
    expect(e).toBeInstanceOf(RequestTimeout);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });

  it('reset → NetworkError (not a timeout)', async () => {
    server.faults.set('reset');
    const e = await thrown(() => ex.fetchTicker(SYMBOL));
    expect(e).toBeInstanceOf(NetworkError);
    expect(e).not.toBeInstanceOf(RequestTimeout);
  });

  it('html → a 200 HTML page that ccxt cannot parse: a plain TypeError, not a ccxt error', async () => {
    server.faults.set('html');
    const e = await thrown(() => ex.fetchTicker(SYMBOL));
    expect(e).toBeInstanceOf(TypeError);
    expect(e).not.toBeInstanceOf(NetworkError);
  });

  it('html on other calls → ccxt does not throw at all: OHLCV rows of nulls, orders made of characters', async () => {
    // Documented hazard for the engine: a 200 HTML page is "success" for these calls.
    server.faults.set('html');
    const rows = await ex.fetchOHLCV(SYMBOL, '1m', undefined, 2);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.every((v) => v === undefined || v === null))).toBe(true);
    const orders = await ex.fetchOpenOrders(SYMBOL);
    expect(orders.length).toBeGreaterThan(1);
    expect(orders.every((o) => o.symbol === undefined || o.symbol === SYMBOL)).toBe(true);
    expect(orders.some((o) => o.clientOrderId !== undefined)).toBe(false);
  });

  it('lost → the order is applied, the caller sees NetworkError, and finds the order by client id afterwards', async () => {
    server.faults.set('lost:path=order:method=POST');
    const e = await thrown(() => ex.createOrder(SYMBOL, 'market', 'buy', 0.001, undefined, { clientOrderId: 'lost-1' }));
    expect(e).toBeInstanceOf(NetworkError);
    server.faults.clear();
    const found = await ex.fetchOrder('', SYMBOL, { clientOrderId: 'lost-1' });
    expect(found).toMatchObject({ clientOrderId: 'lost-1', status: 'closed', filled: 0.001 });
  });

  it('lost:as=5xx → ExchangeNotAvailable, order applied; lost:as=hang → RequestTimeout, order applied', async () => {
    server.faults.set('lost:path=order:method=POST:as=5xx');
    expect(await thrown(() => ex.createOrder(SYMBOL, 'market', 'buy', 0.001, undefined, { clientOrderId: 'lost-2' }))).toBeInstanceOf(
      ExchangeNotAvailable,
    );
    server.faults.set('lost:path=order:method=POST:as=hang');
    expect(await thrown(() => ex.createOrder(SYMBOL, 'market', 'buy', 0.001, undefined, { clientOrderId: 'lost-3' }))).toBeInstanceOf(
      RequestTimeout,
    );
    server.faults.clear();
    expect(server.venue.getOrder({ clientOrderId: 'lost-2' }).status).toBe('closed');
    expect(server.venue.getOrder({ clientOrderId: 'lost-3' }).status).toBe('closed');
  });

  it('visibility:MS → a new order is OrderNotFound until MS have passed, then found', async () => {
    server.faults.set('visibility:2000');
    const price = Number(ex.priceToPrecision(SYMBOL, server.venue.ticker(SYMBOL).last * 0.8));
    const order = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, price, { clientOrderId: 'vis-1' });
    expect(await thrown(() => ex.fetchOrder(order.id!, SYMBOL))).toBeInstanceOf(OrderNotFound);
    expect((await ex.fetchOpenOrders(SYMBOL)).map((o) => o.id)).not.toContain(order.id);
    clock.shiftMs += 2_000;
    expect((await ex.fetchOrder(order.id!, SYMBOL)).clientOrderId).toBe('vis-1');
    server.faults.clear();
    expect(server.venue.visibilityDelayMs).toBe(0);
    await ex.cancelOrder(order.id!, SYMBOL);
  });
});

describe('fault selection', () => {
  it('calls=A-B faults exactly those matching calls, counted from the switch', async () => {
    server.faults.set('5xx:calls=2-3');
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(await ex.fetchTime().then(() => 'ok', (e: unknown) => (e as Error).constructor.name));
    }
    expect(outcomes).toEqual(['ok', 'ExchangeNotAvailable', 'ExchangeNotAvailable', 'ok', 'ok']);
  });

  it('path= restricts a fault to those endpoints', async () => {
    server.faults.set('5xx:path=klines');
    await expect(ex.fetchTicker(SYMBOL)).resolves.toMatchObject({ symbol: SYMBOL });
    expect(await thrown(() => ex.fetchOHLCV(SYMBOL, '1m', undefined, 2))).toBeInstanceOf(ExchangeNotAvailable);
  });

  it('a rate fires on about that share of requests and every fault is counted', async () => {
    server.counters.reset();
    server.faults.set('reset:0.5:path=time');
    let failures = 0;
    for (let i = 0; i < 40; i++) await ex.fetchTime().catch(() => failures++);
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(32);
    expect(server.counters.snapshot().faults['reset']).toBe(failures);
    expect(server.counters.snapshot().requests['GET /fapi/v1/time']).toBe(40);
  });
});

describe('switching faults at run time over HTTP (server in another process)', () => {
  it('POST /__misso/faults switches, GET /__misso/counters reports, a bad spec is a 400', async () => {
    const json = (spec: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ spec }) });
    const set = await rawRequest(`${server.url}/__misso/faults`, json('429:retry=2'));
    expect(set).toMatchObject({ status: 200, body: { spec: '429:1:retry=2' } });
    expect(await thrown(() => ex.fetchTicker(SYMBOL))).toBeInstanceOf(DDoSProtection);
    const counters = await rawRequest(`${server.url}/__misso/counters`);
    expect((counters.body as { faults: Record<string, number> }).faults['429']).toBeGreaterThanOrEqual(1);

    const none = await rawRequest(`${server.url}/__misso/faults`, json('none'));
    expect(none.body).toEqual({ spec: 'none' });
    await expect(ex.fetchTicker(SYMBOL)).resolves.toMatchObject({ symbol: SYMBOL });

    const bad = await rawRequest(`${server.url}/__misso/faults`, json('explode:0.5'));
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toContain('unknown fault kind "explode"');
    // A rule that could never fire (no HTTP path of the server is "private") is refused too.
    const inert = await rawRequest(`${server.url}/__misso/faults`, json('5xx:path=private'));
    expect(inert.status).toBe(400);
    expect((inert.body as { error: string }).error).toContain('path "private" matches no HTTP path the server serves');
    const current = await rawRequest(`${server.url}/__misso/faults`);
    expect((current.body as { spec: string }).spec).toBe('none');
    // A body over the server's limit gets 413 with a reason, not a reset connection: in the admin
    // routes' own shape there, in Binance's on a Binance route.
    const huge = await rawRequest(`${server.url}/__misso/faults`, json('x'.repeat(2_200_000)));
    expect(huge.status).toBe(413);
    expect((huge.body as { error: string }).error).toContain('request body over 1000000 bytes');
    const hugeOrder = await rawRequest(`${server.url}/fapi/v1/order`, json('x'.repeat(2_200_000)));
    expect(hugeOrder.status).toBe(413);
    expect((hugeOrder.body as { msg: string }).msg).toContain('request body over 1000000 bytes');
    expect((await rawRequest(`${server.url}/__misso/faults`)).status).toBe(200);
    // A declared length over the limit is answered at once, without waiting for a body that may never come.
    const declared = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${server.url}/__misso/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': '5000000' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.write('{"spec":');
    });
    expect(declared).toBe(413);
  });

  it('admin paths are never faulted and not counted as requests', async () => {
    server.counters.reset();
    server.faults.set('reset');
    const res = await rawRequest(`${server.url}/__misso/counters`);
    expect(res.status).toBe(200);
    expect((res.body as { requests: Record<string, number> }).requests).toEqual({});
  });

  it('close() returns even while a request hangs', async () => {
    const other = await startSimServer({ port: 0, faults: 'hang' });
    const pending = fetch(`${other.url}/fapi/v1/ping`).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await other.close();
    await other.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});
