import type { TaskKind } from './contract.js';

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
