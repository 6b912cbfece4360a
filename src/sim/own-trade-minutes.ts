import { cleanNumber } from './universe.js';
import type { SimCandle, SimFill, SimTicker } from './venue-types.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Minutes with fills kept per market (a year of trading every minute); older ones are dropped. */
const MAX_MINUTES = 525_600;

/** The range and volume of the account's own fills over a span of time. */
export interface TradeSpan {
  high: number;
  low: number;
  /** Base-asset volume (contracts × contract size). */
  volume: number;
  /** USD volume (price × base volume). */
  quoteVolume: number;
}

/** One market's minutes with fills, oldest first, as parallel columns. */
interface Minutes {
  at: number[];
  high: number[];
  low: number[];
  volume: number[];
  quote: number[];
}

/**
 * The account's own fills, minute by minute, for folding into the candles and the 24 h ticker. The
 * price path is the market's last price, and the other traders' prints lie within its steps; the
 * account's taker fills are at the ask or bid, or deeper in the book, so without them a candle
 * could miss a trade made inside it. A venue's candle is the aggregate of all its trades: its
 * high and low bound every fill in it, and its volume counts them. The close stays the path's
 * (the ticker's `last`), which the touch is quoted around.
 */
export class OwnTradeMinutes {
  readonly #bySymbol = new Map<string, Minutes>();

  /** Records one fill of `contractSize` base units per contract. */
  record(fill: SimFill, contractSize: number): void {
    let m = this.#bySymbol.get(fill.symbol);
    if (!m) this.#bySymbol.set(fill.symbol, (m = { at: [], high: [], low: [], volume: [], quote: [] }));
    const minute = Math.floor(fill.timestamp / MINUTE_MS);
    const base = fill.amount * contractSize;
    // Fills come in time order; one stamped earlier than the last minute (none is) finds its place.
    let k = lowerBound(m.at, minute);
    if (m.at[k] !== minute) {
      for (const col of [m.at, m.high, m.low, m.volume, m.quote]) col.splice(k, 0, 0);
      m.at[k] = minute;
      m.high[k] = fill.price;
      m.low[k] = fill.price;
    }
    m.high[k] = Math.max(m.high[k]!, fill.price);
    m.low[k] = Math.min(m.low[k]!, fill.price);
    m.volume[k] = m.volume[k]! + base;
    m.quote[k] = m.quote[k]! + base * fill.price;
    if (m.at.length > MAX_MINUTES) {
      k = m.at.length - MAX_MINUTES;
      for (const col of [m.at, m.high, m.low, m.volume, m.quote]) col.splice(0, k);
    }
  }

  /** The own fills of `symbol` from `from` (inclusive) to `to` (exclusive), by whole minutes; undefined when none. */
  span(symbol: string, from: number, to: number): TradeSpan | undefined {
    const m = this.#bySymbol.get(symbol);
    if (!m) return undefined;
    const end = Math.ceil(to / MINUTE_MS);
    let span: TradeSpan | undefined;
    for (let k = lowerBound(m.at, Math.floor(from / MINUTE_MS)); k < m.at.length && m.at[k]! < end; k++) {
      span ??= { high: -Infinity, low: Infinity, volume: 0, quoteVolume: 0 };
      span.high = Math.max(span.high, m.high[k]!);
      span.low = Math.min(span.low, m.low[k]!);
      span.volume += m.volume[k]!;
      span.quoteVolume += m.quote[k]!;
    }
    return span;
  }

  /** A candle of `symbol` opening at `row[0]` and lasting `timeframeMs`, widened to the own fills in it. */
  candle(symbol: string, row: SimCandle, timeframeMs: number): SimCandle {
    const s = this.span(symbol, row[0], row[0] + timeframeMs);
    if (!s) return row;
    return [row[0], row[1], Math.max(row[2], s.high), Math.min(row[3], s.low), row[4], cleanNumber(row[5] + s.volume)];
  }

  /** The own fills of `symbol` in the 24 h ticker's window at `now`: the current hour and the 23 before it, as `tickerOf` counts. */
  daySpan(symbol: string, now: number): TradeSpan | undefined {
    return this.span(symbol, (Math.floor(now / HOUR_MS) - 23) * HOUR_MS, now + 1);
  }

  /** The 24 h ticker widened to the own fills in its window. */
  ticker(ticker: SimTicker): SimTicker {
    const s = this.daySpan(ticker.symbol, ticker.timestamp);
    if (!s) return ticker;
    return {
      ...ticker,
      high: Math.max(ticker.high, s.high),
      low: Math.min(ticker.low, s.low),
      baseVolume: cleanNumber(ticker.baseVolume + s.volume),
      quoteVolume: ticker.quoteVolume + s.quoteVolume,
    };
  }
}

/** The first index of the sorted `xs` whose value is at least `x`. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
