import type { SimOrderEvent } from '../../venue-feed.js';
import type { SimMarket } from '../../venue-types.js';
import { algoUpdate, isAlgoOrder, isUntriggeredAlgo } from '../binance-algo-format.js';
import { orderTradeUpdate } from './ws-user-format.js';

/**
 * The user-data messages Binance sends for one order change. A plain order: one
 * `ORDER_TRADE_UPDATE`. An algo order waiting for its trigger is not in the matching engine: one
 * `ALGO_UPDATE` (new, canceled, expired). At its trigger: `ALGO_UPDATE` `TRIGGERED` (with the new
 * order's id in `ai`), then the new regular order's `ORDER_TRADE_UPDATE` `NEW`; when that order
 * is done, its update and then `ALGO_UPDATE` `FINISHED`.
 */
export function orderEventMessages(m: SimMarket, event: SimOrderEvent, nowMs: number): Record<string, unknown>[] {
  const o = event.order;
  if (isUntriggeredAlgo(o)) return [algoUpdate(m, o, event.at, nowMs)];
  const update = orderTradeUpdate(m, event, nowMs);
  if (!isAlgoOrder(o)) return [update];
  if (event.execution === 'NEW') return [algoUpdate(m, o, event.at, nowMs), update];
  // The venue settles a filled order right after its fill's event: done all the same.
  const done = o.status !== 'open' || o.remaining <= 0;
  return done ? [update, algoUpdate(m, { ...o, status: o.status === 'open' ? 'closed' : o.status }, event.at, nowMs)] : [update];
}
