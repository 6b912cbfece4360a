import type { PricePath } from './price-path.js';
import { STEP_MS } from './price-path.js';
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
  const depth = cleanNumber(
    Math.max(market.lotSize, Math.floor(liquidityPerStepUsd / touch.last / market.lotSize) * market.lotSize),
  );
  return {
    symbol: market.symbol,
    timestamp: now,
    last: touch.last,
    bid: touch.bid,
    ask: touch.ask,
    bidVolume: depth,
    askVolume: depth,
    open,
    high,
    low,
    baseVolume,
    quoteVolume,
    markPrice: touch.last,
  };
}
