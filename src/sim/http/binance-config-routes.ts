import type { SimVenue } from '../venue.js';
import type { SimMarket } from '../venue-types.js';
import { perpetualById } from './binance-account-routes.js';
import { BINANCE_ERRORS } from './binance-error.js';
import { exact, maxNotionalAt } from './binance-format.js';
import { callVenue, type Route, type RouteRequest } from './binance-routes.js';

/** Why the simulator refuses isolated margin: its account has one wallet behind every position. */
const CROSS_ONLY = 'misso sim-server models cross margin only (one wallet margins every position), so marginType ISOLATED cannot be set; CROSSED is in force.';
/** Why it refuses hedge mode: the account holds one net position per symbol. */
const ONE_WAY_ONLY = 'misso sim-server models one-way positions only (one net position per symbol); hedge mode (dualSidePosition=true) is not simulated.';

/**
 * Signed routes that read or change the account's per-symbol configuration (ccxt's
 * `fetchTradingFee`, `fetchLeverage(s)`, `fetchMarginMode(s)`, `setMarginMode`,
 * `fetchPositionMode`, `setPositionMode`), answered from what the venue does:
 * - `GET /fapi/v1/commissionRate?symbol=S`: the maker and taker rates the matching engine charges
 *   on S's fills.
 * - `GET /fapi/v1/symbolConfig[?symbol=S]`: per perpetual, the leverage its orders and position
 *   are margined at (`POST /fapi/v1/leverage`'s, else the venue's default), `CROSSED`, and the
 *   `maxNotionalValue` of the leverage bracket that leverage falls in (`GET /fapi/v1/leverageBracket`).
 * - `POST /fapi/v1/marginType`: the venue has no isolated wallets, so `CROSSED` answers Binance's
 *   -4046 "No need to change margin type." and `ISOLATED` is refused (-1020) rather than pretended.
 * - `GET|POST /fapi/v1/positionSide/dual`: the venue nets each symbol into one position (one-way
 *   mode): `dualSidePosition` is false, setting false answers -4059 "No need to change position
 *   side." and setting true is refused (-1020).
 */
export function configRoutes(venue: SimVenue): Map<string, Route> {
  const routes = new Map<string, Route>();
  const add = (key: string, handle: (r: RouteRequest) => unknown): void => {
    routes.set(key, { signed: true, handle: (r) => callVenue(() => handle(r), key) });
  };
  const symbolConfig = (m: SimMarket): Record<string, unknown> => {
    const leverage = venue.leverage(m.symbol);
    return { symbol: m.id, marginType: 'CROSSED', isAutoAddMargin: 'false', leverage, maxNotionalValue: String(maxNotionalAt(m, leverage)) };
  };

  add('GET /fapi/v1/commissionRate', ({ params }) => {
    const m = perpetualById(venue, params.get('symbol'));
    return { symbol: m.id, makerCommissionRate: exact(m.makerFee), takerCommissionRate: exact(m.takerFee) };
  });
  add('GET /fapi/v1/symbolConfig', ({ params }) => {
    const id = params.get('symbol');
    if (id !== null && id !== '') return [symbolConfig(perpetualById(venue, id))];
    return venue.listMarkets().filter((m) => m.type === 'swap').map(symbolConfig);
  });
  add('POST /fapi/v1/marginType', ({ params }) => {
    perpetualById(venue, params.get('symbol'));
    const marginType = oneOf(params, 'marginType', ['ISOLATED', 'CROSSED']);
    if (marginType === 'CROSSED') throw BINANCE_ERRORS.marginTypeUnchanged();
    throw BINANCE_ERRORS.notSimulated(CROSS_ONLY);
  });
  add('GET /fapi/v1/positionSide/dual', () => ({ dualSidePosition: false }));
  add('POST /fapi/v1/positionSide/dual', ({ params }) => {
    if (oneOf(params, 'dualSidePosition', ['true', 'false']) === 'false') throw BINANCE_ERRORS.positionSideUnchanged();
    throw BINANCE_ERRORS.notSimulated(ONE_WAY_ONLY);
  });
  return routes;
}

/** A required parameter that must be one of `values`: -1102 when missing, -1100 otherwise. */
function oneOf(params: URLSearchParams, name: string, values: readonly string[]): string {
  const text = params.get(name);
  if (text === null || text === '') throw BINANCE_ERRORS.missingParam(name);
  if (!values.includes(text)) throw BINANCE_ERRORS.badParam(name);
  return text;
}
