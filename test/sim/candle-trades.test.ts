import { BadRequest } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { startSimServer } from '../../src/sim/http/binance-server.js';
import { listingTime } from '../../src/sim/universe.js';
import { simClient } from '../sim-server/fixtures/sim-client.js';
import { Probe } from '../sim-server/fixtures/ws-probe.js';

const S = 'BTC/USD:USD';
const START = 1_700_000_000_000;
const MIN = 60_000;

describe('candles are the aggregate of every trade in them (review 27 of the library, #3)', () => {
  it.each([0.001, 0.5])('60 market orders of %s BTC, alternating sides: every fill lies within its 1m, 5m and 1h candle and the 24 h ticker', async (amount) => {
    const clock = new VirtualClock(START);
    const ex = createSimExchange({ seed: 7 }, { clock });
    await ex.loadMarkets();
    for (let k = 0; k < 60; k++) {
      await ex.createOrder(S, 'market', k % 2 === 0 ? 'buy' : 'sell', amount);
      await clock.advance(7_000);
    }
    const fills = ex.getVenue().listFills({ symbol: S });
    expect(fills.length).toBeGreaterThanOrEqual(60);
    const outside: string[] = [];
    for (const tf of ['1m', '5m', '1h'] as const) {
      const rows = await ex.fetchOHLCV(S, tf, START - 3_600_000, 1000);
      const tfMs = ex.parseTimeframe(tf) * 1000;
      for (const f of fills) {
        const row = rows.find((r) => r[0] === Math.floor(f.timestamp / tfMs) * tfMs)!;
        if (f.price > row[2]! || f.price < row[3]!) outside.push(`${tf} ${f.side} ${f.price} in [${row[3]}, ${row[2]}]`);
      }
    }
    expect(outside).toEqual([]);
    const ticker = await ex.fetchTicker(S);
    expect(Math.max(...fills.map((f) => f.price))).toBeLessThanOrEqual(ticker.high!);
    expect(Math.min(...fills.map((f) => f.price))).toBeGreaterThanOrEqual(ticker.low!);
    // The synthesized public prints lie within their candles too.
    const rows = await ex.fetchOHLCV(S, '1m', START - 3_600_000, 1000);
    for (const t of await ex.fetchTrades(S, START, 1000)) {
      const row = rows.find((r) => r[0] === Math.floor(t.timestamp! / MIN) * MIN)!;
      expect(t.price).toBeLessThanOrEqual(row[2]!);
      expect(t.price).toBeGreaterThanOrEqual(row[3]!);
    }
  });

  it("a fill adds its amount to its candle's volume; the close stays the ticker's last", async () => {
    const clock = new VirtualClock(START);
    const ex = createSimExchange({ seed: 7 }, { clock });
    await ex.loadMarkets();
    const before = (await ex.fetchOHLCV(S, '1m', undefined, 1)).at(-1)!;
    await ex.createOrder(S, 'market', 'buy', 0.5);
    const after = (await ex.fetchOHLCV(S, '1m', undefined, 1)).at(-1)!;
    const fills = ex.getVenue().listFills({ symbol: S });
    expect(after[5]).toBeCloseTo(before[5]! + fills.reduce((s, f) => s + f.amount, 0), 9);
    expect(after[2]).toBe(Math.max(before[2]!, ...fills.map((f) => f.price)));
    expect(after[4]).toBe(before[4]);
    expect(after[4]).toBe((await ex.fetchTicker(S)).last);
  });

  it("the sim-server's klines (REST and ws) bound the fills as the in-process venue's candles do", async () => {
    const clock = new VirtualClock(START);
    const server = await startSimServer({ port: 0, seed: 7, clock });
    try {
      const ex = simClient(server.url);
      await ex.loadMarkets();
      for (let k = 0; k < 60; k++) {
        server.venue.placeOrder({ symbol: S, side: k % 2 === 0 ? 'buy' : 'sell', type: 'market', amount: 0.5 });
        await clock.advance(7_000);
      }
      const fills = server.venue.listFills({ symbol: S });
      const rest = await ex.fetchOHLCV(S, '1m', START - 60_000, 100);
      expect(rest).toEqual(server.venue.candles(S, '1m', START - 60_000, 100).map((r) => [r[0], r[1], r[2], r[3], r[4], expect.closeTo(r[5], 6)]));
      const outside = fills.filter((f) => {
        const row = rest.find((r) => r[0] === Math.floor(f.timestamp / MIN) * MIN)!;
        return f.price > row[2]! || f.price < row[3]!;
      });
      expect(outside).toEqual([]);
      // The kline stream pushes the same current candle.
      const top = server.venue.candles(S, '1m', undefined, 1).at(-1)!;
      const probe = await Probe.open(`${server.url.replace('http://', 'ws://')}/market/ws`);
      probe.send({ method: 'SUBSCRIBE', params: [`${String(ex.market(S).id).toLowerCase()}@kline_1m`], id: 1 });
      await probe.next((m) => m['id'] === 1);
      await clock.advance(1_000);
      const pushed = await probe.next((m) => m['e'] === 'kline' && (m['k'] as { t: number }).t === top[0]);
      expect(Number((pushed['k'] as { h: string }).h)).toBe(top[2]);
      expect(Number((pushed['k'] as { l: string }).l)).toBe(top[3]);
      probe.ws.close();
      await ex.close();
    } finally {
      await server.close();
    }
  });
});

describe('fetchOHLCV since edges (review 27 of the library, #8)', () => {
  it('since 0 starts at the listing (exchangeInfo onboardDate), not at 1970', async () => {
    const ex = createSimExchange({ seed: 7 }, { clock: new VirtualClock(START) });
    await ex.loadMarkets();
    const rows = await ex.fetchOHLCV(S, '1d', 0, 5);
    expect(rows[0]![0]).toBe(listingTime(START));
    expect(rows).toHaveLength(5);
    expect((await ex.fetchOHLCV(S, '1h', 0, 3))[0]![0]).toBe(listingTime(START));
  });

  it('since NaN or Infinity is a BadRequest, not an empty list', async () => {
    const ex = createSimExchange({ seed: 7 }, { clock: new VirtualClock(START) });
    await ex.loadMarkets();
    await expect(ex.fetchOHLCV(S, '1m', Number.NaN, 5)).rejects.toBeInstanceOf(BadRequest);
    await expect(ex.fetchOHLCV(S, '1m', Number.NaN, 5)).rejects.toThrow(/since must be a time in ms since the epoch, got NaN/);
    await expect(ex.fetchOHLCV(S, '1m', Number.POSITIVE_INFINITY, 5)).rejects.toBeInstanceOf(BadRequest);
  });

  it("the sim-server's klines with startTime 0 start at the listing too", async () => {
    const server = await startSimServer({ port: 0, seed: 21 });
    try {
      const ex = simClient(server.url);
      await ex.loadMarkets();
      const rows = await ex.fetchOHLCV('ETH/USD:USD', '1d', 0, 3);
      expect(rows[0]![0]).toBe(listingTime(server.venue.now()));
      await ex.close();
    } finally {
      await server.close();
    }
  });
});
