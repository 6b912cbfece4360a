import { mergeCandles, type CandleRow } from '../tasks/update-candles.js';

/** A candle extreme that moved: a trade at `price`, received at `at`, made after `after`. */
export interface PriceMove {
  readonly at: number;
  readonly after: number;
  readonly price: number;
}

interface CandleExtremes {
  open: number;
  low: number;
  high: number;
  /** When the last delivery came, and the one before it. */
  at: number;
  before: number;
  lowMove: PriceMove | null;
  highMove: PriceMove | null;
}

/**
 * The latest streamed market data, for the seed's helpers (`get_last_prices_from_watch_list`,
 * `get_ohlcv_data`): they answer from here, in the same shapes, while the stream is healthy.
 * Found by the exchange object the helper is given (`self.aftx`).
 */
export class StreamCache {
  readonly #prices = new Map<string, { last: number; at: number; changedAt: number }>();
  readonly #candles = new Map<string, number[][]>();
  readonly #extremes = new Map<string, Map<string, CandleExtremes>>();
  /** When the candles stream delivered last, and the time of the delivery before it. */
  #candleDeliveries = { at: Number.NEGATIVE_INFINITY, before: Number.NEGATIVE_INFINITY };
  /** Whether the tickers stream is healthy now. */
  tickersHealthy: () => boolean = () => false;
  /** Whether the candles stream is healthy now. */
  candlesHealthy: () => boolean = () => false;

  /** Records a streamed last price. */
  setPrice(symbol: string, last: number, at: number): void {
    const had = this.#prices.get(symbol);
    if (had && had.last === last) had.at = at;
    else this.#prices.set(symbol, { last, at, changedAt: at });
  }

  /** The streamed last price of `symbol` and when it last moved, while the stream is healthy. */
  price(symbol: string): { readonly last: number; readonly changedAt: number } | undefined {
    return this.tickersHealthy() ? this.#prices.get(symbol) : undefined;
  }

  /**
   * Records that the candles stream delivered at `at` (before its rows are noted): every followed
   * candle it does not carry was unchanged then.
   */
  candlesDelivered(at: number): void {
    if (at !== this.#candleDeliveries.at) this.#candleDeliveries = { at, before: this.#candleDeliveries.at };
  }

  /** The last candle delivery before `at`. */
  #deliveredBefore(at: number): number {
    const d = this.#candleDeliveries;
    return at === d.at ? d.before : at > d.at ? d.at : Number.NEGATIVE_INFINITY;
  }

  /**
   * Records the forming candle of `symbol` on `timeframe` (`[open time, o, h, l, c, v]`), received
   * at `at`: when its low falls or its high rises (or a new candle opens), a trade happened at
   * that price after the previous delivery, which is what {@link extremes} tells.
   */
  noteCandle(symbol: string, timeframe: string, row: readonly number[], at: number): void {
    const [open, , high, low] = row as [number, number, number, number];
    if (!Number.isFinite(open) || !Number.isFinite(high) || !Number.isFinite(low)) return;
    let bySymbol = this.#extremes.get(symbol);
    if (!bySymbol) this.#extremes.set(symbol, (bySymbol = new Map()));
    const had = bySymbol.get(timeframe);
    if (!had) {
      // The first delivery: nothing says when its extremes traded (its rows may be minutes old).
      bySymbol.set(timeframe, { open, low, high, at, before: Number.NEGATIVE_INFINITY, lowMove: null, highMove: null });
      return;
    }
    // Rows of one delivery (or of deliveries applied together) share `at`: what moved among them
    // traded after the delivery before them, not after a row of their own. A delivery that did not
    // carry this candle said it had not moved (unchanged rows are left out: see CandleSweep).
    if (at !== had.at) {
      had.before = Math.max(had.at, this.#deliveredBefore(at));
      had.at = at;
    }
    if (open < had.open) return;
    if (open > had.open || low < had.low) had.lowMove = { at, after: had.before, price: low };
    if (open > had.open || high > had.high) had.highMove = { at, after: had.before, price: high };
    if (open > had.open) Object.assign(had, { open, low, high });
    else Object.assign(had, { low: Math.min(had.low, low), high: Math.max(had.high, high) });
  }

  /**
   * The latest moves of `symbol`'s candle extremes, one entry per streamed timeframe, while the
   * candle stream is healthy: a trade at `price` happened between `after` and `at`.
   */
  extremes(symbol: string): { lowMove: PriceMove | null; highMove: PriceMove | null }[] {
    if (!this.candlesHealthy()) return [];
    return [...(this.#extremes.get(symbol)?.values() ?? [])];
  }

  /** `{symbol: last}` for every symbol of `symbols`, or undefined unless all are streamed and the stream is healthy. */
  prices(symbols: readonly string[]): Record<string, number> | undefined {
    if (!this.tickersHealthy()) return undefined;
    const out: Record<string, number> = {};
    for (const s of symbols) {
      const p = this.#prices.get(s);
      if (!p) return undefined;
      out[s] = p.last;
    }
    return out;
  }

  /**
   * A window fetched by REST for a helper: kept (at most `limit` rows) only if the candle stream
   * follows this symbol and timeframe, so later helper calls answer from the stream.
   */
  seedCandles(symbol: string, timeframe: string, rows: readonly number[][], limit: number): void {
    const key = `${symbol}|${timeframe}`;
    if (!this.followsCandles(symbol, timeframe)) return;
    const have = this.#candles.get(key) ?? [];
    this.#candles.set(key, mergeCandles(rows as CandleRow[], have as CandleRow[], Math.max(limit, have.length)));
  }

  /** Forgets every candle window (after a gap, they are fetched again). */
  clearCandles(): void {
    this.#candles.clear();
  }

  /** Whether the candle stream follows `symbol` on `timeframe`. */
  followsCandles: (symbol: string, timeframe: string) => boolean = () => false;

  /** Merges streamed rows into the window of `symbol`/`timeframe` (at most `limit` rows). */
  mergeCandles(symbol: string, timeframe: string, rows: readonly number[][], limit: number): void {
    const key = `${symbol}|${timeframe}`;
    const have = this.#candles.get(key);
    if (!have) return;
    this.#candles.set(key, mergeCandles(have as CandleRow[], rows as CandleRow[], Math.max(limit, have.length)));
  }

  /** The latest `limit` candles, or undefined unless the stream is healthy and holds that many. */
  candles(symbol: string, timeframe: string, limit: number): number[][] | undefined {
    if (!this.candlesHealthy()) return undefined;
    const rows = this.#candles.get(`${symbol}|${timeframe}`);
    if (!rows || rows.length < limit) return undefined;
    return rows.slice(-limit).map((r) => [...r]);
  }
}

const caches = new WeakMap<object, StreamCache>();

/** Registers the cache of the exchange object the helpers receive. */
export function registerStreamCache(exchange: object, cache: StreamCache): void {
  caches.set(exchange, cache);
}

/** The stream cache of `exchange`, if the engine streams for it. */
export function streamCacheOf(exchange: unknown): StreamCache | undefined {
  return typeof exchange === 'object' && exchange !== null ? caches.get(exchange) : undefined;
}
