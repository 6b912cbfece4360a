/** A turning point of a series: where it was and its value. */
export interface PivotPoint {
  index: number;
  value: number;
}

/** The turning points of a series: swing highs (up then down) and swing lows (down then up). */
export interface Pivots {
  highs: PivotPoint[];
  lows: PivotPoint[];
}

/** A candle row as ccxt returns it: `[timestamp, open, high, low, close, volume]`. */
export type OhlcvRow = readonly (number | undefined)[];

/**
 * The points where the direction of change of `values` flips. A flat stretch at a turn counts
 * once, at its first point; the first and last points are never pivots (their other side is
 * unknown). Non-finite values are skipped.
 */
export function pivots(values: readonly number[]): Pivots {
  const result: Pivots = { highs: [], lows: [] };
  let direction = 0;
  let prev: number | undefined;
  let levelStart = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined || !Number.isFinite(v)) continue;
    if (prev === undefined || v === prev) {
      if (prev === undefined) levelStart = i;
      prev = v;
      continue;
    }
    const step = v > prev ? 1 : -1;
    if (direction === 1 && step === -1) result.highs.push({ index: levelStart, value: prev });
    if (direction === -1 && step === 1) result.lows.push({ index: levelStart, value: prev });
    direction = step;
    levelStart = i;
    prev = v;
  }
  return result;
}

/**
 * Second-order swing points: the swing highs among the swing highs of `highs`, and the swing
 * lows among the swing lows of `lows` (the high and low columns of candles). One pass marks
 * every wiggle; the second keeps the turns that stand out from their neighbours. Indices refer
 * to the input series. With one series, `lows` defaults to `highs`.
 */
export function pivotsOfPivots(highs: readonly number[], lows: readonly number[] = highs): Pivots {
  const firstHighs = pivots(highs).highs;
  const firstLows = pivots(lows).lows;
  const major = (points: PivotPoint[], side: 'highs' | 'lows'): PivotPoint[] =>
    pivots(points.map((p) => p.value))[side].map((p) => points[p.index] as PivotPoint);
  return { highs: major(firstHighs, 'highs'), lows: major(firstLows, 'lows') };
}

/**
 * The seed's trading range around `last` from candles: the nearest (in price) second-order
 * swing high above `last × (1 + band)` and the nearest second-order swing low below
 * `last × (1 − band)`, as `[high, low]`; null when either side has none.
 * @param band - relative distance a pivot must keep from the price. @defaultValue 0.005
 */
export function rangeFromOhlcv(ohlcv: readonly OhlcvRow[], last: number, band = 0.005): [number, number] | null {
  if (!Number.isFinite(last) || last <= 0) return null;
  const column = (i: number): number[] => ohlcv.map((row) => row[i] ?? Number.NaN);
  const major = pivotsOfPivots(column(2), column(3));
  const above = last * (1 + band);
  const below = last * (1 - band);
  let high: number | undefined;
  let low: number | undefined;
  for (const p of major.highs) if (p.value > above && (high === undefined || p.value < high)) high = p.value;
  for (const p of major.lows) if (p.value < below && (low === undefined || p.value > low)) low = p.value;
  return high === undefined || low === undefined ? null : [high, low];
}
