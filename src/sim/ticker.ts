import type { PricePath } from './price-path.js';
import { STEP_MS } from './price-path.js';
import { hashUniform } from './prng.js';
import { cleanNumber } from './universe.js';
import { SIM_TIMEFRAMES, type SimMarket, type SimTicker } from './venue-types.js';

/** The top of the book: `bid < last < ask`, each on the tick grid. */
export interface Touch {
  last: number;
  bid: number;
  ask: number;
}

/** Quotes around `last`: half the spread each side, at least one tick. */
export function touchOf(market: SimMarket, last: number, spreadBps: number): Touch {
  const tick = market.tickSize;
  const lastTicks = Math.round(last / tick);
  const half = Math.max(1, Math.ceil((last * spreadBps) / 20_000 / tick));
  return {
    last,
    bid: cleanNumber(Math.max(1, lastTicks - half) * tick),
    ask: cleanNumber((lastTicks + half) * tick),
  };
}

/** A market's key for seeded draws: FNV-1a of its id, stable across universes (unlike an index). */
export function marketKeyOf(id: string): number {
  let key = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) key = Math.imul(key ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return key;
}

/**
 * How much the touch's best bid and best ask each hold relative to the liquidity per step, in
 * the price step of `now`: each side drawn on its own, uniform in [0.5, 1.5) (mean 1, so the
 * average liquidity is what the knob says), from the seed, the market and the step, so the
 * book's imbalance at the top moves from step to step as a real book's does.
 */
export function touchSizeFactors(seed: number, marketKey: number, now: number): { bid: number; ask: number } {
  const step = Math.floor(now / STEP_MS);
  return { bid: 0.5 + hashUniform(seed, marketKey, 7, step, 1), ask: 0.5 + hashUniform(seed, marketKey, 7, step, 2) };
}

/** The touch size of one side in whole lots (at least one) for `usd` of liquidity at `price`. */
function touchSize(market: SimMarket, usd: number, price: number): number {
  return cleanNumber(Math.max(market.lotSize, Math.floor(usd / price / market.lotSize) * market.lotSize));
}

/**
 * The 24 h ticker from the path's hourly bars: the current (unfinished) hour and the 23 before
 * it, so its high/low bound `last` and its numbers agree with the 1h candles.
 */
export function tickerOf(
  path: PricePath,
  marketIndex: number,
  market: SimMarket,
  touch: Touch,
  now: number,
  liquidityPerStepUsd: number,
): SimTicker {
  const hour = SIM_TIMEFRAMES['1h'];
  const current = Math.floor(now / hour);
  const upto = Math.floor(now / STEP_MS);
  let open = 0;
  let high = -Infinity;
  let low = Infinity;
  let baseVolume = 0;
  let quoteVolume = 0;
  for (let i = current - 23; i <= current; i++) {
    const b = i < current ? path.bar(marketIndex, hour, i) : path.partialBar(marketIndex, hour, i, upto);
    if (i === current - 23) open = b.open;
    high = Math.max(high, b.high);
    low = Math.min(low, b.low);
    baseVolume += b.volume;
    // Hourly typical price: close enough for a quoted USD volume.
    quoteVolume += (b.volume * (b.high + b.low + b.close)) / 3;
  }
  const factors = touchSizeFactors(path.seed, marketKeyOf(market.id), now);
  return {
    symbol: market.symbol,
    timestamp: now,
    last: touch.last,
    bid: touch.bid,
    ask: touch.ask,
    bidVolume: touchSize(market, liquidityPerStepUsd * factors.bid, touch.last),
    askVolume: touchSize(market, liquidityPerStepUsd * factors.ask, touch.last),
    open,
    high,
    low,
    baseVolume,
    quoteVolume,
    markPrice: touch.last,
  };
}
