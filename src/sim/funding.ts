import { FUNDING_INTERVAL_MS } from './funding-charges.js';
import { listingTime } from './universe.js';
import type { SimVenue } from './venue.js';
import { SIM_TIMEFRAMES } from './venue-types.js';
import { historyPage } from './history-page.js';

/**
 * Funding as the venue reports it. With the `funding` knob (`funding: true` beside `id: sim`,
 * `misso sim-server --funding`) each perpetual has a seeded rate per funding time, Binance's
 * +0.01% base plus a premium drawn from the seed, the market and the time, capped at ±0.3%
 * (`fundingRateAt` in `funding-charges.ts`), and at each funding time every open position pays
 * (long, positive rate) or receives contracts × the price at that time × the rate. Off (the
 * default) the rate is a constant 0 ({@link SIM_FUNDING_RATE}) and nothing is charged. Funding
 * times follow Binance's 8-hour schedule (00:00, 08:00 and 16:00 UTC). The rate is the same in
 * `GET /fapi/v1/premiumIndex` and the `<s>@markPrice` stream (the rate the next funding will
 * charge), in past fundings ({@link fundingsAt}, `GET /fapi/v1/fundingRate`: the rates charged,
 * each with the market's price at its time) and in the in-process sim's equivalents.
 */

/** The funding rate of every perpetual with the `funding` knob off: the venue charges none. */
export const SIM_FUNDING_RATE = 0;
/** The interest rate in the funding formula: 0, the base rate being the whole interest part. */
export const SIM_INTEREST_RATE = 0;
export { FUNDING_INTERVAL_MS } from './funding-charges.js';

/** The next funding time after `nowMs` (an 8-hour boundary, UTC). */
export function nextFundingTime(nowMs: number): number {
  return Math.floor(nowMs / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS;
}

/** The rate the next funding of `t.symbol` after `t.timestamp` will charge (0 with funding off). */
export function nextFundingRate(venue: SimVenue, t: { symbol: string; timestamp: number }): number {
  return venue.funding.rate(t.symbol, nextFundingTime(t.timestamp));
}

/** One past funding of a perpetual. */
export interface SimFunding {
  symbol: string;
  /** The funding time, an 8-hour boundary. */
  time: number;
  rate: number;
  /** The market's price at `time`: the close of the last price step before it. */
  markPrice: number;
}

/** The funding times after `afterMs` up to and including `uptoMs`, oldest first. */
export function fundingTimesBetween(afterMs: number, uptoMs: number): number[] {
  const times: number[] = [];
  for (let t = nextFundingTime(afterMs); t <= uptoMs; t += FUNDING_INTERVAL_MS) times.push(t);
  return times;
}

const FOUR_HOURS_MS = SIM_TIMEFRAMES['4h'];
/** Funding times per candle request: 700 of them span 1399 four-hour candles, under the venue's 1500. */
const TIMES_PER_REQUEST = 700;

/**
 * The fundings of `symbol` at past funding `times` (ascending, none after the venue's now), each
 * priced at the close of the 4-hour candle that ends at it (funding times are 4-hour boundaries).
 */
export function fundingsAt(venue: SimVenue, symbol: string, times: readonly number[]): SimFunding[] {
  const closes = new Map<number, number>();
  for (let i = 0; i < times.length; i += TIMES_PER_REQUEST) {
    const chunk = times.slice(i, i + TIMES_PER_REQUEST);
    const from = chunk[0]! - FOUR_HOURS_MS;
    const count = (chunk[chunk.length - 1]! - from) / FOUR_HOURS_MS;
    for (const c of venue.candles(symbol, '4h', from, count)) closes.set(c[0] + FOUR_HOURS_MS, c[4]);
  }
  return times.map((time) => {
    const markPrice = closes.get(time);
    if (markPrice === undefined) throw new Error(`no price for ${symbol} at funding time ${time}: not a past 4-hour boundary`);
    return { symbol, time, rate: venue.funding.rate(symbol, time), markPrice };
  });
}

/** Which fundings {@link fundingHistory} returns. */
export interface FundingQuery {
  /** The first `limit` fundings at or after this time; without it, the latest `limit`. */
  startTime?: number;
  /** No funding after this time. @defaultValue the venue's now */
  endTime?: number;
  limit: number;
}

/**
 * The fundings of `symbols` since their listing ({@link listingTime}) up to the venue's now,
 * ordered by time then symbol, chosen as Binance's `GET /fapi/v1/fundingRate` chooses them: the
 * first `limit` from `startTime` when given, else the latest `limit` up to `endTime`.
 */
export function fundingHistory(venue: SimVenue, symbols: readonly string[], query: FundingQuery): SimFunding[] {
  const now = venue.now();
  const { startTime: start, limit } = query;
  const times = fundingTimesBetween(listingTime(now), Math.min(query.endTime ?? now, now)).filter((t) => start === undefined || t >= start);
  // Every market has a funding at each time: only the times the answer can reach are priced.
  const reach = Math.ceil(limit / Math.max(1, symbols.length));
  const chosen = start === undefined ? times.slice(-reach) : times.slice(0, reach);
  const fundings = symbols.flatMap((symbol) => fundingsAt(venue, symbol, chosen));
  fundings.sort((a, b) => a.time - b.time || a.symbol.localeCompare(b.symbol));
  return historyPage(fundings, start !== undefined, limit);
}
