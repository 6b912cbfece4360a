/**
 * The market-data streams on a thread of their own (src/streams/market-feed.ts), against misso
 * sim-server through an unmodified ccxt.pro binanceusdm: what the thread hands over, a teardown
 * and a resubscription, a thread that dies, the close, and the engine keeping no market-data
 * socket of its own.
 */
import type { Exchange } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { exchangeConfig } from '../../src/config/defaults.js';
import { silentLogger } from '../../src/core/logger.js';
import { MarketFeedThread } from '../../src/streams/market-feed.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { feedOnServer } from '../support/market-feed.js';
import { streamingRig, STREAM_SYMBOL } from '../support/streaming-rig.js';
import { until } from '../support/wait.js';

const ETH = STREAM_SYMBOL;

let server: SimServer | undefined;
let feed: MarketFeedThread | undefined;
let main: Exchange | undefined;
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await feed?.close();
  await main?.close();
  await server?.close();
  for (const close of closers.splice(0)) await close();
  feed = undefined;
  main = undefined;
  server = undefined;
});

async function feedOn(srv: SimServer, options: { dropAnswerMs?: number } = {}): Promise<MarketFeedThread> {
  const made = await feedOnServer(srv, options);
  main = made.main;
  return made.feed;
}

/** Calls `watchTickers` until an answer satisfies `ok`, for up to 5 s. */
async function answered(f: MarketFeedThread, ok: (prices: Awaited<ReturnType<MarketFeedThread['watchTickers']>>) => boolean, what: string): Promise<void> {
  const end = Date.now() + 5_000;
  while (!ok(await f.watchTickers())) if (Date.now() > end) throw new Error(`not within 5000 ms: ${what}`);
}

describe('market data on its own thread', () => {
  it("hands over every market's last price and the candle rows, as the venue has them", async () => {
    server = await startSimServer({ port: 0, seed: 51, wsPushMs: 100 });
    feed = await feedOn(server);
    const prices = await feed.watchTickers();
    expect(feed.thread).not.toBeNull();
    // Every market ccxt knows (the venue also lists markets ccxt leaves out, e.g. delisted ones).
    const known = main!.markets as Record<string, { active?: boolean } | undefined>;
    expect(Object.keys(prices).sort()).toEqual(server.venue.tickers().map((t) => t.symbol).filter((s) => known[s] !== undefined && known[s].active !== false).sort());
    const eth = prices[ETH]!;
    expect(eth.symbol).toBe(ETH);
    // Only what the engine keeps crosses: the symbol, the last price, and the event time (the stream's lag is measured by it).
    expect(Object.keys(eth).sort()).toEqual(['last', 'symbol', 'timestamp']);
    expect(Math.abs(eth.timestamp! - Date.now())).toBeLessThan(5_000);
    await answered(feed, (p) => p[ETH]?.last === server!.venue.ticker(ETH).last, 'the venue price');
    const candles = await feed.watchOHLCVForSymbols([[ETH, '1m']]);
    const rows = candles[ETH]?.['1m'] ?? [];
    expect(rows.length).toBeGreaterThan(0);
    const [ts, open, high, low, close] = rows.at(-1)!;
    expect(ts! % 60_000).toBe(0);
    expect(high!).toBeGreaterThanOrEqual(Math.max(open!, close!));
    expect(low!).toBeLessThanOrEqual(Math.min(open!, close!));
    // One thread for both streams; the engine's own instance has no market-data socket.
    expect(feed.threadsStarted).toBe(1);
    expect(Object.keys((main as unknown as { clients: object }).clients)).toEqual([]);
  });

  it('a drop fails the waiting call; the next call subscribes again on a new connection', async () => {
    server = await startSimServer({ port: 0, seed: 52, wsPushMs: 100 });
    feed = await feedOn(server);
    await feed.watchTickers();
    await feed.watchTickers();
    const connections = server.ws.counters.connections;
    const waiting = feed.watchTickers();
    const outcome = waiting.then(() => 'answered', (e: Error) => e.message);
    feed.drop('tickers', 'stream tickers stalled');
    expect(await outcome).toBe('stream tickers stalled');
    await answered(feed, (p) => Object.keys(p).length > 0, 'prices again');
    expect(server.ws.counters.connections).toBeGreaterThan(connections);
    expect(feed.threadsStarted).toBe(1);
  });

  it('a thread that dies fails the waiting call with a NetworkError; the next call starts a new one', async () => {
    server = await startSimServer({ port: 0, seed: 53, wsPushMs: 100 });
    feed = await feedOn(server);
    await feed.watchTickers();
    await feed.watchTickers();
    const waiting = feed.watchTickers();
    const outcome = waiting.then(() => null, (e: Error) => e);
    await feed.thread!.terminate();
    expect(await outcome).toMatchObject({ name: 'NetworkError', message: expect.stringContaining('market data thread ended') });
    const prices = await feed.watchTickers();
    expect(prices[ETH]?.last).toBeGreaterThan(0);
    expect(feed.threadsStarted).toBe(2);
  });

  it('a thread that does not answer a teardown is taken for stuck: ended, and the next call starts a new one', async () => {
    server = await startSimServer({ port: 0, seed: 57, wsPushMs: 100 });
    feed = await feedOn(server, { dropAnswerMs: 300 });
    await feed.watchTickers();
    const stuck = feed.thread!;
    const exited = new Promise<number>((resolve) => stuck.once('exit', resolve));
    // What a stuck thread looks like from here: it hears nothing and says nothing.
    stuck.removeAllListeners('message');
    stuck.postMessage = () => undefined;
    const outcome = feed.watchTickers().then(() => 'answered', (e: Error) => e.message);
    feed.drop('tickers', 'stream tickers stalled');
    expect(await outcome).toBe('stream tickers stalled');
    await exited;
    expect(feed.thread).toBeNull();
    expect((await feed.watchTickers())[ETH]?.last).toBeGreaterThan(0);
    expect(feed.threadsStarted).toBe(2);
  });

  it('a thread that answers a teardown is kept', async () => {
    server = await startSimServer({ port: 0, seed: 58, wsPushMs: 100 });
    feed = await feedOn(server, { dropAnswerMs: 300 });
    await feed.watchTickers();
    const thread = feed.thread!;
    feed.drop('tickers', 'stream tickers stalled');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(feed.thread).toBe(thread);
    expect((await feed.watchTickers())[ETH]?.last).toBeGreaterThan(0);
    expect(feed.threadsStarted).toBe(1);
  });

  it('a failure on the thread reaches the caller as the ccxt error it was', async () => {
    server = await startSimServer({ port: 0, seed: 54, wsPushMs: 100 });
    feed = await feedOn(server);
    await feed.watchTickers();
    server.faults.set('wsdrop:calls=1:path=market');
    // Calls answered before the drop reached the thread are fine; one fails, as ccxt failed it.
    let failure: unknown = null;
    const deadline = Date.now() + 5_000;
    while (failure === null && Date.now() < deadline) failure = await feed.watchTickers().then(() => null, (e: unknown) => e);
    expect(failure).toMatchObject({ name: 'NetworkError' });
    expect(server.ws.counters.drops).toBe(1);
    // The thread waits for the next call to dial again, and that call is answered.
    expect((await feed.watchTickers())[ETH]?.last).toBeGreaterThan(0);
  });

  it('close fails waiting calls, ends the thread, and refuses later calls', async () => {
    server = await startSimServer({ port: 0, seed: 55, wsPushMs: 100 });
    feed = await feedOn(server);
    await feed.watchTickers();
    const thread = feed.thread!;
    const exited = new Promise<number>((resolve) => thread.once('exit', resolve));
    await feed.watchTickers();
    const outcome = feed.watchTickers().then(() => 'answered', (e: Error) => e.message);
    await feed.close();
    expect(await outcome).toBe('market data thread closed');
    expect(await exited).toBe(0);
    expect(feed.thread).toBeNull();
    await expect(feed.watchTickers()).rejects.toThrow('market data thread closed');
    await until(() => server!.ws.counters.open === 0, 5_000, 'its socket closed');
  });

  it('a thread that cannot start fails the call with the reason', async () => {
    server = await startSimServer({ port: 0, seed: 56, wsPushMs: 100 });
    const cfg = exchangeConfig({ id: 'binanceusdm', urls: { api: server.url }, options: { fetchCurrencies: false } });
    feed = new MarketFeedThread({
      exchange: cfg,
      markets: () => Promise.reject(new Error('markets not loaded: exchangeInfo refused')),
      logger: silentLogger(),
    });
    await expect(feed.watchTickers()).rejects.toThrow('markets not loaded: exchangeInfo refused');
    expect(feed.thread).toBeNull();
  });
});

describe('the engine with market data on its own thread', () => {
  const clientsOf = (ex: Exchange): string[][] =>
    Object.values((ex as unknown as { clients: Record<string, { subscriptions?: object }> }).clients).map((c) => Object.keys(c.subscriptions ?? {}));

  for (const thread of ['worker', 'main'] as const) {
    it(`market_data_thread: ${thread}${thread === 'worker' ? ' (the default)' : ''} keeps the market sockets ${thread === 'worker' ? 'off' : 'on'} the engine's instance; prices arrive by stream either way`, async () => {
      // The default is not written: a config without the key gets the thread.
      const rig = await streamingRig({ exchange: thread === 'worker' ? {} : { market_data_thread: thread } });
      closers.push(rig.close);
      await rig.updater.start();
      const u = rig.updater;
      await until(() => rig.stream('tickers')?.fresh === true && rig.stream('orders')?.fresh === true, 10_000, 'streams fresh');
      await until(() => u.state.get<Record<string, number>>('last_price')?.[ETH] === rig.server.venue.ticker(ETH).last, 5_000, 'the venue price');
      expect(u.state.meta('last_price')?.source).toBe('ws');
      const instance = (u.session as unknown as { instance: Exchange }).instance;
      const marketClients = clientsOf(instance).filter((subs) => subs.some((s) => s.startsWith('tickers:') || s.startsWith('ticker:')));
      expect(marketClients.length).toBe(thread === 'worker' ? 0 : 1);
    });
  }
});
