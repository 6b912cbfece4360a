import type { SimVenue } from '../venue.js';
import { formatOrder } from './binance-format.js';
import { BINANCE_ERRORS } from './binance-error.js';
import { callVenue, intParam, optionalIntParam, type Route } from './binance-routes.js';
import { perpetualById } from './binance-account-routes.js';
import { historyPage } from '../history-page.js';

const WEEK_MS = 7 * 86_400_000;

/**
 * `GET /fapi/v1/forceOrders[?symbol=S&autoCloseType=T&startTime&endTime&limit]` (signed; ccxt's
 * `fetchMyLiquidations`): the account's liquidation orders (see `liquidation.ts`), each as an
 * order query shows it (type `LIQUIDATION`, client id `autoclose-…`). The venue makes no ADL
 * orders: `autoCloseType=ADL` answers `[]`. Oldest first, `limit` 50 by default (at most 100); a
 * `startTime` keeps the first `limit` from it, otherwise the latest `limit` up to `endTime`
 * (default now) within the 7 days before it.
 */
export function forceOrderRoutes(venue: SimVenue): Map<string, Route> {
  const key = 'GET /fapi/v1/forceOrders';
  const handle: Route['handle'] = (r) =>
    callVenue(() => {
      const { params } = r;
      const id = params.get('symbol');
      const symbol = id !== null && id !== '' ? perpetualById(venue, id).symbol : undefined;
      const type = params.get('autoCloseType');
      if (type !== null && type !== '' && type !== 'LIQUIDATION' && type !== 'ADL') throw BINANCE_ERRORS.badParam('autoCloseType');
      const limit = intParam(params, 'limit', 50, 1, 100);
      const startTime = optionalIntParam(params, 'startTime');
      const endTime = optionalIntParam(params, 'endTime') ?? venue.now();
      const from = startTime ?? endTime - WEEK_MS;
      if (type === 'ADL') return [];
      const chosen = venue
        .listOrders(symbol === undefined ? {} : { symbol })
        .filter((o) => o.type === 'liquidation' && o.timestamp >= from && o.timestamp <= endTime);
      const page = historyPage(chosen, startTime !== undefined, limit);
      return page.map((o) => formatOrder(venue.market(o.symbol), o, true));
    }, key);
  return new Map<string, Route>([[key, { signed: true, handle }]]);
}
