/**
 * The market-data thread under review: what piles up while nobody calls, and a close while it starts.
 */
import type { Exchange } from 'ccxt';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exchangeConfig } from '../../src/config/defaults.js';
import { SystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createExchange } from '../../src/exchange/factory.js';
import { MarketFeedThread } from '../../src/streams/market-feed.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { SimVenue } from '../../src/sim/venue.js';
import { STEP_MS } from '../../src/sim/price-path.js';
import { jumpingClock } from '../support/jumping-clock.js';
import { feedOnServer } from '../support/market-feed.js';
import { streamingRig, STREAM_SYMBOL } from '../support/streaming-rig.js';
import { until } from '../support/wait.js';

const ETH = STREAM_SYMBOL;
let server: SimServer | undefined;
let feed: MarketFeedThread | undefined;
let main: Exchange | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await feed?.close();
  await main?.close();
  await server?.close();
  feed = undefined;
  main = undefined;
  server = undefined;
});

/** Set when the feed was handed its markets (its thread is constructed within that turn). */
let served: Promise<void> = Promise.resolve();

async function feedOn(srv: SimServer, delayMarketsMs = 0): Promise<MarketFeedThread> {
  const made = await feedOnServer(srv, { delayMarketsMs });
  main = made.main;
  served = made.served;
  return made.feed;
}

/** A feed on a new sim-server whose first markets load predates ETH's listing; later loads list it. */
async function feedListingEthLater(seed: number): Promise<MarketFeedThread> {
  server = await startSimServer({ port: 0, seed, wsPushMs: 100 });
  const cfg = exchangeConfig({ id: 'binanceusdm', urls: { api: server.url }, options: { fetchCurrencies: false } });
  const ex = (main = await createExchange(cfg, { clock: new SystemClock(), logger: silentLogger() }));
  let loads = 0;
  return new MarketFeedThread({
    exchange: cfg,
    markets: async () => {
      await ex.loadMarkets();
      const markets = loads++ === 0 ? Object.fromEntries(Object.entries(ex.markets ?? {}).filter(([s]) => s !== ETH)) : ex.markets;
      return { markets, currencies: ex.currencies };
    },
    logger: silentLogger(),
  });
}

describe('market data thread: review', () => {
  it('candle rows that change while nobody calls are kept one per candle (the newest), not every change', async () => {
    const clock = jumpingClock();
    server = await startSimServer({ port: 0, seed: 61, wsPushMs: 50, venue: new SimVenue({ seed: 61, clock }) });
    feed = await feedOn(server);
    await feed.watchOHLCVForSymbols([[ETH, '1m']]);
    await feed.watchOHLCVForSymbols([[ETH, '1m']]);
    // Nobody calls (the watch list went empty: the candles stream idles without a watch call)
    // while the price moves seven times, across at least one candle's end.
    for (let i = 0; i < 7; i++) {
      clock.jump(STEP_MS);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const rows = (await feed.watchOHLCVForSymbols([[ETH, '1m']]))[ETH]?.['1m'] ?? [];
    const times = rows.map((r) => r[0]);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(new Set(times).size).toBe(times.length);
    expect(rows.at(-1)![4]).toBe(server.venue.ticker(ETH).last);
  });

  for (const [what, delayMs] of [['its markets', 3_000], ['its thread', 0]] as const) {
    it(`close while the thread starts (waiting for ${what}) returns at once and leaves no thread`, async () => {
      server = await startSimServer({ port: 0, seed: 62, wsPushMs: 100 });
      feed = await feedOn(server, delayMs);
      await main!.loadMarkets();
      const outcome = feed.watchTickers().then(() => 'answered', (e: Error) => e.message);
      // Its markets pending, or just handed over (the thread then loads tsx and ccxt: far longer than a turn).
      if (delayMs === 0) await served.then(() => new Promise((resolve) => setImmediate(resolve)));
      else await new Promise((resolve) => setTimeout(resolve, 100));
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

  it('renew (the session rebuilt, its markets reloaded) starts a thread with the new markets; the old one ends', async () => {
    feed = await feedListingEthLater(63);
    await expect(feed.watchOHLCVForSymbols([[ETH, '1m']])).rejects.toMatchObject({ name: 'BadSymbol' });
    const old = feed.thread!;
    const exited = new Promise<number>((resolve) => old.once('exit', resolve));
    const waiting = feed.watchTickers().then(() => 'answered', (e: Error) => e.message);
    feed.renew('exchange session rebuilt');
    expect(await waiting).toBe('market data thread renewed: exchange session rebuilt');
    // Called at once: the old thread's exit, which comes meanwhile, must not fail this call.
    const rows = (await feed.watchOHLCVForSymbols([[ETH, '1m']]))[ETH]?.['1m'] ?? [];
    await exited;
    expect(rows.length).toBeGreaterThan(0);
    expect(feed.threadsStarted).toBe(2);
    expect((await feed.watchTickers())[ETH]?.last).toBeGreaterThan(0);
  });

  it('adoptMarkets hands the running thread reloaded markets in place: a market listed since is watched on the same thread', async () => {
    feed = await feedListingEthLater(64);
    await expect(feed.watchOHLCVForSymbols([[ETH, '1m']])).rejects.toMatchObject({ name: 'BadSymbol' });
    expect((await feed.watchTickers())[ETH]).toBeUndefined();
    const thread = feed.thread!;
    expect(await feed.adoptMarkets()).toBe(true);
    const rows = (await feed.watchOHLCVForSymbols([[ETH, '1m']]))[ETH]?.['1m'] ?? [];
    expect(rows.length).toBeGreaterThan(0);
    // Deliveries carry the markets that changed since the last: ETH's comes within a few pushes.
    let eth: number | undefined;
    for (let i = 0; i < 50 && eth === undefined; i++) eth = (await feed.watchTickers())[ETH]?.last;
    expect(eth).toBeGreaterThan(0);
    expect(feed.thread).toBe(thread);
    expect(feed.threadsStarted).toBe(1);
    // With no thread running there is nothing to hand over: the caller renews (which starts none).
    await feed.close();
    expect(await feed.adoptMarkets()).toBe(false);
  });

  it('a session rebuild keeps fresh market streams on their sockets (new markets handed over); the user streams move to the new instance', async () => {
    const lines: { level: number; msg: string; stream?: string }[] = [];
    const rig = await streamingRig({ logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) }) });
    try {
      await rig.updater.start();
      await until(() => rig.updater.streamStats().every((s) => s.fresh), 15_000, 'fresh');
      const adopt = vi.spyOn(MarketFeedThread.prototype, 'adoptMarkets');
      const renew = vi.spyOn(MarketFeedThread.prototype, 'renew');
      const before = { tickers: rig.stream('tickers').reconnects, orders: rig.stream('orders').reconnects };
      const from = lines.length;
      await rig.updater.restartExchange('test');
      expect(adopt).toHaveBeenCalledTimes(1);
      expect(await adopt.mock.results[0]!.value).toBe(true);
      const feedThread = adopt.mock.contexts[0] as MarketFeedThread;
      const threads = feedThread.threadsStarted;
      await until(() => rig.stream('orders').reconnects > before.orders && rig.updater.streamStats().every((s) => s.fresh), 15_000, 'user streams resubscribed and fresh');
      expect(rig.stream('tickers').reconnects).toBe(before.tickers);
      expect(rig.stream('tickers').phase).toBe('up');
      expect(feedThread.threadsStarted).toBe(threads);
      expect(renew).not.toHaveBeenCalled();
      const streamLines = lines.slice(from).filter((l) => l.stream !== undefined);
      expect(streamLines.filter((l) => l.level >= 40)).toEqual([]);
      const told = new Set(streamLines.filter((l) => l.msg === 'stream reconnecting: the exchange session was rebuilt').map((l) => l.stream));
      const market = new Set(['tickers', 'candles']);
      expect([...told].sort()).toEqual(rig.updater.streamStats().map((s) => s.name).filter((n) => !market.has(n)).sort());
    } finally {
      await rig.close();
    }
  });

  it('a session rebuild while a market stream is not fresh renews the thread: the market streams resubscribe and are fresh again, said at info', async () => {
    const lines: { level: number; msg: string; stream?: string }[] = [];
    const rig = await streamingRig({ logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) }) });
    try {
      await rig.updater.start();
      await until(() => rig.updater.streamStats().every((s) => s.fresh), 15_000, 'fresh');
      const renew = vi.spyOn(MarketFeedThread.prototype, 'renew');
      // The market socket dropped and every new subscription refused: the tickers stream goes down.
      rig.server.faults.set('wsdrop:calls=1:path=market,wsrefuse:path=market');
      await until(() => !rig.stream('tickers').fresh, 15_000, 'tickers not fresh');
      const before = rig.stream('tickers').reconnects;
      const from = lines.length;
      await rig.updater.restartExchange('test');
      expect(renew).toHaveBeenCalledWith('exchange session rebuilt', true);
      const renewed = renew.mock.contexts[0] as MarketFeedThread;
      const threads = renewed.threadsStarted;
      rig.server.faults.set('');
      await until(() => rig.stream('tickers').reconnects > before && rig.updater.streamStats().every((s) => s.fresh), 20_000, 'resubscribed and fresh');
      // A thread of its own again, with the rebuilt session's markets.
      expect(renewed.threadsStarted).toBeGreaterThan(threads);
      const told = lines.slice(from).filter((l) => l.msg === 'stream reconnecting: the exchange session was rebuilt').map((l) => l.stream);
      expect(told).toContain('orders');
    } finally {
      await rig.close();
    }
  });
});
