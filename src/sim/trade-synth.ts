import { hashUniform } from './prng.js';
import { STEP_MS, type PriceBar } from './price-path.js';
import { cleanNumber } from './universe.js';
import type { SimOrderSide } from './venue-types.js';

/** One print of the market's other traders, before the tape numbers it. */
export interface SynthTrade {
  timestamp: number;
  price: number;
  amount: number;
  /** The taker's side. */
  side: SimOrderSide;
}

/** A step prints at most this many trades: a busy market's tape stays cheap to regenerate. */
export const MAX_TRADES_PER_STEP = 30;
/** USD a typical print is worth: a step trading N times this prints about N trades. */
const TYPICAL_TRADE_USD = 2_500;
/** Keeps the tape's draws apart from the price path's (which use levels 0 to 6 here). */
const TAPE_LEVEL = 40;

/**
 * The other traders' prints of one finished 10 s price step, drawn from the seed, the market and
 * the step alone, so any step can be regenerated on demand and gives the same prints every time.
 *
 * - Prices lie within the step's low and high, on the tick grid; the last print is the step's
 *   close (the ticker's `last` once the step ended), and a step whose high or low lies beyond its
 *   open and close prints at them too, so every candle's high and low are traded.
 * - Sizes split the step's volume (as the candles count it) on the lot grid, one lot at least:
 *   a market too thin to fill a lot a print prints a lot anyway (up to three a step), so its tape
 *   trades more than its candles say (a few lots' worth a step, a few USD).
 * - The taker side follows the tick (up: a buyer lifted the ask; down: a seller hit the bid) and
 *   is drawn when the price did not move.
 */
export function synthesizeStep(
  seed: number,
  marketIndex: number,
  step: number,
  bar: PriceBar,
  market: { tickSize: number; lotSize: number },
): SynthTrade[] {
  const draw = (slot: number): number => hashUniform(seed, marketIndex, TAPE_LEVEL, step, slot);
  const stepUsd = bar.volume * bar.close;
  // One print for the close and one for each extreme the open and close miss, at least.
  const least = 1 + Number(bar.high > Math.max(bar.open, bar.close)) + Number(bar.low < Math.min(bar.open, bar.close));
  const count = Math.max(least, Math.min(MAX_TRADES_PER_STEP, Math.round((stepUsd / TYPICAL_TRADE_USD) * (0.5 + draw(0)))));

  const prices = pricesOf(bar, count, market.tickSize, draw);
  const weights = prices.map((_, k) => -Math.log(draw(200 + k)));
  const total = weights.reduce((a, b) => a + b, 0);
  const offsets = prices.map((_, k) => Math.floor(draw(300 + k) * STEP_MS)).sort((a, b) => a - b);
  const lot = market.lotSize;
  const start = step * STEP_MS;
  let previous = bar.open;
  return prices.map((price, k) => {
    const lots = Math.max(1, Math.round((bar.volume * weights[k]!) / total / lot));
    const side: SimOrderSide = price > previous ? 'buy' : price < previous ? 'sell' : draw(400 + k) < 0.5 ? 'buy' : 'sell';
    previous = price;
    return { timestamp: start + offsets[k]!, price, amount: cleanNumber(lots * lot), side };
  });
}

/** `count` prices in `[low, high]` ending at the close, through the extremes the open and close miss. */
function pricesOf(bar: PriceBar, count: number, tick: number, draw: (slot: number) => number): number[] {
  const span = bar.high - bar.low;
  const prices: number[] = [];
  for (let k = 0; k < count - 1; k++) {
    prices.push(cleanNumber(Math.round((bar.low + span * draw(100 + k)) / tick) * tick));
  }
  prices.push(bar.close);
  const extremes: number[] = [];
  if (bar.high > Math.max(bar.open, bar.close)) extremes.push(bar.high);
  if (bar.low < Math.min(bar.open, bar.close)) extremes.push(bar.low);
  // Which extreme the step reached first is drawn; they take the first free places before the close.
  if (extremes.length === 2 && draw(500) < 0.5) extremes.reverse();
  const first = Math.floor(draw(501) * (count - extremes.length));
  extremes.forEach((price, e) => (prices[first + e] = price));
  return prices;
}
