import { Exchange, type OHLCV, type Tickers } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { get_current_ranges } from '../../src/helpers/async-helper.js';

// Columns whose second-order swing highs are 7 and 9 and swing lows 2 and 1 (see pivots.test.ts).
const HIGHS = [1, 5, 2, 7, 3, 6, 2, 9, 4, 8, 1];
const LOWS = [9, 4, 8, 2, 7, 5, 6, 1, 5, 3, 9];
const RANGE_CANDLES: OHLCV[] = HIGHS.map((h, i) => [i * 60_000, 5, h, LOWS[i] ?? 5, 5, 1]);
/** Only swing highs: no low side at any price. */
const HIGH_ONLY: OHLCV[] = HIGHS.map((h, i) => [i * 60_000, 5, h, 0.5, 5, 1]);

/**
 * A tiny ccxt exchange serving hand-built candles per symbol and timeframe, so the timeframe
 * walk can be checked exactly. It records every candle request.
 */
class CandleFixtureExchange extends Exchange {
  candles: Record<string, Record<string, OHLCV[]>> = {};
  lastPrices: Record<string, number | undefined> = {};
  requests: string[] = [];

  override describe(): any {
    return this.deepExtend(super.describe(), {
      id: 'candlefixture',
      has: { fetchTickers: true, fetchOHLCV: true },
      timeframes: { '1m': '1m', '5m': '5m', '15m': '15m', '1h': '1h', '4h': '4h', '1d': '1d' },
    });
  }

  override async fetchTickers(symbols?: string[]): Promise<Tickers> {
    const out: Tickers = {};
    for (const s of symbols ?? []) {
      const last = this.lastPrices[s];
      out[s] = { symbol: s, last, close: last, info: {} } as Tickers[string];
    }
    return out;
  }

  override async fetchOHLCV(symbol: string, timeframe = '1m', _since?: number, limit?: number): Promise<OHLCV[]> {
    this.requests.push(`${symbol} ${timeframe} ${limit}`);
    return this.candles[symbol]?.[timeframe] ?? [];
  }
}

describe('get_current_ranges (hand-built candles)', () => {
  it('walks the timeframes until one gives both sides, asking for 1000 candles each time', async () => {
    const ex = new CandleFixtureExchange();
    ex.lastPrices = { 'A/USD:USD': 5, 'B/USD:USD': 8, 'C/USD:USD': 5 };
    ex.candles = {
      'A/USD:USD': { '1m': RANGE_CANDLES },
      'B/USD:USD': { '1m': HIGH_ONLY, '5m': HIGH_ONLY, '15m': RANGE_CANDLES },
      'C/USD:USD': {},
    };
    const ranges = await get_current_ranges(ex, ['A/USD:USD', 'B/USD:USD', 'C/USD:USD']);
    expect(ranges).toEqual({ 'A/USD:USD': [7, 2], 'B/USD:USD': [9, 2] });
    expect(ex.requests.filter((r) => r.startsWith('A/'))).toEqual(['A/USD:USD 1m 1000']);
    expect(ex.requests.filter((r) => r.startsWith('B/'))).toEqual([
      'B/USD:USD 1m 1000',
      'B/USD:USD 5m 1000',
      'B/USD:USD 15m 1000',
    ]);
    expect(ex.requests.filter((r) => r.startsWith('C/')).map((r) => r.split(' ')[1])).toEqual([
      '1m',
      '5m',
      '15m',
      '1h',
      '4h',
      '1d',
    ]);
  });

  it('skips timeframes the exchange does not offer and falls back to the last close without a ticker', async () => {
    const ex = new CandleFixtureExchange();
    ex.timeframes = { '1h': '1h', '1d': '1d' };
    const closeAt5 = RANGE_CANDLES.map((c) => [...c]) as OHLCV[];
    ex.candles = { 'A/USD:USD': { '1d': closeAt5 } };
    const ranges = await get_current_ranges(ex, ['A/USD:USD']);
    expect(ranges).toEqual({ 'A/USD:USD': [7, 2] });
    expect(ex.requests).toEqual(['A/USD:USD 1h 1000', 'A/USD:USD 1d 1000']);
  });

  it('returns nothing for an empty watch list without calling the exchange', async () => {
    const ex = new CandleFixtureExchange();
    expect(await get_current_ranges(ex, [])).toEqual({});
    expect(await get_current_ranges(ex, null)).toEqual({});
    expect(ex.requests).toEqual([]);
  });
});
