import { hashUniform } from './prng.js';
import { SimError } from './sim-error.js';
import { cleanNumber } from './universe.js';
import type { SimVenue } from './venue.js';

/**
 * Open interest of the traders the venue does not simulate, as a share of the market's 24 h base
 * volume: drawn once per market from the seed between these bounds (on real perpetuals it is of
 * the order of a day's volume).
 */
const MIN_SHARE_OF_VOLUME = 0.3;
const MAX_SHARE_OF_VOLUME = 0.9;
/** Keeps the share's draw apart from the price path's, which hashes the same seed. */
const SHARE_SALT = 0x0151;

/** A perpetual's open interest, in contracts (base units), at `timestamp`. */
export interface SimOpenInterest {
  symbol: string;
  contracts: number;
  timestamp: number;
}

/**
 * The open interest of a perpetual: the account's position on the venue's book plus the
 * synthetic interest of everyone else, a seeded share of the ticker's 24 h volume (less the account's own fills) rounded down to
 * the lot size. The volume moves only with the 10 s price steps, so within a step the figure moves
 * only with the account's fills. `bad_symbol` for an unknown or spot market.
 */
export function openInterestOf(venue: SimVenue, symbol: string): SimOpenInterest {
  const market = venue.market(symbol);
  if (market.type !== 'swap') throw new SimError('bad_symbol', `${market.symbol} is not a perpetual; open interest is a perpetual's`);
  const index = venue.listMarkets().findIndex((m) => m.symbol === market.symbol);
  const share = MIN_SHARE_OF_VOLUME + (MAX_SHARE_OF_VOLUME - MIN_SHARE_OF_VOLUME) * hashUniform(venue.seed, SHARE_SALT, index, 0, 0);
  const ticker = venue.ticker(market.symbol);
  // The others' share of what the others traded: the ticker's volume counts the account's fills too.
  const othersVolume = ticker.baseVolume - (venue.ownTrades.daySpan(market.symbol, ticker.timestamp)?.volume ?? 0);
  const others = Math.floor((othersVolume * share) / market.lotSize + 1e-9) * market.lotSize;
  const own = venue.positions([market.symbol]).reduce((sum, p) => sum + p.contracts, 0);
  return { symbol: market.symbol, contracts: cleanNumber(others + own), timestamp: ticker.timestamp };
}
