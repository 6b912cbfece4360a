import { dec, decimalsOf, exact } from '../binance-format.js';
import { nextFundingTime } from '../../funding.js';
import type { SimCandle, SimMarket, SimTicker } from '../../venue-types.js';

/**
 * Venue data → Binance USD-M market-stream events (`e` = `kline`, `24hrTicker`,
 * `24hrMiniTicker`, `bookTicker`, `markPriceUpdate`), numbers as decimal strings like the REST face.
 */

const DAY_MS = 86_400_000;

/** A `<symbol>@kline_<interval>` event for the candle `c` (the current one is not closed). */
export function klineEvent(m: SimMarket, c: SimCandle, interval: string, timeframeMs: number, nowMs: number): Record<string, unknown> {
  const pp = decimalsOf(m.tickSize);
  const [t, o, h, l, close, v] = c;
  return {
    e: 'kline',
    E: nowMs,
    s: m.id,
    k: {
      t,
      T: t + timeframeMs - 1,
      s: m.id,
      i: interval,
      f: 1,
      L: 1,
      o: dec(o, pp),
      c: dec(close, pp),
      h: dec(h, pp),
      l: dec(l, pp),
      v: exact(v),
      n: 1,
      x: nowMs >= t + timeframeMs,
      q: dec(v * close, 4),
      V: '0',
      Q: '0',
      B: '0',
    },
  };
}

/** A `<symbol>@ticker` event (`24hrTicker`); futures tickers carry no bid/ask. */
export function tickerEvent(m: SimMarket, t: SimTicker): Record<string, unknown> {
  const pp = decimalsOf(m.tickSize);
  const change = t.last - t.open;
  return {
    e: '24hrTicker',
    E: t.timestamp,
    s: m.id,
    p: dec(change, pp),
    P: dec(t.open === 0 ? 0 : (change / t.open) * 100, 3),
    w: dec(t.baseVolume > 0 ? t.quoteVolume / t.baseVolume : t.last, pp),
    c: dec(t.last, pp),
    Q: dec(m.lotSize, decimalsOf(m.lotSize)),
    o: dec(t.open, pp),
    h: dec(t.high, pp),
    l: dec(t.low, pp),
    v: dec(t.baseVolume, 8),
    q: dec(t.quoteVolume, 2),
    O: t.timestamp - DAY_MS,
    C: t.timestamp,
    F: 1,
    L: 1,
    n: 1,
  };
}

/** A `<symbol>@miniTicker` / `!miniTicker@arr` entry (`24hrMiniTicker`). */
export function miniTickerEvent(m: SimMarket, t: SimTicker): Record<string, unknown> {
  const pp = decimalsOf(m.tickSize);
  return {
    e: '24hrMiniTicker',
    E: t.timestamp,
    s: m.id,
    c: dec(t.last, pp),
    o: dec(t.open, pp),
    h: dec(t.high, pp),
    l: dec(t.low, pp),
    v: dec(t.baseVolume, 8),
    q: dec(t.quoteVolume, 2),
  };
}

/** A `<symbol>@bookTicker` event. */
export function bookTickerEvent(m: SimMarket, t: SimTicker, updateId: number): Record<string, unknown> {
  const pp = decimalsOf(m.tickSize);
  const qp = decimalsOf(m.lotSize);
  return {
    e: 'bookTicker',
    u: updateId,
    E: t.timestamp,
    T: t.timestamp,
    s: m.id,
    b: dec(t.bid, pp),
    B: dec(t.bidVolume, qp),
    a: dec(t.ask, pp),
    A: dec(t.askVolume, qp),
  };
}

/** A `<symbol>@markPrice` event; the sim has no separate index. `rate`: the next funding's (see `funding.ts`'s `nextFundingRate`). */
export function markPriceEvent(m: SimMarket, t: SimTicker, rate: number): Record<string, unknown> {
  const pp = Math.max(decimalsOf(m.tickSize), 8);
  return {
    e: 'markPriceUpdate',
    E: t.timestamp,
    s: m.id,
    p: dec(t.markPrice, pp),
    i: dec(t.markPrice, pp),
    P: dec(t.markPrice, pp),
    r: dec(rate, 8),
    T: nextFundingTime(t.timestamp),
  };
}
