import { describe, expect, it } from 'vitest';
import { pivots, pivotsOfPivots, rangeFromOhlcv } from '../../src/helpers/pivots.js';

const values = (points: { value: number }[]): number[] => points.map((p) => p.value);
const indices = (points: { index: number }[]): number[] => points.map((p) => p.index);

// Hand-built columns: first-order swing highs 5,7,6,9,8 → second order 7 (i=3) and 9 (i=7);
// first-order swing lows 4,2,5,1,3 → second order 2 (i=3) and 1 (i=7).
const HIGHS = [1, 5, 2, 7, 3, 6, 2, 9, 4, 8, 1];
const LOWS = [9, 4, 8, 2, 7, 5, 6, 1, 5, 3, 9];
const candles = HIGHS.map((h, i) => [60_000 * i, 0, h, LOWS[i] ?? 0, 0, 1]);

describe('pivots', () => {
  it('marks the points where the direction flips, never the ends', () => {
    const p = pivots([1, 3, 2, 4, 1]);
    expect(p.highs).toEqual([
      { index: 1, value: 3 },
      { index: 3, value: 4 },
    ]);
    expect(p.lows).toEqual([{ index: 2, value: 2 }]);
    expect(pivots([1, 2, 3, 4])).toEqual({ highs: [], lows: [] });
    expect(pivots([])).toEqual({ highs: [], lows: [] });
  });

  it('counts a flat turn once, at its first point, and ignores flat stretches on a slope', () => {
    const p = pivots([1, 2, 2, 2, 1, 1, 3, 3, 4]);
    expect(p.highs).toEqual([{ index: 1, value: 2 }]);
    expect(p.lows).toEqual([{ index: 4, value: 1 }]);
  });

  it('skips non-finite values', () => {
    expect(pivots([1, Number.NaN, 3, 2]).highs).toEqual([{ index: 2, value: 3 }]);
  });
});

describe('pivotsOfPivots', () => {
  it('keeps the turns among the turns, with input indices', () => {
    const p = pivotsOfPivots(HIGHS, LOWS);
    expect(values(p.highs)).toEqual([7, 9]);
    expect(indices(p.highs)).toEqual([3, 7]);
    expect(values(p.lows)).toEqual([2, 1]);
    expect(indices(p.lows)).toEqual([3, 7]);
  });

  it('reads one series for both sides when lows are not given', () => {
    const p = pivotsOfPivots(HIGHS);
    expect(values(p.highs)).toEqual([7, 9]);
    expect(values(pivotsOfPivots(LOWS).lows)).toEqual([2, 1]);
  });
});

describe('rangeFromOhlcv', () => {
  it('picks the nearest major high above and major low below the price', () => {
    expect(rangeFromOhlcv(candles, 5)).toEqual([7, 2]);
    expect(rangeFromOhlcv(candles, 8)).toEqual([9, 2]);
  });

  it('keeps pivots inside the band away from the price out', () => {
    expect(rangeFromOhlcv(candles, 6.97)).toEqual([9, 2]);
    expect(rangeFromOhlcv(candles, 6.9, 0.02)).toEqual([9, 2]);
    expect(rangeFromOhlcv(candles, 6.9, 0.01)).toEqual([7, 2]);
  });

  it('gives null when either side is missing or the price is unusable', () => {
    expect(rangeFromOhlcv(candles, 10)).toBeNull();
    expect(rangeFromOhlcv(candles, 1.001)).toBeNull();
    expect(rangeFromOhlcv(candles, 0)).toBeNull();
    expect(rangeFromOhlcv([], 5)).toBeNull();
  });
});
