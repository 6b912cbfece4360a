/**
 * The market-data thread under review: what piles up while nobody calls, and a close while it starts.
 */
import type { Exchange } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { exchangeConfig } from '../../src/config/defaults.js';
import { SystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createExchange } from '../../src/exchange/factory.js';
import { MarketFeedThread } from '../../src/streams/market-feed.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { STREAM_SYMBOL } from '../support/streaming-rig.js';

const ETH = STREAM_SYMBOL;
let server: SimServer | undefined;
let feed: MarketFeedThread | undefined;
let main: Exchange | undefined;

afterEach(async () => {
  await feed?.close();
  await main?.close();
  await server?.close();
  feed = undefined;
  main = undefined;
  server = undefined;
});

async function feedOn(srv: SimServer, delayMarketsMs = 0): Promise<MarketFeedThread> {
  const cfg = exchangeConfig({ id: 'binanceusdm', urls: { api: srv.url }, options: { fetchCurrencies: false } });
  const ex = (main = await createExchange(cfg, { clock: new SystemClock(), logger: silentLogger() }));
  return new MarketFeedThread({
    exchange: cfg,
    markets: async () => {
      await ex.loadMarkets();
      await new Promise((resolve) => setTimeout(resolve, delayMarketsMs));
      return { markets: ex.markets, currencies: ex.currencies };
    },
    logger: silentLogger(),
  });
}

describe('market data thread: review', () => {
  it('candle rows that arrive while nobody calls are kept one per candle (the newest), not every push', async () => {
    server = await startSimServer({ port: 0, seed: 61, wsPushMs: 50 });
    feed = await feedOn(server);
    await feed.watchOHLCVForSymbols([[ETH, '1m']]);
    await feed.watchOHLCVForSymbols([[ETH, '1m']]);
    // Nobody calls (the watch list went empty: the candles stream idles without a watch call).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const rows = (await feed.watchOHLCVForSymbols([[ETH, '1m']]))[ETH]?.['1m'] ?? [];
    const times = rows.map((r) => r[0]);
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(times).size).toBe(times.length);
    expect(rows.at(-1)![4]).toBe(server.venue.ticker(ETH).last);
  });

  for (const [what, delayMs, waitMs] of [['its markets', 3_000, 100], ['its thread', 0, 300]] as const) {
    it(`close while the thread starts (waiting for ${what}) returns at once and leaves no thread`, async () => {
      server = await startSimServer({ port: 0, seed: 62, wsPushMs: 100 });
      feed = await feedOn(server, delayMs);
      await main!.loadMarkets();
      const outcome = feed.watchTickers().then(() => 'answered', (e: Error) => e.message);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      expect(feed.starting).toBe(true);
      const t0 = Date.now();
      await feed.close();
      expect(Date.now() - t0).toBeLessThan(500);
      expect(await outcome).toBe('market data thread closed');
      await new Promise((resolve) => setTimeout(resolve, delayMs + 500));
      expect(feed.starting).toBe(false);
      expect(feed.threadsStarted).toBe(0);
      expect(server.ws.counters.connections).toBe(0);
    });
  }
});
