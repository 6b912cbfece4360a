import type { Dict } from 'ccxt';
import type { Clock } from '../core/clock.js';
import type { RealismCounters, RealismSettings } from './realism.js';
import type { SimStreamName } from './sim-streams.js';
import type { SimVenue, SimVenueCounters, SimVenueOptions } from './venue.js';

/** Options of `SimExchange`. */
export interface SimExchangeOptions {
  /** Time source of the venue, latency and rate limit. */
  clock: Clock;
  /** The venue to trade on; shared with an HTTP face or a second instance when given. @defaultValue a new SimVenue */
  venue?: SimVenue;
  /** Seed of a new venue and of the fault/latency draws. @defaultValue the venue's seed, else 7 */
  seed?: number;
  /** Options of a new venue (ignored when `venue` is given). */
  venueOptions?: Omit<SimVenueOptions, 'clock' | 'seed'>;
  /** Realism knobs in force from the start. @defaultValue all off */
  realism?: Partial<RealismSettings>;
  /** Extra ccxt constructor options. @defaultValue `{ enableRateLimit: false }` */
  ccxt?: Dict;
  /** Market data is pushed to watchers every this many ms of clock time. @defaultValue 1000 */
  streamPushMs?: number;
  /** Streams that are silent from the start (connected, no data). @defaultValue none */
  silentStreams?: readonly SimStreamName[];
}

/** Realism counters plus the venue's. */
export interface SimExchangeCounters extends RealismCounters {
  venue: SimVenueCounters;
}
