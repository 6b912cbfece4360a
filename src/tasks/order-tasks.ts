import type { TaskKind } from './contract.js';

/**
 * `t_execute_orders`: sends what the strategy queues in `pending_orders` as soon as the rate
 * budget allows (event-driven, no polling, no sleep per order) and tracks each order until it
 * is finished. `freq` only sets how often the task reports itself alive.
 */
export const executeOrders: TaskKind = {
  mode: 'service',
  options: [],
  describe: 'sends queued orders as soon as the budget allows',
  defaultFreqSecs: 5,
  gated: false,
  feeds: () => [],
  async run(rt) {
    const everyMs = (rt.config.freqSecs ?? 5) * 1000;
    // The heartbeat ends with the executor: a pass that failed (the journal cannot be written)
    // must not be reported alive by a beat left running.
    const ended = new AbortController();
    const signal = AbortSignal.any([rt.signal, ended.signal]);
    const beatIfWell = (): void => {
      if (rt.orders.journalProblem === null) rt.heartbeat();
    };
    const beat = (async () => {
      beatIfWell();
      while (await rt.clock.sleep(everyMs, signal)) beatIfWell();
    })();
    try {
      await rt.orders.runExecutor(rt.signal);
    } finally {
      ended.abort();
      await beat;
    }
  },
};

/**
 * `t_update_open_orders` / `t_update_open_orders_dict`: polls the status of our open orders that
 * the exchange's open list no longer shows (the seed's rule), then drops processed ones.
 */
export const updateOpenOrders: TaskKind = {
  mode: 'periodic',
  options: [],
  describe: "status of our orders missing from the exchange's open list",
  defaultFreqSecs: 30,
  feeds: () => ['open_orders'],
  async run(rt) {
    await rt.orders.updateOpenOrders();
    rt.state.touch('open_orders', rt.name);
  },
};

/**
 * `t_update_fills`: fetches the fills of orders whose `filled` moved ahead of their stored fills
 * (`fetchMyTrades`), updates `closed_trades`, and cross-checks the positions derived from fills
 * with the exchange's (a mismatch beyond the lot size is notified; the exchange's figure wins).
 */
export const updateFills: TaskKind = {
  mode: 'periodic',
  options: [],
  describe: 'fills of our orders, closed_trades, positions cross-check',
  defaultFreqSecs: 30,
  feeds: () => ['closed_trades'],
  async run(rt) {
    await rt.orders.syncFills();
    await rt.orders.checkPositions();
    rt.state.touch('closed_trades', rt.name);
  },
};

/** `t_get_open_orders`: every open order on the account, as `{symbol: {buys, sells}}`. */
export const getOpenOrders: TaskKind = {
  mode: 'periodic',
  options: [],
  describe: 'all open orders on the account, by symbol and side',
  defaultFreqSecs: 30,
  feeds: () => ['is_open_orders'],
  async run(rt) {
    await rt.orders.refreshIsOpenOrders();
    rt.state.touch('is_open_orders', rt.name);
  },
};
