import { VirtualClock } from '../../src/core/clock.js';
import { cleanNumber } from '../../src/sim/universe.js';
import type { SimVenueOptions } from '../../src/sim/venue-options.js';
import { SimVenue } from '../../src/sim/venue.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** What a trial of {@link startWhere} gets: a twin venue started at the candidate hour. */
export interface VenueTrial {
  venue: SimVenue;
  clock: VirtualClock;
  /** `symbol`'s last price at the start, the one the test reads after its start. */
  last: number;
  /** `last * f` to the tick, as ccxt's `priceToPrecision` rounds it. */
  px: (f: number) => number;
  /** `usd` worth at `last` down to the lot, as ccxt's `amountToPrecision` truncates it. */
  qty: (usd: number) => number;
}

/**
 * A start time for a venue on its own virtual clock: the first whole hour from now at which
 * `trial` succeeds on a twin venue with the same options started then.
 *
 * The venue's price is a fixed path of seed and start time (the day containing the start opens
 * at reference prices), so a test that starts its venue at `Date.now()` and waits for the price
 * to do something depends on the day it runs. Judging the path by its range is not enough: a
 * resting order needs enough steps at its price to fill (the liquidity per step), and one 10 s
 * step can reach a trigger and a limit at once. So the trial places the test's own orders on
 * the twin and plays its day; the twin sees exactly what the test's venue will, because the
 * path and the matching depend only on the options, the anchor and the clock.
 */
export async function startWhere(
  options: Omit<SimVenueOptions, 'clock' | 'startMs'>,
  symbol: string,
  trial: (t: VenueTrial) => Promise<boolean>,
): Promise<number> {
  const now = Math.ceil(Date.now() / HOUR_MS) * HOUR_MS;
  for (let t = now; t < now + 60 * DAY_MS; t += HOUR_MS) {
    const clock = new VirtualClock(t);
    const venue = new SimVenue({ ...options, clock });
    const market = venue.market(symbol);
    const last = venue.ticker(symbol).last;
    const px = (f: number): number => cleanNumber(Math.round((last * f) / market.tickSize) * market.tickSize);
    const qty = (usd: number): number => cleanNumber(Math.floor(usd / last / market.lotSize) * market.lotSize);
    if (await trial({ venue, clock, last, px, qty })) return t;
  }
  throw new Error(`seed ${options.seed}: the trial on ${symbol} succeeds from no hour of the next 60 days`);
}

/** Advances `clock` by 10 s price steps, up to a day, until `done` holds; returns whether it did. */
export async function playDay(clock: VirtualClock, done: () => boolean): Promise<boolean> {
  for (let i = 0; i < 8640 && !done(); i++) await clock.advance(10_000);
  return done();
}
