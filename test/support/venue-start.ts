import { VirtualClock } from '../../src/core/clock.js';
import { SimVenue } from '../../src/sim/venue.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * A start time for a venue on its own virtual clock: the first whole hour from now from which
 * `symbol` falls by `down` and rises by `up` (fractions of its start price) within a day.
 *
 * The venue's price is a fixed path of seed and time, so a test that starts its venue at
 * `Date.now()` and waits for the price to reach its orders depends on the day it runs: on a
 * trending day the path may not come back. Judged on 1 m candles, whose highs and lows are
 * the prices the venue's matching and triggers see, of a twin venue anchored at the same start
 * (the path depends on the day the venue starts) with its clock a day on.
 */
export function startMovingBy(seed: number, symbol: string, move: { down: number; up: number }): number {
  const now = Math.ceil(Date.now() / HOUR_MS) * HOUR_MS;
  for (let t = now; t < now + 60 * DAY_MS; t += HOUR_MS) {
    const last = new SimVenue({ seed, clock: new VirtualClock(t) }).ticker(symbol).last;
    const day = new SimVenue({ seed, clock: new VirtualClock(t + DAY_MS), startMs: t }).candles(symbol, '1m', t + 60_000, 1500);
    const low = Math.min(...day.map((c) => c[3]));
    const high = Math.max(...day.map((c) => c[2]));
    if (low <= last * (1 - move.down) && high >= last * (1 + move.up)) return t;
  }
  throw new Error(`seed ${seed}: ${symbol} moves ${move.down} down and ${move.up} up within a day from no hour of the next 60 days`);
}
