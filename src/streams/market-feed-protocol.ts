import type { OHLCV, Tickers } from 'ccxt';
import { ccxtErrorClass, NetworkError } from '../exchange/ccxt-lib.js';
import type { ExchangeConfig } from '../config/types.js';

/** The market-data streams that can run on their own thread. */
export type MarketStreamName = 'tickers' | 'candles';

/** `watchOHLCVForSymbols`' answer: symbol → timeframe → rows. */
export type CandlesBySymbol = Record<string, Record<string, OHLCV[]>>;

/** A ticker as the thread hands it over: what the engine keeps of one (its last price, and its event time for the stream's lag). */
export interface LastPrice {
  symbol: string;
  last: number;
  /** The ticker's time as ccxt gives it (the frame's event time), epoch ms on the exchange's clock. */
  timestamp?: number;
}

/** A failure, as it crosses the thread boundary (ccxt's class by name). */
export interface FeedError {
  name: string;
  message: string;
}

/** The thread's start-up data. */
export interface FeedWorkerData {
  /** The `exchange:` config without its credentials: market data needs none. */
  exchange: ExchangeConfig;
  /** The engine's loaded markets and currencies (ccxt's `setMarkets`), or null to load them. */
  markets: unknown;
  currencies: unknown;
}

/** Engine → thread. `gen` numbers each subscription of a stream, so late answers of a dropped one are told apart. */
export type FeedRequest =
  | { op: 'watch'; stream: MarketStreamName; gen: number; pairs?: string[][] }
  | { op: 'drop'; stream: MarketStreamName; gen: number; reason: string }
  /** The engine's session was rebuilt and reloaded its markets: the thread takes them in place, its sockets kept. */
  | { op: 'markets'; markets: unknown; currencies: unknown }
  | { op: 'close' };

/** Thread → engine. */
export type FeedReply =
  | { type: 'ready' }
  | { type: 'failed'; error: FeedError }
  | { type: 'data'; stream: MarketStreamName; gen: number; data: Record<string, LastPrice> | CandlesBySymbol }
  | { type: 'error'; stream: MarketStreamName; gen: number; error: FeedError }
  /** A `drop` was carried out: the thread is alive and answering. */
  | { type: 'dropped'; stream: MarketStreamName; gen: number };

/** Whether a ccxt websocket client carries `stream`, by its subscription keys. */
export function carriesStream(stream: MarketStreamName, subscriptions: readonly string[]): boolean {
  return stream === 'tickers'
    ? subscriptions.some((s) => s.startsWith('tickers:') || s.startsWith('ticker:'))
    : subscriptions.some((s) => s.startsWith('ohlcv::'));
}

/** `watchTickers`' answer reduced to each market's last price (or close), for the trip across. */
export function lastPrices(tickers: Tickers): Record<string, LastPrice> {
  const out: Record<string, LastPrice> = {};
  for (const t of Object.values(tickers)) {
    const last = tickerPrice(t);
    if (typeof t.symbol !== 'string' || last === undefined) continue;
    out[t.symbol] = typeof t.timestamp === 'number' && Number.isFinite(t.timestamp) ? { symbol: t.symbol, last, timestamp: t.timestamp } : { symbol: t.symbol, last };
  }
  return out;
}

/** What misso takes as a ticker's price: its last, else its close, when a finite number. */
export function tickerPrice(t: { last?: number | undefined; close?: number | undefined } | undefined): number | undefined {
  const last = t?.last ?? t?.close;
  return typeof last === 'number' && Number.isFinite(last) ? last : undefined;
}

/** A failure as it crosses the boundary. */
export function toFeedError(error: unknown): FeedError {
  if (error instanceof Error) return { name: error.constructor.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** The failure back as the ccxt error class it was (a NetworkError for anything unknown). */
export function fromFeedError(error: FeedError): Error {
  const ctor = ccxtErrorClass(error.name);
  return ctor ? new ctor(error.message) : new NetworkError(error.message);
}

/**
 * Candle rows kept per symbol and timeframe while nobody takes them (ccxt's own cache keeps as
 * many): the candles stream may not call for a long time (an empty watch list) while the thread
 * keeps watching.
 */
const CANDLE_ROWS_KEPT = 1000;

/**
 * Folds a later market-data delivery into `into`, which must be the caller's own (it is changed
 * in place; `newer` is not): each market's newest price, each candle's newest row (by open time,
 * ascending). Returns `into`. Runs for every delivery that waits, many a second at hundreds of
 * markets, so it copies nothing but the rows of a symbol and timeframe both deliveries carry.
 */
export function mergeDeliveries(
  stream: MarketStreamName,
  into: Record<string, LastPrice> | CandlesBySymbol,
  newer: Record<string, LastPrice> | CandlesBySymbol,
): Record<string, LastPrice> | CandlesBySymbol {
  if (stream === 'tickers') return Object.assign(into, newer);
  const candles = into as CandlesBySymbol;
  for (const [symbol, byTf] of Object.entries(newer as CandlesBySymbol)) {
    const have = candles[symbol];
    if (!have) {
      candles[symbol] = { ...byTf };
      continue;
    }
    for (const [tf, rows] of Object.entries(byTf)) have[tf] = newestRows(have[tf] ?? [], rows);
  }
  return into;
}

/** `older` and `newer` rows, one per open time (the later one), ascending, at most {@link CANDLE_ROWS_KEPT}. */
function newestRows(older: readonly OHLCV[], newer: readonly OHLCV[]): OHLCV[] {
  if (newer.length === 0) return older.slice(-CANDLE_ROWS_KEPT);
  const last = older.at(-1);
  const first = Number(newer[0]![0]);
  // The common case: the forming candle again, perhaps the next one (ascending, as ccxt gives them).
  if (last === undefined || (first >= Number(last[0]) && ascending(newer))) {
    const kept = last !== undefined && first === Number(last[0]) ? older.slice(0, -1) : older.slice();
    kept.push(...newer);
    return kept.slice(-CANDLE_ROWS_KEPT);
  }
  const byTime = new Map<number, OHLCV>();
  for (const row of [...older, ...newer]) byTime.set(Number(row[0]), row);
  return [...byTime.values()].sort((a, b) => Number(a[0]) - Number(b[0])).slice(-CANDLE_ROWS_KEPT);
}

function ascending(rows: readonly OHLCV[]): boolean {
  for (let i = 1; i < rows.length; i++) if (!(Number(rows[i]![0]) > Number(rows[i - 1]![0]))) return false;
  return true;
}
