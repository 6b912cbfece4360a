import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { listingTime } from '../../src/sim/universe.js';
import { SimVenue } from '../../src/sim/venue.js';
import { SIM_TIMEFRAMES, type SimCandle } from '../../src/sim/venue-types.js';

const START = 1_700_000_000_000;
const MIN = 60_000;

function aggregate(rows: SimCandle[]): [number, number, number, number, number] {
  return [
    rows[0]![1],
    Math.max(...rows.map((r) => r[2])),
    Math.min(...rows.map((r) => r[3])),
    rows[rows.length - 1]![4],
    rows.reduce((s, r) => s + r[5], 0),
  ];
}

describe('SimVenue candles', () => {
  it('serves 1000 1m candles per market for all 40 perpetuals (the seed start-up load; its speed is in bench/)', () => {
    const venue = new SimVenue({ seed: 7, clock: new VirtualClock(START + 12_345) });
    const symbols = venue.listMarkets().filter((m) => m.type === 'swap').map((m) => m.symbol);
    expect(symbols).toHaveLength(40);
    for (const s of symbols) expect(venue.candles(s, '1m', undefined, 1000)).toHaveLength(1000);
  });

  it('ends with the current candle, consistent with the ticker', async () => {
    const clock = new VirtualClock(START + 37_000);
    const venue = new SimVenue({ seed: 3, clock });
    for (let round = 0; round < 5; round++) {
      for (const symbol of ['BTC/USD:USD', 'DOGE/USD:USD', 'USDT/USD:USD']) {
        const t = venue.ticker(symbol);
        expect(t.bid).toBeLessThan(t.last);
        expect(t.ask).toBeGreaterThan(t.last);
        for (const tf of Object.keys(SIM_TIMEFRAMES)) {
          const rows = venue.candles(symbol, tf, undefined, 50);
          const lastRow = rows[rows.length - 1]!;
          const len = SIM_TIMEFRAMES[tf as keyof typeof SIM_TIMEFRAMES];
          expect(lastRow[0]).toBe(Math.floor(clock.now() / len) * len);
          expect(lastRow[4]).toBe(t.last);
          for (const [ts, o, h, l, c, v] of rows) {
            expect(ts % len).toBe(0);
            expect(h).toBeGreaterThanOrEqual(Math.max(o, c));
            expect(l).toBeLessThanOrEqual(Math.min(o, c));
            expect(v).toBeGreaterThanOrEqual(0);
          }
          for (let i = 1; i < rows.length; i++) {
            expect(rows[i]![0] - rows[i - 1]![0]).toBe(len);
            // Consecutive candles share the boundary price.
            expect(rows[i]![1]).toBe(rows[i - 1]![4]);
          }
        }
        // The ticker's 24 h range contains last.
        expect(t.high).toBeGreaterThanOrEqual(t.last);
        expect(t.low).toBeLessThanOrEqual(t.last);
      }
      await clock.advance(7 * MIN + 13_000);
    }
  });

  it('makes coarser candles exact aggregates of finer ones, the unfinished one included', () => {
    const clock = new VirtualClock(START + 3 * 3_600_000 + 17 * MIN + 25_000);
    const venue = new SimVenue({ seed: 11, clock });
    const symbol = 'ETH/USD:USD';
    const oneMin = venue.candles(symbol, '1m', undefined, 1440);
    const byPeriod = (len: number): Map<number, SimCandle[]> => {
      const groups = new Map<number, SimCandle[]>();
      for (const r of oneMin) {
        const key = Math.floor(r[0] / len) * len;
        groups.set(key, [...(groups.get(key) ?? []), r]);
      }
      return groups;
    };
    for (const tf of ['5m', '15m', '1h'] as const) {
      const len = SIM_TIMEFRAMES[tf];
      const groups = byPeriod(len);
      const coarse = venue.candles(symbol, tf, undefined, 10);
      for (const row of coarse) {
        const parts = groups.get(row[0])!;
        expect(parts.length).toBe(Math.min(len / MIN, Math.floor((clock.now() - row[0]) / MIN) + 1));
        const [o, h, l, c, v] = aggregate(parts);
        expect([row[1], row[2], row[3], row[4]]).toEqual([o, h, l, c]);
        expect(Math.abs(row[5] - v) / v).toBeLessThan(1e-8);
      }
    }
    // 1d from 4h, far in the past.
    const days = venue.candles(symbol, '1d', START - 400 * 86_400_000, 3);
    const fourH = venue.candles(symbol, '4h', START - 400 * 86_400_000, 18);
    for (let d = 0; d < 3; d++) {
      const [o, h, l, c] = aggregate(fourH.slice(d * 6, d * 6 + 6));
      expect(days[d]!.slice(1, 5)).toEqual([o, h, l, c]);
    }
  });

  it('honours since and limit, so incremental refreshes return only new candles', async () => {
    const clock = new VirtualClock(START);
    const venue = new SimVenue({ seed: 5, clock });
    const first = venue.candles('SOL/USD:USD', '1m', undefined, 1000);
    const lastTs = first[first.length - 1]![0];
    await clock.advance(3 * MIN + 5_000);
    const fresh = venue.candles('SOL/USD:USD', '1m', lastTs + 1);
    expect(fresh.map((r) => r[0])).toEqual([lastTs + MIN, lastTs + 2 * MIN, lastTs + 3 * MIN]);
    // From the last seen candle: it is returned again, now finished, then the new ones.
    const again = venue.candles('SOL/USD:USD', '1m', lastTs);
    expect(again[0]![0]).toBe(lastTs);
    expect(again).toHaveLength(4);
    // Older history is unchanged by time passing.
    expect(venue.candles('SOL/USD:USD', '1m', first[0]![0], 999)).toEqual(first.slice(0, 999));
    // With since, limit keeps the first ones.
    expect(venue.candles('SOL/USD:USD', '1m', first[0]![0], 2).map((r) => r[0])).toEqual([first[0]![0], first[1]![0]]);
    // Nothing after now.
    expect(venue.candles('SOL/USD:USD', '1m', clock.now() + MIN)).toEqual([]);
    expect(() => venue.candles('SOL/USD:USD', '2m')).toThrow(/timeframe/);
    expect(() => venue.candles('SOL/USD:USD', '1m', undefined, 5000)).toThrow(/limit/);
  });

  it('gives the same bars whatever order they are asked in (random access, cache-independent)', () => {
    const clock = new VirtualClock(START + 99_000);
    const a = new SimVenue({ seed: 9, clock });
    const b = new SimVenue({ seed: 9, clock });
    for (const tf of ['1d', '4h', '1h', '15m', '5m']) b.candles('LINK/USD:USD', tf, undefined, 1000);
    expect(b.candles('LINK/USD:USD', '1m', undefined, 300)).toEqual(a.candles('LINK/USD:USD', '1m', undefined, 300));
    expect(a.candles('LINK/USD:USD', '1d', undefined, 30)).toEqual(b.candles('LINK/USD:USD', '1d', undefined, 30));
  });

  it('walks daily candles back to the listing, a year before: 1000 asked give the 366 since it (Binance gives none before)', () => {
    const venue = new SimVenue({ seed: 7, clock: new VirtualClock(START) });
    const rows = venue.candles('BTC/USD:USD', '1d', undefined, 1000);
    expect(rows).toHaveLength(366);
    expect(rows[0]![0]).toBe(listingTime(START));
    expect(rows.every((r) => r[3] > 0 && Number.isFinite(r[2]))).toBe(true);
  });
});
