/**
 * Funding as the sim-server reports it. The simulated venue charges no funding (its wallet moves
 * only with fills, and with `POST /__misso/wallet`, which simulates a funding fee), so the rate it
 * reports is a constant 0, the same in `GET /fapi/v1/premiumIndex` and the `<s>@markPrice`
 * stream, and the interest rate too; funding times follow Binance's 8-hour schedule (00:00,
 * 08:00 and 16:00 UTC).
 */

/** The funding rate of every perpetual: constant, since the venue charges none. */
export const SIM_FUNDING_RATE = 0;
/** The interest rate in the funding formula: 0, so premium and interest give the constant rate above. */
export const SIM_INTEREST_RATE = 0;
/** Binance USD-M's funding interval. */
export const FUNDING_INTERVAL_MS = 8 * 3_600_000;

/** The next funding time after `nowMs` (an 8-hour boundary, UTC). */
export function nextFundingTime(nowMs: number): number {
  return Math.floor(nowMs / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS;
}
