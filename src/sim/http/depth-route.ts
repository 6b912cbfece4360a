import { depthBooksOf } from '../depth-book.js';
import type { SimVenue } from '../venue.js';
import { BinanceApiError, BINANCE_ERRORS } from './binance-error.js';
import type { Route } from './binance-routes.js';
import { formatDepth } from './depth-format.js';

/** The `limit` values Binance USD-M accepts on `/fapi/v1/depth`. */
const LIMITS = [5, 10, 20, 50, 100, 500, 1000];

/**
 * `GET /fapi/v1/depth?symbol=S&limit=N` (public; `limit` 5, 10, 20, 50, 100, 500 or 1000, default
 * 500): the venue's book now, whose `lastUpdateId` is the `u` of the last `<s>@depth` event sent,
 * so a client syncs its snapshot with the diff stream as on Binance.
 */
export function depthRoutes(venue: SimVenue): Map<string, Route> {
  const books = depthBooksOf(venue);
  const handle = ({ params }: { params: URLSearchParams }): unknown => {
    const id = params.get('symbol');
    if (id === null || id === '') throw BINANCE_ERRORS.missingParam('symbol');
    const market = venue.listMarkets().find((m) => m.id === id && m.type === 'swap');
    if (!market) throw BINANCE_ERRORS.badSymbol();
    const text = params.get('limit');
    const limit = text === null || text === '' ? 500 : Number(text);
    if (!LIMITS.includes(limit)) throw new BinanceApiError(400, -1130, "Data sent for parameter 'limit' is not valid.");
    return formatDepth(market, books.book(market.symbol, limit));
  };
  return new Map<string, Route>([['GET /fapi/v1/depth', { signed: false, handle }]]);
}
