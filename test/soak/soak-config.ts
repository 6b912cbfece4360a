/**
 * The engine config the fault soak runs: the real `ccxt.binanceusdm` against a local
 * `misso sim-server`, a three-symbol watch list and every periodic task kind that talks to the
 * exchange, on short periods so that a whole round of faults fits in well under a minute.
 */

import type { MissoConfigInput } from '../../src/config/schema.js';

/** The symbols every market-data task works on. */
export const SOAK_WATCH_LIST: readonly string[] = ['BTC/USD:USD', 'ETH/USD:USD', 'SOL/USD:USD'];

/** Credentials the soak's server accepts, handed to the engine through `${ENV}` references. */
export const SOAK_API_KEY = 'soak-key';
/** See {@link SOAK_API_KEY}. */
export const SOAK_SECRET = 'soak-secret';

/**
 * ccxt's per-call timeout. A `hang` fault fails a call after this long, so it is the longest a
 * request sent before the faults stop can keep failing after they stop. It is well below every
 * period, which is what lets "recovers within 2 × freq" hold without any extra allowance (see
 * the recovery test).
 */
export const SOAK_TIMEOUT_MS = 800;

/**
 * The account's rate budget. Large enough for the burst of every task at once (fetchTickers and
 * fetchOpenOrders without a symbol weigh 40 each, 93 in all), so that recovery is not slowed by
 * the test's own load, yet close enough that the first bursts fill most of a window.
 */
export const SOAK_BUDGET = { capacity: 100, windowMs: 1000 } as const;

/** The periodic tasks and their periods in seconds, keyed by task name. */
export const SOAK_PERIODIC: Readonly<Record<string, number>> = {
  update_tickers: 2,
  update_balance: 2,
  update_candles: 2,
  update_positions: 2,
  get_open_orders: 2,
  update_open_orders: 2,
};

/** The order executor: a service that only heartbeats every `freq` seconds. */
export const SOAK_SERVICE = { name: 'execute_orders', freqSecs: 1 } as const;

/**
 * The tasks whose every pass makes an exchange call and lets its error through. The others are
 * `update_open_orders`, which only polls orders missing from `is_open_orders` (none while the
 * open-order list is healthy) and logs a failed poll instead of failing its pass.
 */
export const SOAK_CALLING_TASKS: readonly string[] = [
  'update_tickers',
  'update_balance',
  'update_candles',
  'update_positions',
  'get_open_orders',
];

/** The config object, in the YAML's shape, for a server at `url`. */
export function soakConfig(url: string): MissoConfigInput {
  const freq = SOAK_PERIODIC;
  return {
    exchange: {
      id: 'binanceusdm',
      apiKey: '${SOAK_API_KEY}',
      secret: '${SOAK_SECRET}',
      urls: { api: url },
      options: { fetchCurrencies: false, fetchOpenOrders: { warnWithoutSymbol: false } },
      timeout_ms: SOAK_TIMEOUT_MS,
      rate_budget: { capacity: SOAK_BUDGET.capacity, window_ms: SOAK_BUDGET.windowMs },
      // HTTP faults are this soak's subject, so every task polls; websocket faults are soaked in
      // test/e2e/streaming-faults.test.ts.
      stream: 'off',
    },
    orders: { on_stop: 'leave' },
    class_attributes: {
      subaccount: 'soak',
      watch_list: [...SOAK_WATCH_LIST],
      last_price: {},
      ohlcs: {},
      positions: {},
      open_orders: {},
      total_capital: 0,
      free_capital: 0,
      initial_capital: 0,
      stop_updates: false,
    },
    shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
    tasks: {
      t_update_tickers: { name: 'update_tickers', freq: freq['update_tickers'] },
      t_update_balance: { name: 'update_balance', freq: freq['update_balance'] },
      t_update_candles: { name: 'update_candles', freq: freq['update_candles'], timeframe: '1m', limit: 5 },
      t_get_open_positions: { name: 'update_positions', freq: freq['update_positions'] },
      t_get_open_orders: { name: 'get_open_orders', freq: freq['get_open_orders'] },
      t_update_open_orders: { name: 'update_open_orders', freq: freq['update_open_orders'] },
      t_execute_orders: { name: SOAK_SERVICE.name, freq: SOAK_SERVICE.freqSecs },
    },
  };
}
