/**
 * The seed's synchronous helper module, `Misso.services.helper`. Config subtasks call these by
 * their snake_case names with positional arguments (`type: standard`).
 */
import type { Logger } from '../core/logger.js';
import { getDefaultNotifier } from '../notify/default-notifier.js';
import type { Notifier, NotifyLevel } from '../notify/types.js';

export { pivots, pivotsOfPivots as pivots_of_pivots, rangeFromOhlcv as range_from_ohlcv } from './pivots.js';
export { evaluateSystemStatus as evaluate_system_status } from './system-status.js';
export {
  findOrdersByStatus as find_orders_by_status,
  findProcessedOrders as find_processed_orders,
  orderInIsOpenOrders as order_in_is_open_orders,
  parseIsOpenOrders as parse_is_open_orders,
} from './order-filters.js';

/**
 * The symbols of `ranges` (the `{symbol: [high, low]}` of `get_current_ranges`) that are not
 * restricted, in the order of `ranges`. null ranges give an empty list.
 */
export function get_watch_list_from_wl_ranges(
  ranges: Readonly<Record<string, unknown>> | null | undefined,
  restricted: readonly string[] | null = null,
): string[] {
  const blocked = new Set(restricted ?? []);
  return Object.keys(ranges ?? {}).filter((symbol) => !blocked.has(symbol));
}

/**
 * The seed's `telegram_notify_msg(msg, logger)`: hands `msg` to the engine's notifier, which
 * delivers it to Telegram (when configured) and the console without blocking the caller. The
 * second argument may be a notifier to use instead of the registered one; the seed passed a
 * logger there, which is used only when no notifier is registered. Returns whether a notifier
 * took the message.
 */
export function telegram_notify_msg(
  msg: unknown,
  target: Notifier | Pick<Logger, 'info'> | null = null,
  level: NotifyLevel = 'info',
): boolean {
  const text = typeof msg === 'string' ? msg : JSON.stringify(msg) ?? String(msg);
  const notifier = target && 'notify' in target ? target : getDefaultNotifier();
  if (notifier) {
    notifier.notify({ text, level });
    return true;
  }
  if (target && 'info' in target) target.info(text);
  return false;
}
