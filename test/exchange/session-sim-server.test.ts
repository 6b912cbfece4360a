import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { errorKind, isAmbiguous } from '../../src/exchange/classify.js';
import { createExchangeSession, type ManagedExchangeSession } from '../../src/exchange/session.js';
import { DEFAULT_SIM_API_KEY, DEFAULT_SIM_SECRET, startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { exchangeConfig } from './helpers.js';

/** A sim-server and a binanceusdm session on it, with a perpetual's symbol to call. */
async function rig(extra: { rebuildDelayMs?: number } = {}): Promise<{ server: SimServer; session: ManagedExchangeSession; symbol: string }> {
  const server = await startSimServer({ port: 0 });
  const session = await createExchangeSession({
    config: exchangeConfig({
      id: 'binanceusdm',
      urls: { api: server.url },
      apiKey: DEFAULT_SIM_API_KEY,
      secret: DEFAULT_SIM_SECRET,
      timeoutMs: 2000,
      options: { fetchCurrencies: false },
      rateBudget: { capacity: null, windowMs: 1000, enabled: true },
    }),
    clock: new SystemClock(),
    logger: silentLogger(),
    ...extra,
  });
  const symbol = session.exchange.symbols.find((s) => s.endsWith(':USDT') || s.endsWith(':USD')) ?? '';
  return { server, session, symbol };
}

// The session's whole path over real HTTP: factory → ccxt.binanceusdm → misso sim-server.
describe('ExchangeSession against misso sim-server', () => {
  let server: SimServer;
  let session: ManagedExchangeSession;
  let symbol = '';

  beforeAll(async () => {
    ({ server, session, symbol } = await rig());
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  it('derives the budget from ccxt rateLimit and spends it per call', async () => {
    expect(session.budget.capacity).toBe(Math.floor(1000 / (session.instance.rateLimit ?? 0)));
    const ticker = await session.exchange.fetchTicker(symbol);
    expect(ticker.last).toBeGreaterThan(0);
    expect(session.stats().calls['fetchTicker']).toBe(1);
  });

  it('pauses market data on a 429 with Retry-After while an order call still goes out', async () => {
    server.faults.set('429:retry=30:path=/fapi/v1/ticker/24hr');
    const error = await session.exchange.fetchTicker(symbol).catch((err: unknown) => err);
    server.faults.clear();
    expect(error).toBeInstanceOf(ccxt.DDoSProtection);
    expect(errorKind(error)).toBe('rate_limit');
    const paused = session.budget.stats().pausedUntil - Date.now();
    expect(paused).toBeGreaterThan(25_000);
    expect(paused).toBeLessThanOrEqual(30_000);
    const cancel = await session.exchange.cancelOrder('123456', symbol).catch((err: unknown) => err);
    expect(cancel).toBeInstanceOf(ccxt.OrderNotFound);
    expect(errorKind(cancel)).toBe('not_found');
  });

  it('classifies a 5xx on a write as retryable and ambiguous', async () => {
    server.faults.set('503:path=order');
    const error = await session.exchange.cancelOrder('123456', symbol).catch((err: unknown) => err);
    server.faults.clear();
    expect(errorKind(error)).toBe('retryable');
    expect(isAmbiguous(error)).toBe(true);
  });

});

// Its own server and session: the 429 above pauses market calls (a rebuild's loadMarkets too) for 30 s.
describe('ExchangeSession health against misso sim-server', () => {
  let server: SimServer;
  let session: ManagedExchangeSession;
  let symbol = '';

  beforeAll(async () => {
    ({ server, session, symbol } = await rig({ rebuildDelayMs: 50 }));
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  it('under 5xx:1, its health counts the failed calls and the failed rebuilds, named by class and status', async () => {
    server.faults.set('5xx:1');
    try {
      for (let i = 0; i < 3; i++) await session.exchange.fetchTicker(symbol).catch(() => undefined);
      expect(session.health()).toMatchObject({ failedCalls: 3, restartingSince: null, lastCallError: 'ExchangeNotAvailable (HTTP 503)' });
      const restart = session.restart().catch(() => undefined);
      const until = Date.now() + 10_000;
      while (session.health().failedRebuilds < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(session.restarting).toBe(true);
      expect(session.health().failedRebuilds).toBeGreaterThanOrEqual(2);
      expect(session.health().lastRebuildError).toBe('ExchangeNotAvailable (HTTP 503)');
      expect(session.health().restartingSince).toBeGreaterThan(0);
      // Back before the next rebuild: it works, and the failures before it no longer count.
      server.faults.clear();
      await restart;
      expect(session.restarting).toBe(false);
      expect(session.health()).toEqual({ restartingSince: null, failedRebuilds: 0, lastRebuildError: null, failedCalls: 0, failingSince: null, lastCallError: null });
    } finally {
      server.faults.clear();
    }
  });
});
