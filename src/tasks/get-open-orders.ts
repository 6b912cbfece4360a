import type { TaskKind } from './contract.js';

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
