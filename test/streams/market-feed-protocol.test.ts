/**
 * How market-data deliveries that wait are folded together (src/streams/market-feed-protocol.ts):
 * in place into the caller's own object, never into the later delivery; one row per candle, the
 * newest, ascending, at most 1000; each market's newest price.
 */
import type { OHLCV } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { mergeDeliveries, type CandlesBySymbol } from '../../src/streams/market-feed-protocol.js';

const M = 60_000;
const row = (i: number, close: number): OHLCV => [i * M, close, close, close, close, 1];

describe('mergeDeliveries', () => {
  it('keeps the forming candle once, the newest push of it, and appends the next one', () => {
    const into: CandlesBySymbol = { ETH: { '1m': [row(1, 10), row(2, 11)] } };
    const newer: CandlesBySymbol = { ETH: { '1m': [row(2, 12), row(3, 13)] }, BTC: { '1m': [row(3, 50)] } };
    const frozen = JSON.stringify(newer);
    const out = mergeDeliveries('candles', into, newer) as CandlesBySymbol;
    expect(out).toBe(into);
    expect(out['ETH']!['1m']).toEqual([row(1, 10), row(2, 12), row(3, 13)]);
    expect(out['BTC']!['1m']).toEqual([row(3, 50)]);
    // The later delivery is left as it was, and what was added from it is not shared with it.
    expect(JSON.stringify(newer)).toBe(frozen);
    mergeDeliveries('candles', into, { BTC: { '1m': [row(3, 51)] } });
    expect(newer['BTC']!['1m']).toEqual([row(3, 50)]);
    expect(out['BTC']!['1m']).toEqual([row(3, 51)]);
  });

  it('sorts rows that come out of order, one per open time (the later delivery wins)', () => {
    const into: CandlesBySymbol = { ETH: { '1m': [row(2, 20), row(4, 40)] } };
    mergeDeliveries('candles', into, { ETH: { '1m': [row(3, 30), row(2, 21)] } });
    expect(into['ETH']!['1m']).toEqual([row(2, 21), row(3, 30), row(4, 40)]);
  });

  it('keeps at most 1000 rows per symbol and timeframe, the newest', () => {
    const into: CandlesBySymbol = { ETH: { '1m': Array.from({ length: 1000 }, (_, i) => row(i, i)) } };
    mergeDeliveries('candles', into, { ETH: { '1m': [row(1000, 1000), row(1001, 1001)] } });
    const rows = into['ETH']!['1m']!;
    expect(rows).toHaveLength(1000);
    expect(rows[0]![0]).toBe(2 * M);
    expect(rows.at(-1)![0]).toBe(1001 * M);
  });

  it("keeps each market's newest price", () => {
    const into = { ETH: { symbol: 'ETH', last: 1 }, BTC: { symbol: 'BTC', last: 2 } };
    mergeDeliveries('tickers', into, { ETH: { symbol: 'ETH', last: 3 } });
    expect(into).toEqual({ ETH: { symbol: 'ETH', last: 3 }, BTC: { symbol: 'BTC', last: 2 } });
  });
});
