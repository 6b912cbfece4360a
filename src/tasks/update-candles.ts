import { BadResponse } from '../exchange/ccxt-lib.js';
import { attachKind, errorKind } from '../exchange/classify.js';
import { splitListed, warnSkippedOnce } from '../helpers/listed-symbols.js';
import type { TaskKind, TaskRuntime } from './contract.js';
import { numberOption, outAttr, stringOption, watchList } from './attr.js';

/** Candle rows `[t, o, h, l, c, v]`. */
export type CandleRow = [number, number, number, number, number, number];

/**
 * Merges fresh rows into a window of candles: rows at the same open time replace the old ones
 * (the last candle is still forming), newer rows are appended, and only the latest `limit` rows
 * are kept. Rows arriving out of order are sorted in. Returns a new array; `existing` is not
 * changed (a strategy may hold it).
 */
export function mergeCandles(existing: readonly CandleRow[], fresh: readonly CandleRow[], limit: number): CandleRow[] {
  if (fresh.length === 0) return existing.slice(-limit);
  const last = existing.at(-1);
  if (ascending(fresh) && (last === undefined || fresh[0]![0] >= last[0])) return appendCandles(existing, fresh, limit, last);
  const from = Math.min(...fresh.map((row) => row[0]));
  const merged = existing.filter((row) => row[0] < from);
  const byTime = new Map<number, CandleRow>();
  for (const row of [...existing.filter((row) => row[0] >= from), ...fresh]) byTime.set(row[0], row);
  merged.push(...[...byTime.values()].sort((a, b) => a[0] - b[0]));
  return merged.slice(-limit);
}

/**
 * The stream's case, many times a second per symbol: the forming candle again, perhaps the next
 * one. One copy of the window, not the four a general merge makes: a 1000-candle window per
 * symbol per push is most of what a streaming engine allocates.
 */
function appendCandles(existing: readonly CandleRow[], fresh: readonly CandleRow[], limit: number, last: CandleRow | undefined): CandleRow[] {
  const keep = last !== undefined && fresh[0]![0] === last[0] ? existing.length - 1 : existing.length;
  const drop = Math.max(0, keep + fresh.length - limit);
  const out = existing.slice(Math.min(drop, keep), keep);
  for (let i = Math.max(0, drop - keep); i < fresh.length; i++) out.push(fresh[i]!);
  return out;
}

/** Open times strictly increasing. */
function ascending(rows: readonly CandleRow[]): boolean {
  for (let i = 1; i < rows.length; i++) if (rows[i]![0] <= rows[i - 1]![0]) return false;
  return true;
}

/** Milliseconds of a ccxt timeframe (`1m`, `4h`, `1M` …; a month as 30 days, as ccxt counts it), or null. */
export function timeframeMs(timeframe: string): number | null {
  const match = /^(\d+)([smhdwMy])$/.exec(timeframe);
  if (!match) return null;
  const unit = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800, M: 2_592_000, y: 31_536_000 }[match[2] as 's'];
  return Number(match[1]) * unit * 1000;
}

/**
 * What to ask for a symbol's candles: the latest `limit` rows when nothing is held or the gap is
 * wider than the window, else the rows from `from` to now with an explicit limit. The limit
 * matters twice: the exchange answers a `since` without one with its default page (500 rows on
 * Binance), so after a longer gap (a night's outage of 1m candles) one answer would end hours
 * before now and be merged as fresh; and Binance weighs a request by its limit, so a
 * reconcile of a few rows costs 1 instead of the default page's weight.
 */
function candleRequest(from: CandleRow | undefined, step: number | null, limit: number, now: number): { since?: number; limit: number } {
  if (!from) return { limit };
  if (step === null) return { since: from[0], limit };
  // From `from` through the forming candle, and one more for a clock behind the exchange's.
  const rows = Math.max(0, Math.floor((now - from[0]) / step)) + 2;
  return rows > limit ? { limit } : { since: from[0], limit: rows };
}

/** At most this many reads per symbol and pass, while each answer ends short of now (an exchange's page is smaller than the gap). */
const MAX_PAGES = 10;

async function refreshSymbol(rt: TaskRuntime, symbol: string, timeframe: string, limit: number, attr: string): Promise<void> {
  // Read only (the window is rebuilt, never changed in place): the state's values are frozen.
  const all = (rt.state.get(attr) as Readonly<Record<string, CandleRow[]>> | null) ?? {};
  const step = timeframeMs(timeframe);
  let have = all[symbol] ?? [];
  for (let page = 0; page < MAX_PAGES; page++) {
    // Only what changed since the candle before the last we hold (inclusive): the last may still
    // have been forming, and so may the one before it when the stream put the last one there
    // (after a gap the stream's first row is the current candle, the one before cut off forming).
    const from = have.at(-2) ?? have.at(-1);
    const now = rt.clock.now();
    const ask = candleRequest(from, step, limit, now);
    const fresh = checkedRows(await rt.exchange.fetchOHLCV(symbol, timeframe, ask.since, ask.limit), symbol);
    // Asked from a candle we hold, or for the window after a gap, the answer is never empty: an
    // empty one is not "nothing new" but a broken answer, and must neither wipe the candles held
    // nor refresh the data's timestamp.
    if (from && fresh.length === 0) throw new BadResponse(`malformed candles for ${symbol}: nothing returned since ${from[0]}`);
    // A gap wider than the window: the answer is the whole window, and what was held is older than
    // all of it (merged, a young market's short answer would sit after a hole).
    const before = have.at(-1)?.[0] ?? -Infinity;
    have = from && ask.since === undefined ? fresh.slice(-limit) : mergeCandles(have, fresh, limit);
    // Caught up: the answer reaches the forming candle (or the one before, for a clock ahead of the
    // exchange's). Otherwise the exchange's page was smaller than the gap (ccxt caps Binance's at
    // 1000): read on from there, while answers still move forward.
    const reached = have.at(-1)?.[0] ?? -Infinity;
    if (ask.since === undefined && step !== null && fresh.length < ask.limit) have = await fillBackwards(rt, symbol, timeframe, limit, step, have, fresh.length);
    if (!from || ask.since === undefined || step === null || reached >= now - 2 * step || reached <= before) break;
  }
  rt.state.merge(attr, { [symbol]: have }, rt.name);
}

/**
 * The window asked whole but answered short: the exchange's page is smaller than `limit` (ccxt
 * caps Binance's at 1000 where Binance gives 1500), or the market is younger than the window.
 * Reads the older rows a page at a time (`page` rows, the size the short answer showed, each
 * ending where the held rows begin) until the window is full or an answer brings nothing older
 * (the market's first candle): one read more for a young market, at the window's first fill.
 */
async function fillBackwards(rt: TaskRuntime, symbol: string, timeframe: string, limit: number, step: number, window: CandleRow[], page: number): Promise<CandleRow[]> {
  let have = window;
  for (let read = 0; read < MAX_PAGES && have.length > 0 && have.length < limit; read++) {
    const chunk = Math.max(1, Math.min(limit - have.length, page));
    const first = have[0]![0];
    const older = checkedRows(await rt.exchange.fetchOHLCV(symbol, timeframe, first - chunk * step, chunk), symbol).filter((r) => r[0] < first);
    if (older.length === 0) break;
    have = [...older, ...have];
  }
  return have.slice(-limit);
}

/** An answer's rows as numbers; a junk answer (an HTML page parsed as rows, NaN) is refused, keeping the candles held. */
function checkedRows(rows: unknown, symbol: string): CandleRow[] {
  const fresh = Array.isArray(rows) ? (rows as unknown[]).map((r) => (Array.isArray(r) ? r.map(Number) : [NaN]) as CandleRow) : null;
  if (!fresh || fresh.some((r) => r.length !== 6 || !r.every(Number.isFinite))) throw new BadResponse(`malformed candles for ${symbol}`);
  return fresh;
}

/**
 * The watch list without the symbols the exchange does not list (a typo, a delisting): there is
 * nothing to fetch for them, and failing the pass for them would leave every other symbol's
 * candles reported down (and the candles stream's gap fill failing with it). Logged once per set.
 */
function listedOnly(rt: TaskRuntime, symbols: string[]): string[] {
  const { listed, skipped } = splitListed(rt.exchange, symbols);
  warnSkippedOnce(skipped, { owner: rt.state, caller: 'candles', logger: rt.logger, fields: { task: rt.name } });
  return listed;
}

/**
 * `t_update_candles`: keeps `limit` candles of `timeframe` per watch-list symbol in `out`
 * (default `ohlcs`), fetching only new candles after the first pass, a few symbols at a time.
 */
export const updateCandles: TaskKind = {
  mode: 'periodic',
  options: ['timeframe', 'limit', 'concurrency'],
  optionTypes: { timeframe: 'timeframe', limit: 'candle_limit', concurrency: 'positive_integer' },
  describe: 'incremental candles for every watch-list symbol',
  defaultFreqSecs: 60,
  feeds: (config) => [outAttr(config, 'ohlcs')],
  async run(rt) {
    const timeframe = stringOption(rt.config, 'timeframe', '1m');
    const limit = numberOption(rt.config, 'limit', 1000);
    const concurrency = numberOption(rt.config, 'concurrency', 8);
    const attr = outAttr(rt.config, 'ohlcs');
    if (rt.state.get(attr) === null || rt.state.get(attr) === undefined) rt.state.set(attr, {}, rt.name);
    const queue = listedOnly(rt, watchList(rt.state.get('watch_list')));
    const failures: { symbol: string; err: unknown }[] = [];
    const worker = async (): Promise<void> => {
      for (let symbol = queue.shift(); symbol !== undefined && !rt.signal.aborted; symbol = queue.shift()) {
        try {
          await refreshSymbol(rt, symbol, timeframe, limit, attr);
        } catch (err: unknown) {
          failures.push({ symbol, err });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    if (failures.length > 0) {
      const detail = failures.slice(0, 3).map((f) => `${f.symbol}: ${(f.err as Error).message}`);
      const summary = new Error(`candles failed for ${failures.length} symbol(s): ${detail.join('; ')}`, { cause: failures[0]!.err });
      // The pass failed the way its first symbol did: keep that kind for backoff and restarts.
      attachKind(summary, errorKind(failures[0]!.err));
      throw summary;
    }
  },
};
