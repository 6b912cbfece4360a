import type { SimMarket } from './venue-types.js';

/**
 * The venue's margin figures, in one place for the venue (liquidation), its positions and both
 * faces (the sim-server's leverage bracket, account and position risk).
 */

/**
 * The share of a position's notional (at mark) the account must keep as maintenance margin: half
 * the initial margin at the market's maximum leverage (0.5 / maxLeverage, to Binance's 6
 * decimals), as the one leverage bracket of the market publishes it.
 */
export function maintMarginRatio(market: Pick<SimMarket, 'maxLeverage'>): number {
  return Number((0.5 / market.maxLeverage).toFixed(6));
}

/** A position's maintenance margin in USD: notional at mark × {@link maintMarginRatio}. */
export function maintMargin(market: Pick<SimMarket, 'maxLeverage'>, notional: number): number {
  return Math.abs(notional) * maintMarginRatio(market);
}

/** The clearance fee a liquidation takes, as a share of the notional it closes (Binance's `liquidationFee`). */
export const LIQUIDATION_FEE_RATE = 0.0125;
