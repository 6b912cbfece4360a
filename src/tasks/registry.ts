import type { TaskKind } from './contract.js';
import { executeOrders } from './execute-orders.js';
import { getOpenOrders } from './get-open-orders.js';
import { getOpenPositions } from './get-open-positions.js';
import { initUpdate } from './init-update.js';
import { restartExchange } from './restart-exchange.js';
import { shutdown } from './shutdown.js';
import { systemStatus } from './system-status.js';
import { updateBalance } from './update-balance.js';
import { updateCandles } from './update-candles.js';
import { updateFills } from './update-fills.js';
import { updateOpenOrders } from './update-open-orders.js';
import { updateTemplate } from './update-template.js';
import { updateTickers } from './update-tickers.js';

/** Every built-in task kind, by the name the seed's config uses as its key. */
export const BUILTIN_TASK_KINDS: Readonly<Record<string, TaskKind>> = Object.freeze({
  t_init_update: initUpdate,
  t_update_template: updateTemplate,
  t_update_tickers: updateTickers,
  t_update_balance: updateBalance,
  t_execute_orders: executeOrders,
  t_update_open_orders: updateOpenOrders,
  t_update_open_orders_dict: updateOpenOrders,
  t_get_open_orders: getOpenOrders,
  t_update_fills: updateFills,
  t_get_open_positions: getOpenPositions,
  t_update_candles: updateCandles,
  t_restart_exchange: restartExchange,
  t_shutdown: shutdown,
  t_system_status: systemStatus,
});
