import type { SimVenue } from '../venue.js';
import type { Route } from './binance-routes.js';
import { depthRoutes } from './depth-route.js';
import { premiumIndexRoutes } from './premium-index-route.js';
import { tradeRoutes } from './trades-route.js';

/** The public market-data routes kept outside `binance-routes.ts`: depth, premium index and the trade tape. */
export function marketDataRoutes(venue: SimVenue): Map<string, Route> {
  return new Map([...depthRoutes(venue), ...premiumIndexRoutes(venue), ...tradeRoutes(venue)]);
}
