/**
 * The seed's exchange helper module, `Misso.services.async_helper`. Config subtasks call these
 * by their snake_case names with positional arguments (`type: async`); the first argument is
 * the exchange (`self.aftx`): the simulator or a real ccxt class, usually behind the engine's
 * session proxy. Network errors always propagate: the calling task decides about retries.
 */
import type { Balances, Exchange, Market, OHLCV, Order } from 'ccxt';
import { BadRequest, BadSymbol, DuplicateOrderId, InsufficientFunds, InvalidOrder, OperationRejected, OrderNotFound } from '../exchange/ccxt-lib.js';
import { watchListSymbols } from '../config/watch-list-shape.js';
import { helperLoggerOf, splitListed, warnSkippedOnce } from './listed-symbols.js';
import { mapLimit } from './map-limit.js';
import { fetchTickersSparing } from './ticker-refusals.js';
import { rangeFromOhlcv } from './pivots.js';
import { parseWatchListFilter, passesRules } from './watch-list-filter.js';
import { streamCacheOf } from '../streams/stream-cache.js';
import { markStreamed } from '../state/streamed-mark.js';

/** Timeframes `get_current_ranges` tries, shortest first. */
const RANGE_TIMEFRAMES: readonly string[] = ['1m', '5m', '15m', '1h', '4h', '1d'];

/** Calls in flight per helper when nothing else is said; the engine's rate budget paces them. */
const DEFAULT_CONCURRENCY = 8;

/**
 * The symbols of the linear perpetual swaps settled in `settle` (`BASE/USD:USD`), minus
 * `restricted`, that pass every rule of `filter` (see `parseWatchListFilter`). Inactive
 * markets are left out. The filter is checked before the markets are loaded.
 * @param settle - settlement currency of the swaps to keep. @defaultValue 'USD'
 */
export async function get_filtered_watch_list(
  exchange: Exchange,
  filter: unknown,
  restricted: readonly string[] | null = null,
  settle = 'USD',
): Promise<string[]> {
  const rules = parseWatchListFilter(filter);
  const blocked = new Set(restricted ?? []);
  const markets = await exchange.loadMarkets();
  return Object.values(markets)
    .filter((m): m is NonNullable<Market> => !!m && m.swap === true && m.linear === true && m.settle === settle)
    .filter((m) => m.active !== false && !blocked.has(m.symbol) && passesRules(m, rules))
    .map((m) => m.symbol)
    .sort();
}

/**
 * `{symbol: [high, low]}`: for each symbol, the nearest second-order swing high above
 * last×1.005 and swing low below last×0.995 in its 1000 latest candles, trying 1m, 5m, 15m,
 * 1h, 4h and 1d (those the exchange offers) until one timeframe gives both sides. Symbols with
 * no range, or no price, are left out, and so are those the exchange does not list (logged once
 * per set). Symbols are processed `concurrency` at a time.
 * @param concurrency - symbols in flight. @defaultValue 4
 */
export async function get_current_ranges(
  exchange: Exchange,
  watch_list: readonly string[] | Readonly<Record<string, unknown>> | null | undefined,
  concurrency = 4,
): Promise<Record<string, [number, number]>> {
  const listed = await listedSymbols(exchange, watch_list, 'get_current_ranges');
  if (listed.length === 0) return {};
  const prices = await lastPrices(exchange, listed, 'get_current_ranges');
  const offered = exchange.timeframes && Object.keys(exchange.timeframes).length > 0 ? exchange.timeframes : null;
  const timeframes = RANGE_TIMEFRAMES.filter((tf) => !offered || tf in offered);
  const delisted: string[] = [];
  const ranges = await mapLimit(listed, concurrency, async (symbol) => {
    for (const timeframe of timeframes) {
      const candles = await unlessDelisted(exchange.fetchOHLCV(symbol, timeframe, undefined, 1000), symbol, delisted);
      if (candles === null) return null;
      const last = prices[symbol] ?? candles.at(-1)?.[4];
      if (last === undefined) continue;
      const range = rangeFromOhlcv(candles, last);
      if (range) return range;
    }
    return null;
  });
  warnDelisted(exchange, 'get_current_ranges', delisted);
  const result: Record<string, [number, number]> = {};
  listed.forEach((symbol, i) => {
    const range = ranges[i];
    if (range) result[symbol] = range;
  });
  return result;
}

/**
 * `{symbol: last price}` from one `fetchTickers` call (or per-symbol `fetchTicker` calls where
 * the exchange has no `fetchTickers`). Symbols without a last price are left out, and so are
 * those the exchange does not list (logged once per set).
 */
export async function get_last_prices_from_watch_list(
  exchange: Exchange,
  wl: readonly string[] | Readonly<Record<string, unknown>> | null | undefined,
): Promise<Record<string, number>> {
  return lastPrices(exchange, await listedSymbols(exchange, wl, 'get_last_prices_from_watch_list'), 'get_last_prices_from_watch_list');
}

/**
 * {@link get_last_prices_from_watch_list} of symbols the exchange lists; one it refuses though
 * its markets list it (delisted mid-day) is left out, warned about once (see `fetchTickersSparing`).
 */
async function lastPrices(exchange: Exchange, symbols: string[], caller: string): Promise<Record<string, number>> {
  if (symbols.length === 0) return {};
  // A healthy ticker stream already holds every price: no request.
  const streamed = streamCacheOf(exchange)?.prices(symbols);
  if (streamed) return markStreamed(streamed);
  const batch = exchange.has['fetchTickers'] !== false;
  const asker = { owner: exchange, caller, logger: helperLoggerOf(exchange), batch, concurrency: DEFAULT_CONCURRENCY };
  const tickers = Object.values((await fetchTickersSparing(exchange, symbols, asker)).tickers);
  const wanted = new Set(symbols);
  const result: Record<string, number> = {};
  for (const ticker of tickers) {
    const last = ticker.last ?? ticker.close;
    const symbol = ticker.symbol;
    if (typeof symbol === 'string' && wanted.has(symbol) && typeof last === 'number' && Number.isFinite(last)) {
      result[symbol] = last;
    }
  }
  return result;
}

/**
 * The total balance in `currency`. An account the exchange reports nothing for in that
 * currency has 0 of it (many exchanges omit empty currencies), so this returns 0 then.
 * @param currency - @defaultValue 'USD'
 */
export async function get_total_balance(exchange: Exchange, currency = 'USD'): Promise<number> {
  return balanceOf(await exchange.fetchBalance(), 'total', currency);
}

/**
 * The free (not used as margin) balance in `currency`; 0 when the exchange reports nothing
 * for it, as for {@link get_total_balance}.
 * @param currency - @defaultValue 'USD'
 */
export async function get_free_balance(exchange: Exchange, currency = 'USD'): Promise<number> {
  return balanceOf(await exchange.fetchBalance(), 'free', currency);
}

/**
 * `{symbol: candles}` (`[t, o, h, l, c, v]` rows) for every symbol, `concurrency` requests at a
 * time. Symbols the exchange does not list (not in its markets, or refused as `BadSymbol`) are
 * left out and logged once per set; any other failure fails the call, after the requests in
 * flight have ended.
 * @param concurrency - requests in flight. @defaultValue 8
 */
export async function get_ohlcv_data(
  exchange: Exchange,
  wl: readonly string[] | Readonly<Record<string, unknown>> | null | undefined,
  timeframe = '1m',
  limit: number | string = 1000,
  concurrency = DEFAULT_CONCURRENCY,
): Promise<Record<string, OHLCV[]>> {
  const count = Number(limit);
  if (!Number.isInteger(count) || count < 1) throw new TypeError(`get_ohlcv_data: limit must be a positive integer, got ${String(limit)}`);
  const symbols = await listedSymbols(exchange, wl, 'get_ohlcv_data');
  const cache = streamCacheOf(exchange);
  // Windows the candle stream keeps answer without a request; the others are fetched once and
  // handed to the stream, which keeps them up to date from then on.
  let allStreamed = symbols.length > 0;
  const delisted: string[] = [];
  const rows = await mapLimit(symbols, concurrency, async (s) => {
    const streamed = cache?.candles(s, timeframe, count);
    if (streamed) return streamed as OHLCV[];
    allStreamed = false;
    const fetched = await unlessDelisted(exchange.fetchOHLCV(s, timeframe, undefined, count), s, delisted);
    if (fetched !== null) cache?.seedCandles(s, timeframe, fetched as number[][], count);
    return fetched;
  });
  warnDelisted(exchange, 'get_ohlcv_data', delisted);
  const result: Record<string, OHLCV[]> = {};
  symbols.forEach((symbol, i) => {
    const got = rows[i];
    if (got !== null) result[symbol] = got ?? [];
  });
  return allStreamed ? markStreamed(result) : result;
}

/**
 * The symbols of the watch list `wl` handed to helper `caller` that the exchange lists, its
 * markets loaded first; the others are logged once per set. A watch list of another shape than
 * a list of symbols (or a map keyed by them, or None) throws, naming the helper.
 */
async function listedSymbols(exchange: Exchange, wl: unknown, caller: string): Promise<string[]> {
  const symbols = watchListSymbols(wl, `${caller}: the watch list`);
  if (symbols.length === 0) return symbols;
  if (!exchange.markets) await exchange.loadMarkets();
  const { listed, skipped } = splitListed(exchange, symbols);
  warnSkippedOnce(skipped, { owner: exchange, caller, logger: helperLoggerOf(exchange) });
  return listed;
}

/** `request`'s answer, or null (the symbol noted in `delisted`) when the exchange refuses the symbol as `BadSymbol`. */
async function unlessDelisted<T>(request: Promise<T>, symbol: string, delisted: string[]): Promise<T | null> {
  try {
    return await request;
  } catch (err: unknown) {
    if (!(err instanceof BadSymbol)) throw err;
    delisted.push(symbol);
    return null;
  }
}

/** Symbols listed in the markets held but refused by the exchange (a delisting the markets do not show yet), logged once per set. */
function warnDelisted(exchange: Exchange, caller: string, delisted: readonly string[]): void {
  warnSkippedOnce(delisted, { owner: exchange, caller: `${caller} (refused)`, logger: helperLoggerOf(exchange) });
}

/** The seed's `get_open_positions(exchange)`. */
export { openPositions as get_open_positions } from './open-positions.js';

/** The seed's order list form: `[id, size, price, side, symbol]`. */
export type OrderList = readonly [id: unknown, size: number, price: number, side: string, symbol: string];

/** What {@link create_limit_order_from_list} answers: placed, or failed with the reason. */
export type PlacedOrderList =
  | [exchangeId: string, size: number, price: number, side: 'buy' | 'sell', symbol: string]
  | ['failed', size: number, price: number, reason: string, symbol: string];

/**
 * Places a limit order from the seed's list form and answers
 * `[exchange_id, amount, price, side, symbol]` (amount and price as the exchange accepted
 * them). An order the exchange refuses for good answers `['failed', size, price, <ccxt error
 * class>, symbol]`: `InsufficientFunds`, `InvalidOrder` and its kinds, `BadRequest`/`BadSymbol`,
 * `OperationRejected`; a malformed list fails as `InvalidOrder` without a request. Everything
 * else propagates and is never retried here: after a network error or a `DuplicateOrderId`
 * the order may exist, and only the caller can resolve it (by client order id in `params`).
 * `symbol` wins over the list's fifth element.
 */
export async function create_limit_order_from_list(
  exchange: Exchange,
  symbol: string,
  order: OrderList,
  params: Record<string, unknown> = {},
): Promise<PlacedOrderList> {
  if (!Array.isArray(order)) {
    throw new TypeError('create_limit_order_from_list: the order must be the list [id, size, price, side, symbol]');
  }
  const [, size, price, side] = order;
  if (!(side === 'buy' || side === 'sell') || !(Number(size) > 0) || !(Number(price) > 0)) {
    return ['failed', size, price, 'InvalidOrder', symbol];
  }
  let placed: Order;
  try {
    placed = await exchange.createOrder(symbol, 'limit', side, Number(size), Number(price), params);
  } catch (err: unknown) {
    if (isFinalOrderError(err)) return ['failed', size, price, err.name || err.constructor.name, symbol];
    throw err;
  }
  if (!placed.id) {
    throw new Error(`create_limit_order_from_list: ${symbol} order accepted without an exchange id; resolve it by client order id`);
  }
  return [placed.id, placed.amount ?? Number(size), placed.price ?? Number(price), side, symbol];
}

/** The answer of {@link get_order_by_id} for an order the exchange does not know. */
export interface NotFoundOrder {
  id: string;
  status: 'failed';
  filled: 0;
  remaining: 0;
}

/**
 * The exchange's unified order. When the exchange says it does not know the id
 * (`OrderNotFound`) this answers `{id, status: 'failed', filled: 0, remaining: 0}`, as the seed
 * did; beware that some venues deny a just-placed order for a while (Binance up to ~60 s), so a
 * tracker should count such answers before trusting them. Other errors propagate.
 */
export async function get_order_by_id(
  exchange: Exchange,
  id: string,
  symbol: string | null = null,
  params: Record<string, unknown> = {},
): Promise<Order | NotFoundOrder> {
  try {
    return await exchange.fetchOrder(id, symbol ?? undefined, params);
  } catch (err: unknown) {
    if (err instanceof OrderNotFound) return { id, status: 'failed', filled: 0, remaining: 0 };
    throw err;
  }
}

function isFinalOrderError(err: unknown): err is Error {
  if (err instanceof DuplicateOrderId || err instanceof OrderNotFound) return false;
  return (
    err instanceof InsufficientFunds ||
    err instanceof InvalidOrder ||
    err instanceof BadRequest ||
    err instanceof OperationRejected
  );
}

function balanceOf(balance: Balances, side: 'total' | 'free', currency: string): number {
  const byCurrency = balance[side] as unknown as Record<string, number | undefined> | undefined;
  const value = byCurrency?.[currency] ?? (balance[currency] as { [k: string]: unknown } | undefined)?.[side];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
