/**
 * The price path's cache holds what a pass over every market's 24 h ticker needs, at every
 * universe size `--markets` allows: with 5000 markets the fixed limit overflowed within one pass,
 * the cache was dropped, and each push (every second) regenerated every market's path, a second
 * or two of CPU that held the sim-server's event loop.
 */
import { describe, expect, it } from 'vitest';
import { PricePath } from '../../src/sim/price-path.js';
import { tickerOf, touchOf } from '../../src/sim/ticker.js';
import { buildMarkets, universeOf } from '../../src/sim/universe.js';

function tickerPass(size: number, hour: number): { first: number; again: number } {
  const specs = universeOf(size, 7);
  const markets = buildMarkets(7, specs);
  const now = Date.UTC(2026, 0, 5, hour, 34, 56);
  const path = new PricePath(7, markets.map((m, i) => ({ ...m, referencePrice: specs[i]!.referencePrice })), now);
  const pass = (): void =>
    markets.forEach((m, i) => {
      const last = path.partialBar(i, 60_000, Math.floor(now / 60_000), Math.floor(now / 10_000)).close;
      tickerOf(path, i, m, touchOf(m, last, 2), now, 100_000);
    });
  pass();
  const first = path.generatedBarSets;
  pass();
  return { first, again: path.generatedBarSets - first };
}

describe('price path cache', () => {
  it.each([[40, 12], [5000, 0], [5000, 12]])('%i markets at %i h: a second ticker pass at the same moment generates nothing', (size, hour) => {
    const { first, again } = tickerPass(size, hour);
    expect(first).toBeGreaterThan(size);
    expect(again).toBe(0);
  });
});
