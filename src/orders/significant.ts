/**
 * `x` rounded up to `digits` significant digits, so a figure quoted as a lower bound is enough.
 * @defaultValue digits 3
 */
export function ceilSignificant(x: number, digits = 3): number {
  return roundSignificant(x, digits, Math.ceil);
}

/**
 * `x` rounded down to `digits` significant digits, so a figure quoted as an upper bound is within it.
 * @defaultValue digits 3
 */
export function floorSignificant(x: number, digits = 3): number {
  return roundSignificant(x, digits, Math.floor);
}

function roundSignificant(x: number, digits: number, round: (v: number) => number): number {
  if (!(x > 0) || !Number.isFinite(x)) return x;
  const step = 10 ** (Math.floor(Math.log10(x)) - (digits - 1));
  // The nudge keeps a float a hair off an exact step (57000.000000000004) on that step.
  const nudge = round === Math.ceil ? -1e-9 : 1e-9;
  return Number((round(x / step + nudge) * step).toPrecision(digits));
}

/**
 * `x` on a multiple of `step`, rounded `up` or `down` (so a figure quoted as a bound stays inside
 * it once the exchange's precision is applied), written with the step's decimals.
 */
export function onStep(x: number, step: number, dir: 'up' | 'down'): number {
  const decimals = decimalsOf(step);
  const round = dir === 'up' ? Math.ceil : Math.floor;
  // The nudge keeps a float a hair off an exact step on that step.
  return Number((round(x / step + (dir === 'up' ? -1e-9 : 1e-9)) * step).toFixed(decimals));
}

/** What {@link marketStep} reads of a ccxt exchange. */
export interface StepExchange {
  precisionMode?: number | undefined;
  market(symbol: string): { precision?: { amount?: number | undefined; price?: number | undefined } | undefined };
}

/**
 * A market's amount or price step: ccxt's precision as a step (TICK_SIZE mode) or as decimal
 * places; undefined where ccxt counts significant digits, or the market gives none.
 */
export function marketStep(ex: StepExchange, symbol: string, field: 'amount' | 'price'): number | undefined {
  const precision = ex.market(symbol).precision?.[field];
  if (precision === undefined) return undefined;
  // ccxt's modes: DECIMAL_PLACES 2, SIGNIFICANT_DIGITS 3, TICK_SIZE 4.
  const step = ex.precisionMode === 4 ? precision : ex.precisionMode === 2 ? 10 ** -precision : undefined;
  return step !== undefined && step > 0 && Number.isFinite(step) ? step : undefined;
}

/** How many decimals `step` is written with (0.25: 2, 0.001: 3, 5: 0). */
function decimalsOf(step: number): number {
  for (let d = 0; d < 20; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(Math.round(scaled) - scaled) < 1e-9 * Math.max(1, scaled)) return d;
  }
  return 20;
}

/**
 * A sum of amounts without binary noise (0.1 + 0.1 + 0.1 - 0.3 is 0, not 5.55e-17; 0.04 stays
 * 0.04): rounded to `digits` significant digits of `scale`, the largest magnitude the sum was
 * made of, and to at most 12 decimals. One addition is off by at most half an ulp of its largest
 * operand, far below the 15 digits kept; a sum of many terms (a SQL SUM) keeps fewer. -0 is 0.
 * @defaultValue digits 15
 */
export function cleanSum(sum: number, scale: number, digits = 15): number {
  if (!Number.isFinite(sum) || !(scale > 0) || !Number.isFinite(scale)) return sum;
  const decimals = Math.min(12, Math.max(0, digits - 1 - Math.floor(Math.log10(scale))));
  return Number(sum.toFixed(decimals)) || 0;
}
