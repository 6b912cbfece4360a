import type { TaskKind } from './contract.js';

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
