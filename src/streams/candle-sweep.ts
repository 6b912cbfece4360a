import type { OHLCV } from 'ccxt';
import type { CandlesBySymbol } from './market-feed-protocol.js';

/** ccxt.pro's own candle cache: symbol → timeframe → rows, oldest first. */
type OhlcvCache = Record<string, Record<string, readonly OHLCV[] | undefined> | undefined>;

/** Rows handed over for a pair seen for the first time: the forming candle and the one before. */
const FIRST_ROWS = 2;

/**
 * Completes ccxt.pro's `watchOHLCVForSymbols` answers from ccxt's own cache.
 *
 * That method answers a waiting call with the kline of ONE symbol: the first frame of a socket
 * read resolves the call, and the frames after it in the same read (the venue pushes every
 * subscribed symbol together) find no call waiting, so they land only in `exchange.ohlcvs`. A
 * watch list of 20 symbols would see one of them streamed and the others only at the next REST
 * reconcile, while the stream counts as fresh. After each answer, the sweep reads every followed
 * pair's newest rows from that cache and hands over those that changed since it last looked.
 *
 * ccxt updates the forming candle's row in place, so a change is found by value (the newest row
 * against a copy of what was last handed over). A pair whose cache ccxt does not keep (the
 * simulator, the market-data thread's proxy) passes the answer's own rows through.
 */
export class CandleSweep {
  /** Per `symbol\0timeframe`: a copy of the newest row last handed over. */
  readonly #sent = new Map<string, number[]>();

  /**
   * The rows of `pairs` that changed since the previous sweep: from ccxt's cache where it keeps
   * one, else from `answer`. A new object (ccxt's answer and cache are not changed).
   */
  collect(exchange: unknown, pairs: readonly (readonly string[])[], answer: CandlesBySymbol): CandlesBySymbol {
    const cache = (exchange as { ohlcvs?: OhlcvCache }).ohlcvs;
    const out: CandlesBySymbol = {};
    const put = (symbol: string, timeframe: string, rows: OHLCV[]): void => {
      (out[symbol] ??= {})[timeframe] = rows;
    };
    for (const [symbol, byTf] of Object.entries(answer)) {
      for (const [timeframe, rows] of Object.entries(byTf)) {
        if (!cachedRows(cache, symbol, timeframe) && rows.length > 0) put(symbol, timeframe, rows);
      }
    }
    for (const [symbol, timeframe] of pairs) {
      if (symbol === undefined || timeframe === undefined) continue;
      const rows = cachedRows(cache, symbol, timeframe);
      if (!rows) continue;
      const changed = this.#changed(`${symbol}\0${timeframe}`, rows);
      if (changed.length > 0) put(symbol, timeframe, changed);
    }
    return out;
  }

  /** The rows of `rows` (oldest first) newer than, or changed since, the newest one handed over for `key`. */
  #changed(key: string, rows: readonly OHLCV[]): OHLCV[] {
    const newest = rows[rows.length - 1]!;
    const sent = this.#sent.get(key);
    if (sent && sameRow(sent, newest)) return [];
    let from = rows.length - 1;
    if (sent === undefined) from = Math.max(0, rows.length - FIRST_ROWS);
    // Back to the row last handed over: its final update may have landed with the next candle's first.
    else while (from > 0 && Number(rows[from - 1]![0]) >= sent[0]!) from--;
    this.#sent.set(key, newest.map(Number));
    return rows.slice(from).map((r) => r.slice() as OHLCV);
  }
}

function cachedRows(cache: OhlcvCache | undefined, symbol: string, timeframe: string): readonly OHLCV[] | undefined {
  const rows = cache?.[symbol]?.[timeframe];
  return Array.isArray(rows) && rows.length > 0 ? rows : undefined;
}

function sameRow(sent: readonly number[], row: OHLCV): boolean {
  if (sent.length !== row.length) return false;
  for (let i = 0; i < sent.length; i++) if (sent[i] !== Number(row[i])) return false;
  return true;
}
