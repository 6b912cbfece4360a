import type { Exchange, OHLCV, Tickers } from 'ccxt';
import type { TaskConfig } from '../config/types.js';
import { mergeCandles, type CandleRow } from '../tasks/update-candles.js';
import { numberOption, outAttr, stringOption, watchList } from '../tasks/attr.js';
import type { StreamSpec } from './stream-loop.js';
import { WS_SOURCE, type StreamContext } from './stream-context.js';
import { carriesStream, tickerPrice, type CandlesBySymbol } from './market-feed-protocol.js';
import { CandleSweep } from './candle-sweep.js';
import { newestTime, timeOf } from './stream-lag.js';

/**
 * The tickers stream: ccxt's `watchTickers()` with no symbols, which is the venue's one
 * all-market stream (`!miniTicker@arr` on Binance). Every price goes to the helpers' cache; the
 * watch list's go to `last_price` (or the task's `out`). Each delivery holds every market's
 * current price, so a reconnection needs no REST gap fill.
 */
export function tickersStream(ctx: StreamContext, task: TaskConfig | undefined): StreamSpec<Tickers> {
  const attr = task ? outAttr(task, 'last_price') : 'last_price';
  const wlAttr = task ? stringOption(task, 'watch_list', 'watch_list') : 'watch_list';
  return {
    name: 'tickers',
    watch: (ex: Exchange) => ex.watchTickers(),
    // ccxt's ticker time is the frame's event time (Binance's `E`); the market-data thread hands it over with the price.
    eventTime: (tickers) => newestTime(Object.values(tickers), (t) => t.timestamp),
    apply: (tickers) => {
      const now = ctx.clock.now();
      for (const t of Object.values(tickers)) {
        const last = tickerPrice(t);
        if (typeof t.symbol === 'string' && last !== undefined) ctx.cache.setPrice(t.symbol, last, now);
      }
      if (!task) return;
      const prices: Record<string, number> = {};
      // Each price dated by its event (on this machine's clock): a price that arrived late is as old as it is.
      const times: Record<string, number> = {};
      const offsetMs = ctx.clockOffsetMs();
      for (const symbol of watchList(ctx.state.get(wlAttr))) {
        const ticker = tickers[symbol];
        const last = tickerPrice(ticker);
        if (last === undefined) continue;
        prices[symbol] = last;
        const at = timeOf(ticker?.timestamp);
        if (at !== undefined) times[symbol] = at + offsetMs;
      }
      if (Object.keys(prices).length > 0) ctx.state.merge(attr, prices, WS_SOURCE, times);
    },
    ownsClient: (_url, subs) => carriesStream('tickers', subs),
    dropConnectionOnFailure: true,
  };
}

/** One symbol × timeframe window the candle stream keeps. */
export interface CandleWindow {
  timeframe: string;
  limit: number;
  /** The state attribute (a `t_update_candles` task's `out`), or null for a helper's cache only. */
  attr: string | null;
}

/** The candle windows a config asks for: `t_update_candles` tasks and `get_ohlcv_data` subtasks. */
export function candleWindows(tasks: readonly TaskConfig[], kindOf: (t: TaskConfig) => string): CandleWindow[] {
  const out: CandleWindow[] = [];
  for (const t of tasks) {
    if (kindOf(t) === 't_update_candles') {
      out.push({ timeframe: stringOption(t, 'timeframe', '1m'), limit: numberOption(t, 'limit', 1000), attr: outAttr(t, 'ohlcs') });
    }
    for (const sub of t.subtasks) {
      if (sub.method !== 'get_ohlcv_data') continue;
      const [, , tf, limit] = sub.inputArgs;
      out.push({ timeframe: typeof tf === 'string' ? tf : '1m', limit: Number(limit ?? 1000) || 1000, attr: null });
    }
  }
  return out;
}

/**
 * The candles stream: ccxt's `watchOHLCVForSymbols` over the watch list and every timeframe a
 * window needs, merged into the same windows `t_update_candles` keeps (state) and into the
 * helpers' cache (every symbol of a socket read: see {@link CandleSweep}). After a gap the
 * windows are refilled by REST.
 */
export function candlesStream(ctx: StreamContext, windows: readonly CandleWindow[], candleTask: TaskConfig | undefined): StreamSpec<Record<string, Record<string, OHLCV[]>>> {
  const timeframes = [...new Set(windows.map((w) => w.timeframe))];
  ctx.cache.followsCandles = (_symbol, timeframe) => timeframes.includes(timeframe);
  const sweep = new CandleSweep();
  let pairsOf: { list: unknown; markets: unknown; refused: number; pairs: string[][] } = { list: undefined, markets: undefined, refused: 0, pairs: [] };
  /** Symbols the exchange refused (BadSymbol) though its markets listed them, until the watch list or the markets change. */
  const refused = new Set<string>();
  return {
    name: 'candles',
    watch: async (ex: Exchange) => {
      const list = ctx.state.get<unknown>('watch_list');
      const markets = ctx.marketsTable();
      // The same array while the watch list and the markets stay (the sweep's bookkeeping is per
      // array). Reloaded markets (a session rebuild) may have dropped a symbol: left out then.
      if (list !== pairsOf.list || markets !== pairsOf.markets || refused.size !== pairsOf.refused) {
        // At the start every symbol is new, and the task's first pass fills them all.
        const had = pairsOf.list === undefined ? null : new Set(pairsOf.pairs.map(([s]) => s));
        // A symbol the exchange does not list would fail the whole call (every symbol's candles):
        // it is left out, and said once per watch list.
        if (list !== pairsOf.list || markets !== pairsOf.markets) refused.clear();
        const symbols = watchList(list);
        const listed = symbols.filter((s) => ctx.lists(s) && !refused.has(s));
        const streamed = new Set(listed);
        const unlisted = symbols.filter((s) => !streamed.has(s));
        const before = new Set(pairsOf.pairs.map(([s]) => s));
        // Said once per watch list and markets table, and again for each symbol refused later.
        if (unlisted.length > 0 && (list !== pairsOf.list || markets !== pairsOf.markets || unlisted.some((s) => before.has(s)))) {
          ctx.logger.warn({ unlisted }, 'candles stream: watch-list symbols the exchange does not list are not streamed');
        }
        pairsOf = { list, markets, refused: refused.size, pairs: listed.flatMap((s) => timeframes.map((tf) => [s, tf])) };
        // A symbol new to the watch list has no window, and a delivery alone is not `limit`
        // candles: REST fills it at the task's next tick, not at its reconcile minutes later.
        if (candleTask && had && pairsOf.pairs.some(([s]) => !had.has(s))) ctx.restSoon(candleTask.name);
      }
      const { pairs } = pairsOf;
      if (pairs.length === 0) {
        await ctx.idle();
        return {};
      }
      // ccxt answers with one symbol of a read; the sweep adds the others from ccxt's cache.
      sweep.follow(ex, pairs);
      try {
        return sweep.collect(ex, pairs, (await ex.watchOHLCVForSymbols(pairs)) as unknown as CandlesBySymbol);
      } catch (error: unknown) {
        // One symbol the exchange no longer has (delisted while its markets here still list it,
        // or the stream's own copy of the markets is newer) fails every symbol's call: the next
        // call leaves it out, and the others stream on.
        const symbol = badSymbolOf(error, pairs);
        if (symbol !== null) refused.add(symbol);
        throw error;
      }
    },
    apply: (bySymbol) => {
      const now = ctx.clock.now();
      ctx.cache.candlesDelivered(now);
      // One write per attribute and delivery (the sweep brings many symbols): a merge copies the
      // dict of windows (its values are frozen), once, not once per symbol.
      const patches = new Map<string, Record<string, CandleRow[]>>();
      for (const [symbol, byTf] of Object.entries(bySymbol)) {
        for (const [timeframe, raw] of Object.entries(byTf)) {
          const rows = raw.map((r) => r.map(Number) as CandleRow);
          for (const row of rows) ctx.cache.noteCandle(symbol, timeframe, row, now);
          for (const w of windows) {
            if (w.timeframe !== timeframe) continue;
            if (w.attr === null) {
              ctx.cache.mergeCandles(symbol, timeframe, rows, w.limit);
              continue;
            }
            // Read only (mergeCandles builds a new window): the state's values are frozen.
            const all = (ctx.state.get(w.attr) as Readonly<Record<string, CandleRow[]>> | null) ?? {};
            const patch = patches.get(w.attr) ?? {};
            // Only windows REST filled once: a stream delivery alone is not 1000 candles.
            const have = patch[symbol] ?? all[symbol];
            if (have) patches.set(w.attr, Object.assign(patch, { [symbol]: mergeCandles(have, rows, w.limit) }));
          }
        }
      }
      for (const [attr, patch] of patches) ctx.state.merge(attr, patch, WS_SOURCE);
    },
    // No eventTime: ccxt's candle rows carry their open time only (Binance's event time `E` and
    // the kline's close time are dropped by its parse), and an open time says nothing of how late
    // a row is (the forming candle is re-sent for its whole period). Its silence counts from arrival.
    // A new connection: each pair starts from ccxt's cache as it stands then.
    onError: () => sweep.forget(),
    gapFill: async () => {
      ctx.cache.clearCandles();
      if (candleTask) await ctx.runTask(candleTask.name);
    },
    ownsClient: (_url, subs) => carriesStream('candles', subs),
    dropConnectionOnFailure: true,
  };
}

/** The symbol of `pairs` a ccxt BadSymbol names (`… does not have market symbol X`), or null. */
function badSymbolOf(error: unknown, pairs: readonly string[][]): string | null {
  if (!(error instanceof Error) || error.name !== 'BadSymbol') return null;
  const named = pairs.map(([s]) => s!).filter((s) => error.message.includes(s));
  // The longest: a message naming `WBTC/USD:USD` also contains `BTC/USD:USD`.
  return named.sort((a, b) => b.length - a.length)[0] ?? null;
}
