/**
 * An unmodified `ccxt.pro.binanceusdm` streams from `misso sim-server`: its websocket URLs are
 * moved with the API origin (`exchange.urls: {api: URL}`), and every watch method the engine
 * uses answers with what the venue holds.
 */
import { NetworkError, type binanceusdm } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { simClient, simProClient } from './fixtures/sim-client.js';
import { thrown } from '../support/thrown.js';

const BTC = 'BTC/USD:USD';
const STEP_MS = 10_000;

/**
 * Runs a check that compares a pushed value with the venue's current one, again when a 10 s
 * price step began while it ran (the push and the venue then legitimately differ).
 */
async function withinOneStep(check: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const step = Math.floor(Date.now() / STEP_MS);
    try {
      await check();
      return;
    } catch (error: unknown) {
      if (attempt >= 2 || Math.floor(Date.now() / STEP_MS) === step) throw error;
    }
  }
}
const ETH = 'ETH/USD:USD';

describe('ccxt.pro binanceusdm → misso sim-server websockets', () => {
  let server: SimServer;
  let ex: binanceusdm;

  beforeAll(async () => {
    server = await startSimServer({ port: 0, seed: 5, wsPushMs: 100 });
    ex = await simProClient(server.url);
    await ex.loadMarkets();
  });

  afterAll(async () => {
    await ex.close();
    await server.close();
  });

  it('dials ws:// on the server origin, keeping Binance paths', () => {
    const ws = (ex.urls as unknown as { api: { ws: { future: string } } }).api.ws.future;
    expect(ws).toBe(`${server.url.replace('http://', 'ws://')}/ws`);
  });

  it('watchTicker and watchTickers carry the venue last price of every perpetual', () => withinOneStep(async () => {
    const ticker = await ex.watchTicker(BTC);
    expect(ticker.symbol).toBe(BTC);
    expect(ticker.last).toBe(server.venue.ticker(BTC).last);
    const tickers = await ex.watchTickers();
    const swaps = server.venue.listMarkets().filter((m) => m.type === 'swap');
    expect(Object.keys(tickers).sort()).toEqual(swaps.map((m) => m.symbol).sort());
    for (const m of swaps) expect(tickers[m.symbol]!.last).toBe(server.venue.ticker(m.symbol).last);
  }));

  it('watchOHLCV and watchOHLCVForSymbols give the current candle REST also gives', () => withinOneStep(async () => {
    const rows = await ex.watchOHLCV(ETH, '1m');
    const last = rows.at(-1)!;
    expect(last.slice(0, 5)).toEqual(server.venue.candles(ETH, '1m', undefined, 1)[0]!.slice(0, 5));
    const multi = (await ex.watchOHLCVForSymbols([[BTC, '5m'], [ETH, '15m']])) as Record<string, Record<string, number[][]>>;
    const [symbol] = Object.keys(multi);
    expect([BTC, ETH]).toContain(symbol);
    const [tf] = Object.keys(multi[symbol!]!);
    const row = multi[symbol!]![tf!]!.at(-1)!;
    expect(row[0]).toBe(server.venue.candles(symbol!, tf!, undefined, 1)[0]![0]);
  }));

  it('watchPositions, watchOrders, watchMyTrades and watchBalance see a market order fill', async () => {
    const snapshot = await ex.watchPositions();
    expect(snapshot).toEqual([]);
    const positions = ex.watchPositions();
    const orders = ex.watchOrders();
    const trades = ex.watchMyTrades();
    const balance = ex.watchBalance();
    await new Promise((r) => setTimeout(r, 200));
    const placed = await simClient(server.url).createOrder(BTC, 'market', 'buy', 0.01);

    const seenOrders = await orders;
    expect(seenOrders.map((o) => o.id)).toContain(placed.id);
    const filled = seenOrders.find((o) => o.id === placed.id)!;
    expect(filled.status).toBe('closed');
    expect(filled.filled).toBe(0.01);

    const seenTrades = await trades;
    const fill = server.venue.getOrder({ id: placed.id! }).fills[0]!;
    expect(seenTrades.map((t) => [t.id, t.order, t.amount, t.price])).toEqual([[fill.id, placed.id, 0.01, fill.price]]);

    expect((await balance)['USD']?.total).toBeCloseTo(server.venue.balance().wallet, 6);
    const pos = await positions;
    expect(pos.map((p) => [p.symbol, p.contracts, p.side])).toEqual([[BTC, 0.01, 'long']]);
  });

  it('reconnects after a wsdrop: the pending watch fails with NetworkError, the next one redials', async () => {
    await ex.watchTicker(ETH);
    const before = server.ws.counters.connections;
    server.faults.set('wsdrop:path=market');
    const error = await thrown(async () => {
      for (;;) await ex.watchTicker(ETH);
    });
    expect(error).toBeInstanceOf(NetworkError);
    server.faults.clear();
    expect(server.ws.counters.drops).toBeGreaterThan(0);
    await withinOneStep(async () => {
      const again = await ex.watchTicker(ETH);
      expect(again.last).toBe(server.venue.ticker(ETH).last);
    });
    expect(server.ws.counters.connections).toBeGreaterThan(before);
  });
});
