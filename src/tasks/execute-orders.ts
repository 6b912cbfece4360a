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
