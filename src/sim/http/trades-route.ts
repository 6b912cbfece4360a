import type { TradeQuery } from '../trade-tape.js';
import type { SimVenue } from '../venue.js';
import type { SimMarket } from '../venue-types.js';
import { perpetualById } from './binance-account-routes.js';
import { BinanceApiError } from './binance-error.js';
import { callVenue, intParam, optionalIntParam, type Route } from './binance-routes.js';
import { formatAggTrade, formatRecentTrade } from './trade-format.js';

const HOUR_MS = 3_600_000;

/**
 * The venue's public trade tape (see `trade-tape.ts`), public:
 * - `GET /fapi/v1/aggTrades?symbol=S[&fromId&startTime&endTime&limit]` (Binance weight 20; ccxt's
 *   `fetchTrades` for a linear market): from `fromId` on, or from `startTime`, or the last ones up
 *   to `endTime`, or the latest; `startTime` and `endTime` together at most an hour apart (-1127).
 * - `GET /fapi/v1/trades?symbol=S[&limit]` (weight 5; ccxt's `fetchTrades` with
 *   `fetchTradesMethod: 'fapiPublicGetTrades'`): the latest trades.
 * `limit` defaults to 500, at most 1000.
 */
export function tradeRoutes(venue: SimVenue): Map<string, Route> {
  const marketOf = (params: URLSearchParams): SimMarket => perpetualById(venue, params.get('symbol'));
  const aggTrades = ({ params }: { params: URLSearchParams }): unknown => {
    const market = marketOf(params);
    const query: TradeQuery = { limit: intParam(params, 'limit', 500, 1, 1000) };
    const fromId = optionalIntParam(params, 'fromId');
    const since = optionalIntParam(params, 'startTime');
    const until = optionalIntParam(params, 'endTime');
    if (since !== undefined && until !== undefined && until - since > HOUR_MS) {
      throw new BinanceApiError(400, -1127, 'More than 1 hours between startTime and endTime.');
    }
    if (fromId !== undefined) query.fromId = fromId;
    if (since !== undefined) query.since = since;
    if (until !== undefined) query.until = until;
    return venue.tape.trades(market.symbol, query).map((t) => formatAggTrade(market, t));
  };
  const recent = ({ params }: { params: URLSearchParams }): unknown => {
    const market = marketOf(params);
    const limit = intParam(params, 'limit', 500, 1, 1000);
    return venue.tape.trades(market.symbol, { limit }).map((t) => formatRecentTrade(market, t));
  };
  return new Map<string, Route>([
    ['GET /fapi/v1/aggTrades', { signed: false, handle: (r) => callVenue(() => aggTrades(r), 'GET /fapi/v1/aggTrades') }],
    ['GET /fapi/v1/trades', { signed: false, handle: (r) => callVenue(() => recent(r), 'GET /fapi/v1/trades') }],
  ]);
}
