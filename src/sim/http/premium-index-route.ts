import type { SimVenue } from '../venue.js';
import type { SimMarket, SimTicker } from '../venue-types.js';
import { BINANCE_ERRORS } from './binance-error.js';
import { dec, decimalsOf } from './binance-format.js';
import type { Route } from './binance-routes.js';
import { nextFundingRate, nextFundingTime, SIM_INTEREST_RATE } from '../funding.js';

/**
 * `GET /fapi/v1/premiumIndex[?symbol=S]` (public; ccxt's `fetchFundingRate` and
 * `fetchFundingRates`): one market's mark price and funding, or every perpetual's. The venue has
 * one price per market, so the mark, index and estimated settle prices are its ticker's mark
 * (its last price), and its funding rate the one the next funding will charge (see `funding.ts`).
 */
export function premiumIndexRoutes(venue: SimVenue): Map<string, Route> {
  const handle = ({ params }: { params: URLSearchParams }): unknown => {
    const swaps = venue.listMarkets().filter((m) => m.type === 'swap');
    const id = params.get('symbol');
    if (id === null || id === '') return swaps.map((m) => formatPremiumIndex(m, venue.ticker(m.symbol), venue));
    const market = swaps.find((m) => m.id === id);
    if (!market) throw BINANCE_ERRORS.badSymbol();
    return formatPremiumIndex(market, venue.ticker(market.symbol), venue);
  };
  return new Map<string, Route>([['GET /fapi/v1/premiumIndex', { signed: false, handle }]]);
}

/** One entry of `GET /fapi/v1/premiumIndex`, numbers as Binance sends them (prices as strings, times as numbers). */
export function formatPremiumIndex(m: SimMarket, t: SimTicker, venue: SimVenue): Record<string, unknown> {
  const pp = Math.max(decimalsOf(m.tickSize), 8);
  return {
    symbol: m.id,
    markPrice: dec(t.markPrice, pp),
    indexPrice: dec(t.markPrice, pp),
    estimatedSettlePrice: dec(t.markPrice, pp),
    lastFundingRate: dec(nextFundingRate(venue, t), 8),
    interestRate: dec(SIM_INTEREST_RATE, 8),
    nextFundingTime: nextFundingTime(t.timestamp),
    time: t.timestamp,
  };
}
