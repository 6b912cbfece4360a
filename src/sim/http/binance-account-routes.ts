import type { SimVenue } from '../venue.js';
import type { SimMarket } from '../venue-types.js';
import { isUntriggeredAlgo } from './binance-algo-format.js';
import { BINANCE_ERRORS } from './binance-error.js';
import { maxNotionalAt } from './binance-format.js';
import { callVenue, type Route, type RouteRequest } from './binance-routes.js';

/**
 * Signed account routes beside the order routes:
 * - `DELETE /fapi/v1/allOpenOrders?symbol=S` (ccxt's `cancelAllOrders(symbol)`): cancels the
 *   symbol's open regular orders, those not visible yet included, and answers Binance's
 *   `{code: 200, msg}`; each cancel goes out on the user stream as `CANCELED`. Conditional orders
 *   still waiting for their trigger are the algo-order API's (`DELETE /fapi/v1/algoOpenOrders`,
 *   ccxt's `cancelAllOrders(symbol, {trigger: true})`), as on Binance; the in-process sim, which
 *   has no separate algo API, cancels them with the rest.
 * - `POST /fapi/v1/leverage?symbol=S&leverage=N` (ccxt's `setLeverage`): sets the market's
 *   leverage, a whole number from 1 to its maximum (-4028 otherwise), which margins its position
 *   and orders from then on and which `GET /fapi/v2/positionRisk` reports; answers
 *   `{leverage, maxNotionalValue, symbol}`.
 */
export function createAccountRoutes(venue: SimVenue): Map<string, Route> {
  const marketById = (id: string | null): SimMarket => perpetualById(venue, id);
  const routes = new Map<string, Route>();
  const add = (key: string, handle: (r: RouteRequest) => unknown): void => {
    routes.set(key, { signed: true, handle: (r) => callVenue(() => handle(r), key) });
  };

  add('DELETE /fapi/v1/allOpenOrders', ({ params }) => {
    const m = marketById(params.get('symbol'));
    venue.cancelAllOrders(m.symbol, (o) => !isUntriggeredAlgo(o));
    return { code: 200, msg: 'The operation of cancel all open order is done.' };
  });
  add('POST /fapi/v1/leverage', ({ params }) => {
    const m = marketById(params.get('symbol'));
    const text = params.get('leverage');
    if (text === null || text === '') throw BINANCE_ERRORS.missingParam('leverage');
    if (!/^\d+$/.test(text)) throw BINANCE_ERRORS.badParam('leverage');
    const leverage = Number(text);
    if (leverage < 1 || leverage > m.maxLeverage) throw BINANCE_ERRORS.invalidLeverage(text);
    const set = venue.setLeverage(m.symbol, leverage);
    return { leverage: set, maxNotionalValue: String(maxNotionalAt(m, set)), symbol: m.id };
  });
  return routes;
}

/** The perpetual a required `symbol` parameter names: -1102 when missing, -1121 when unknown. */
export function perpetualById(venue: SimVenue, id: string | null): SimMarket {
  if (id === null || id === '') throw BINANCE_ERRORS.missingParam('symbol');
  // By the venue's index, not a scan of copies of every market (thousands with `--markets`).
  const market = knownMarket(venue, id);
  if (market?.type !== 'swap' || market.id !== id) throw BINANCE_ERRORS.badSymbol();
  return market;
}

function knownMarket(venue: SimVenue, id: string): SimMarket | undefined {
  try {
    return venue.market(id);
  } catch {
    return undefined;
  }
}
