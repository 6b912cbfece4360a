import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { UserError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { createExchange, createExchangeFactory } from '../../src/exchange/factory.js';
import { resyncClock } from '../../src/exchange/resync-clock.js';
import { applyUrlOverrides } from '../../src/exchange/urls.js';
import { binanceFixture } from './binance-fixture.js';
import { exchangeConfig } from './helpers.js';

const deps = { clock: new VirtualClock(), logger: silentLogger() };

describe('createExchange for ccxt ids', () => {
  it("hands ccxt's other credentials to the class under ccxt's names, so an exchange that requires them has them", async () => {
    const ex = await createExchange(
      exchangeConfig({ id: 'hyperliquid', credentials: { privateKey: '0x' + '1'.repeat(64), walletAddress: '0x' + 'a'.repeat(40) }, options: {} }),
      deps,
    );
    expect(ex.privateKey).toBe('0x' + '1'.repeat(64));
    expect(ex.walletAddress).toBe('0x' + 'a'.repeat(40));
    // ccxt's own check of what the exchange needs.
    expect(() => ex.checkRequiredCredentials()).not.toThrow();
  });

  it('builds the ccxt class with credentials, timeout, no ccxt throttle, and api URLs moved to a local origin', async () => {
    const ex = await createExchange(
      exchangeConfig({
        id: 'binanceusdm',
        apiKey: 'k',
        secret: 's',
        timeoutMs: 1234,
        options: { fetchCurrencies: false },
        urls: { api: 'http://127.0.0.1:8555' },
      }),
      deps,
    );
    // Streaming is on by default: the ccxt.pro class (REST plus watch*).
    expect(ex).toBeInstanceOf(ccxt.pro.binanceusdm);
    expect(ex.apiKey).toBe('k');
    expect(ex.timeout).toBe(1234);
    expect(ex.enableRateLimit).toBe(false);
    expect(ex.options['fetchCurrencies']).toBe(false);
    const api = ex.urls['api'] as Record<string, string>;
    expect(api['fapiPublic']).toBe('http://127.0.0.1:8555/fapi/v1');
    expect(api['fapiPrivateV3']).toBe('http://127.0.0.1:8555/fapi/v3');
    const { ws, ...rest } = api as Record<string, unknown>;
    expect(Object.values(rest).every((u) => typeof u === 'string' && u.startsWith('http://127.0.0.1:8555/'))).toBe(true);
    // Websocket URLs follow the origin with ws://, keeping their paths.
    expect((ws as Record<string, unknown>)['future']).toBe('ws://127.0.0.1:8555/ws');
    // ccxt dials a ws:// URL only with its proxy agent loaded; wss:// (the real host) needs none.
    expect(ex.httpAgent).toBeDefined();
    expect((await createExchange(exchangeConfig({ id: 'binanceusdm' }), deps)).httpAgent).toBeUndefined();
    // Only `api` moved.
    expect(ex.urls['www']).toBe(new ccxt.binanceusdm().urls['www']);
  });

  it('builds the plain REST class with stream: off', async () => {
    const ex = await createExchange(exchangeConfig({ id: 'binanceusdm', stream: 'off' }), deps);
    expect(ex).toBeInstanceOf(ccxt.binanceusdm);
    expect(ex).not.toBeInstanceOf(ccxt.pro.binanceusdm);
    expect(ex.has['watchTickers']).toBeFalsy();
  });

  it('deep-merges an object `urls` into the class URLs', async () => {
    const ex = await createExchange(
      exchangeConfig({ id: 'binanceusdm', urls: { api: { fapiPublic: 'http://localhost:1/fapi/v1' } } }),
      deps,
    );
    const api = ex.urls['api'] as Record<string, string>;
    expect(api['fapiPublic']).toBe('http://localhost:1/fapi/v1');
    expect(api['fapiPrivate']).toBe('https://fapi.binance.com/fapi/v1');
  });

  it('moves websocket URLs to ws:// and keeps non-URL values', () => {
    const merged = applyUrlOverrides(
      { api: { rest: 'https://a.example/v1', ws: { public: 'wss://stream.example/ws' } }, logo: 'x' },
      { api: 'http://127.0.0.1:9' },
    );
    expect(merged).toEqual({ api: { rest: 'http://127.0.0.1:9/v1', ws: { public: 'ws://127.0.0.1:9/ws' } }, logo: 'x' });
    expect(() => applyUrlOverrides({}, { api: 'localhost:9' })).toThrow(/http\(s\) origin/);
  });

  it.each([
    ['binanceusd', 'binanceusdm'],
    ['krakn', 'kraken'],
    ['Binance', 'binance'],
    ['smi', 'sim'],
  ])('rejects unknown id %s and suggests %s', async (id, suggestion) => {
    const error = await createExchange(exchangeConfig({ id }), deps).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain(`unknown exchange \`${id}\``);
    expect((error as Error).message).toContain(`\`${suggestion}\``);
  });

  it('says so when nothing is close', async () => {
    const error = await createExchange(exchangeConfig({ id: 'qqqqqqqqqqqq' }), deps).catch((err: unknown) => err);
    expect((error as Error).message).not.toContain('Did you mean');
  });
});

describe('a ccxt class pointed at a local server', () => {
  let server: Server;
  let origin = '';
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ serverTime: 1_700_000_000_000 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends its requests there', async () => {
    const ex = await createExchange(exchangeConfig({ id: 'binanceusdm', urls: { api: origin }, timeoutMs: 2000 }), deps);
    expect(await ex.fetchTime()).toBe(1_700_000_000_000);
    expect(seen).toContain('/fapi/v1/time');
  });
});

describe('createExchange for the simulator', () => {
  it('builds the sim with its knobs', async () => {
    const clock = new VirtualClock();
    const ex = await createExchange(exchangeConfig({ sim: { seed: 3 } }), { clock, logger: silentLogger() });
    expect(ex.id).toBe('sim');
    await ex.loadMarkets();
    expect(ex.symbols.length).toBeGreaterThan(10);
  });

  it('rebuilds on the same venue, so orders survive a rebuild', async () => {
    const clock = new VirtualClock();
    const make = createExchangeFactory(exchangeConfig({ sim: { seed: 3 } }), { clock, logger: silentLogger() });
    const first = await make();
    await first.loadMarkets();
    const symbol = first.symbols.find((s) => s.endsWith(':USD')) ?? '';
    const ticker = await first.fetchTicker(symbol);
    const price = Number(first.priceToPrecision(symbol, (ticker.last ?? 0) * 0.8));
    const amount = Number(first.amountToPrecision(symbol, 50 / price));
    const placed = await first.createOrder(symbol, 'limit', 'buy', amount, price);
    const second = await make();
    expect(second).not.toBe(first);
    await second.loadMarkets();
    const open = await second.fetchOpenOrders(symbol);
    expect(open.map((o) => o.id)).toContain(placed.id);
  });
});

describe('resyncClock', () => {
  it('measures the server offset and signs later requests with it', async () => {
    const skewMs = 5000;
    const fixture = binanceFixture({ serverTime: () => Date.now() - skewMs });
    const result = await resyncClock(fixture.exchange);
    expect(result.ok).toBe(true);
    expect(result.offsetMs).toBeGreaterThanOrEqual(skewMs - 50);
    expect(result.offsetMs).toBeLessThanOrEqual(skewMs + 500);
    await fixture.exchange.loadMarkets();
    fixture.requests.length = 0;
    await fixture.exchange.fetchOrder('1', 'BTC/USDT:USDT').catch(() => undefined);
    const signed = fixture.requests.find((r) => r.path === '/fapi/v1/order');
    const timestamp = Number(signed?.query.get('timestamp'));
    expect(Math.abs(timestamp - (Date.now() - skewMs))).toBeLessThan(1000);
  });

  it('reports, without throwing, an exchange that cannot tell its time', async () => {
    // The simulator tells its time (fetchTime), except when that call fails.
    expect(await resyncClock(await createExchange(exchangeConfig(), deps))).toMatchObject({ ok: true });
    const failing = exchangeConfig({ sim: { faults: [{ kind: 'exchange_not_available', probability: 1, methods: ['fetchTime'] }] } });
    const result = await resyncClock(await createExchange(failing, deps));
    expect(result.ok).toBe(false);
    expect(result.reason).toBeTruthy();
  });
});
