import { describe, expect, it } from 'vitest';
import { cleanSum, marketStep, onStep } from '../../src/orders/significant.js';

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

describe('cleanSum', () => {
  it('takes the binary noise off a sum of amounts and keeps every real digit (review 25-B F10)', () => {
    expect(cleanSum(0.1 + 0.1 + 0.1 - 0.3, 0.3)).toBe(0);
    expect(Object.is(cleanSum(0.3 - 0.1 - 0.1 - 0.1, 0.3), 0)).toBe(true);
    expect(cleanSum(0.039999999999999994, 0.06)).toBe(0.04);
    expect(cleanSum(0.1 + 0.2, 0.2)).toBe(0.3);
    expect(cleanSum(12345.1 + 0.2, 12345.1)).toBe(12345.3);
    // Cancellation: the small result keeps its digits, not the operands' noise.
    expect(cleanSum(100 - 99.9999, 100)).toBe(0.0001);
    expect(cleanSum(0.00000001 + 0.00000002, 0.00000002)).toBe(0.00000003);
    expect(cleanSum(1e9 + 1, 1e9)).toBe(1_000_000_001);
    // A SQL SUM of many terms keeps fewer digits.
    let sum = 0;
    for (let i = 0; i < 1000; i++) sum += i % 2 === 0 ? 0.1 : -0.07;
    expect(cleanSum(sum, 170, 12)).toBe(15);
    expect(cleanSum(NaN, 1)).toBeNaN();
    expect(cleanSum(0.30000000000000004, 0)).toBe(0.30000000000000004);
  });
});
