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
