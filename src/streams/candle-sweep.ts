import type { OHLCV } from 'ccxt';
import type { CandlesBySymbol } from './market-feed-protocol.js';

/** ccxt.pro's own candle cache: symbol → timeframe → rows, oldest first. */
type OhlcvCache = Record<string, Record<string, readonly OHLCV[] | undefined> | undefined>;

/** At most this many rows for a pair whose cache began after its subscription (every row in it is new). */
const NEW_ROWS_MAX = 5;

/** One followed pair and where it stands. */
interface Followed {
  readonly symbol: string;
  readonly timeframe: string;
  /** A copy of the newest row handed over (or cached when the pair was followed); null: none yet. */
  sent: number[] | null;
}

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
 * against a copy of what was last handed over). A pair starts from where the cache stood when it
 * was followed ({@link follow}, before the watch call; again after {@link forget}, at a new
 * connection): rows cached before that (another connection's, a forming candle the REST gap fill
 * has since completed) are never handed over. A pair whose cache ccxt does not keep (the
 * simulator, the market-data thread's proxy) passes the answer's own rows through.
 */
export class CandleSweep {
  /** The followed pairs by `symbol\0timeframe`, and the `pairs` array they were built from. */
  #followed = new Map<string, Followed>();
  #pairs: readonly (readonly string[])[] | null = null;
  #entries: Followed[] = [];

  /**
   * Follows `pairs` (`[symbol, timeframe]`), before each watch call: a pair not followed yet
   * starts from ccxt's cache as it stands. Cheap for the array of the previous call.
   */
  follow(exchange: unknown, pairs: readonly (readonly string[])[]): void {
    if (pairs === this.#pairs) return;
    const cache = ohlcvCache(exchange);
    const followed = new Map<string, Followed>();
    for (const [symbol, timeframe] of pairs) {
      if (symbol === undefined || timeframe === undefined) continue;
      const key = `${symbol}\0${timeframe}`;
      const newest = cachedRows(cache, symbol, timeframe)?.at(-1);
      followed.set(key, this.#followed.get(key) ?? { symbol, timeframe, sent: newest ? newest.map(Number) : null });
    }
    this.#followed = followed;
    this.#entries = [...followed.values()];
    this.#pairs = pairs;
  }

  /** Every pair starts afresh at the next {@link follow} (a new connection). */
  forget(): void {
    this.#followed.clear();
    this.#entries = [];
    this.#pairs = null;
  }

  /**
   * The rows of `pairs` that changed since the previous sweep: from ccxt's cache where it keeps
   * one, else from `answer`. A new object (ccxt's answer and cache are not changed).
   */
  collect(exchange: unknown, pairs: readonly (readonly string[])[], answer: CandlesBySymbol): CandlesBySymbol {
    this.follow(exchange, pairs);
    const cache = ohlcvCache(exchange);
    const out: CandlesBySymbol = {};
    const put = (symbol: string, timeframe: string, rows: OHLCV[]): void => {
      (out[symbol] ??= {})[timeframe] = rows;
    };
    for (const [symbol, byTf] of Object.entries(answer)) {
      for (const [timeframe, rows] of Object.entries(byTf)) {
        if (!cachedRows(cache, symbol, timeframe) && rows.length > 0) put(symbol, timeframe, rows);
      }
    }
    if (cache === undefined) return out;
    for (const entry of this.#entries) {
      const rows = cachedRows(cache, entry.symbol, entry.timeframe);
      if (!rows) continue;
      const changed = changedRows(entry, rows);
      if (changed.length > 0) put(entry.symbol, entry.timeframe, changed);
    }
    return out;
  }
}

/** The rows of `rows` (oldest first) newer than, or changed since, the newest one `entry` handed over. */
function changedRows(entry: Followed, rows: readonly OHLCV[]): OHLCV[] {
  const newest = rows[rows.length - 1]!;
  const sent = entry.sent;
  if (sent && sameRow(sent, newest)) return [];
  let from = rows.length - 1;
  if (sent === null) from = Math.max(0, rows.length - NEW_ROWS_MAX);
  else {
    // Back to the row last handed over: its final update may have landed with the next candle's first.
    while (from > 0 && Number(rows[from - 1]![0]) >= sent[0]!) from--;
    // That row unchanged is not handed over again (REST may have completed it since, after a gap).
    if (from < rows.length - 1 && sameRow(sent, rows[from]!)) from++;
  }
  entry.sent = newest.map(Number);
  return rows.slice(from).map((r) => r.slice() as OHLCV);
}

function ohlcvCache(exchange: unknown): OhlcvCache | undefined {
  const cache = (exchange as { ohlcvs?: unknown } | null)?.ohlcvs;
  return cache !== null && typeof cache === 'object' ? (cache as OhlcvCache) : undefined;
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
