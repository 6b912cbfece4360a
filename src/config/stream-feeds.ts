/*
 * Which ccxt.pro method each stream watches, and which tasks start it. The one table both the
 * streams (which start them) and `misso check` (which refuses `stream: on` where a needed method is
 * missing) read, so the two cannot disagree. It lives in config because config may not import
 * streams, while streams may import config.
 */

/** The engine's streams. */
export type StreamName = 'tickers' | 'candles' | 'orders' | 'trades' | 'balance' | 'positions';

/** One stream: its watch method and what in a config starts it. */
export interface StreamFeed {
  /** The ccxt.pro method the stream watches (a key of the exchange's `has`). */
  method: string;
  /** Task kinds whose presence starts the stream. */
  kinds: readonly string[];
  /** The seed's helpers (a subtask's `method`) whose presence starts the stream: they answer from its cache. */
  helpers: readonly string[];
  /** Started only where the exchange has the method, even with `stream: on` (the data also comes another way). */
  optional: boolean;
}

const ORDER_KINDS = ['t_update_open_orders', 't_update_open_orders_dict', 't_get_open_orders'] as const;

/** Every stream, in the order the engine starts them. */
export const STREAM_FEEDS: Readonly<Record<StreamName, StreamFeed>> = {
  tickers: { method: 'watchTickers', kinds: ['t_update_tickers'], helpers: ['get_last_prices_from_watch_list'], optional: false },
  candles: { method: 'watchOHLCVForSymbols', kinds: ['t_update_candles'], helpers: ['get_ohlcv_data'], optional: false },
  orders: { method: 'watchOrders', kinds: ORDER_KINDS, helpers: [], optional: false },
  // Fills also come with each order's update, so a venue without the method loses nothing.
  trades: { method: 'watchMyTrades', kinds: [...ORDER_KINDS, 't_update_fills'], helpers: [], optional: true },
  balance: { method: 'watchBalance', kinds: ['t_update_balance'], helpers: [], optional: false },
  positions: { method: 'watchPositions', kinds: ['t_get_open_positions'], helpers: [], optional: false },
};

/** Whether a task (its kind and its subtasks' methods) starts `feed`. */
export function startsFeed(feed: StreamFeed, kind: string, subtaskMethods: readonly string[]): boolean {
  return feed.kinds.includes(kind) || subtaskMethods.some((m) => feed.helpers.includes(m));
}
