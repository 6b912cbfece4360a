import { fundingHistory, type SimFunding } from '../funding.js';
import { openInterestOf } from '../open-interest.js';
import type { SimVenue } from '../venue.js';
import type { SimMarket } from '../venue-types.js';
import { perpetualById } from './binance-account-routes.js';
import { dec, decimalsOf } from './binance-format.js';
import { callVenue, intParam, optionalIntParam, type Route, type RouteRequest } from './binance-routes.js';

/** Where ccxt's `fetchStatus` asks (Binance's wallet API, reached once `urls.api` is moved here). */
export const SYSTEM_STATUS_PATH = '/sapi/v1/system/status';

/**
 * Public market-information routes beside the market data:
 * - `GET /fapi/v1/openInterest?symbol=S` (ccxt's `fetchOpenInterest`): the account's position on
 *   S plus the synthetic interest of the traders the venue does not simulate (see
 *   `open-interest.ts`), with the venue's `time`.
 * - `GET /fapi/v1/fundingRate[?symbol=S&startTime&endTime&limit]` (ccxt's
 *   `fetchFundingRateHistory`): the fundings since the markets' listing (`exchangeInfo`'s
 *   `onboardDate`) at the venue's rate and each one's price (see `funding.ts`), oldest first;
 *   as on Binance, `limit` defaults to 100 (at most 1000), a `startTime` keeps the first `limit`
 *   from it, and without one the latest `limit` up to `endTime` (default now). Without a symbol,
 *   every perpetual's, ordered by time.
 * - `GET /sapi/v1/system/status` (ccxt's `fetchStatus`): `{status: 0, msg: "normal"}`, or
 *   `{status: 1, msg: "system_maintenance"}` while `underMaintenance()` says so (a fault spec
 *   that takes the whole API down, see `FaultController.maintenance`).
 */
export function marketInfoRoutes(venue: SimVenue, underMaintenance: () => boolean): Map<string, Route> {
  const routes = new Map<string, Route>();
  const add = (key: string, handle: (r: RouteRequest) => unknown): void => {
    routes.set(key, { signed: false, handle: (r) => callVenue(() => handle(r), key) });
  };

  add('GET /fapi/v1/openInterest', ({ params }) => {
    const m = perpetualById(venue, params.get('symbol'));
    const interest = openInterestOf(venue, m.symbol);
    return { symbol: m.id, openInterest: dec(interest.contracts, decimalsOf(m.lotSize)), time: interest.timestamp };
  });
  add('GET /fapi/v1/fundingRate', ({ params }) => {
    const id = params.get('symbol');
    const markets = id !== null && id !== '' ? [perpetualById(venue, id)] : venue.listMarkets().filter((m) => m.type === 'swap');
    const startTime = optionalIntParam(params, 'startTime');
    const endTime = optionalIntParam(params, 'endTime');
    const query = { limit: intParam(params, 'limit', 100, 1, 1000), ...(startTime === undefined ? {} : { startTime }), ...(endTime === undefined ? {} : { endTime }) };
    const bySymbol = new Map(markets.map((m) => [m.symbol, m]));
    return fundingHistory(venue, [...bySymbol.keys()], query).map((f) => formatFunding(bySymbol.get(f.symbol)!, f));
  });
  add(`GET ${SYSTEM_STATUS_PATH}`, () => (underMaintenance() ? { status: 1, msg: 'system_maintenance' } : { status: 0, msg: 'normal' }));
  return routes;
}

/** One entry of `GET /fapi/v1/fundingRate`, as Binance sends it (rates and prices as strings). */
function formatFunding(m: SimMarket, f: SimFunding): Record<string, unknown> {
  return { symbol: m.id, fundingRate: dec(f.rate, 8), fundingTime: f.time, markPrice: dec(f.markPrice, Math.max(decimalsOf(m.tickSize), 8)) };
}
