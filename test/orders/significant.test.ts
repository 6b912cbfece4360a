import { describe, expect, it } from 'vitest';
import { marketStep, onStep } from '../../src/orders/significant.js';

describe('onStep', () => {
  it('rounds onto the step in the direction asked, written with the step\'s own decimals', () => {
    expect(onStep(91.17, 0.25, 'up')).toBe(91.25);
    expect(onStep(111.43, 0.25, 'down')).toBe(111.25);
    expect(onStep(0.012345, 0.0025, 'up')).toBe(0.0125);
    expect(onStep(0.012345, 0.0025, 'down')).toBe(0.01);
    expect(onStep(57, 0.1, 'up')).toBe(57);
    expect(onStep(57.000000000004, 0.1, 'down')).toBe(57);
    expect(onStep(1234, 5, 'down')).toBe(1230);
    expect(onStep(0.3, 0.1, 'up')).toBe(0.3);
  });
});

describe('marketStep', () => {
  const ex = (precisionMode: number, precision: { amount?: number; price?: number }) => ({ precisionMode, market: () => ({ precision }) });
  it("reads ccxt's precision as a step, as decimal places, and not at all for significant digits", () => {
    expect(marketStep(ex(4, { amount: 0.001, price: 0.25 }), 'X', 'price')).toBe(0.25);
    expect(marketStep(ex(2, { amount: 3 }), 'X', 'amount')).toBeCloseTo(0.001, 12);
    expect(marketStep(ex(3, { amount: 3 }), 'X', 'amount')).toBeUndefined();
    expect(marketStep(ex(4, {}), 'X', 'amount')).toBeUndefined();
  });
});
