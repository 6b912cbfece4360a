import { describe, expect, it } from 'vitest';
import { CancelFilterError } from '../../src/index.js';
import { checkCancelAllFilter } from '../../src/orders/cancel-filter.js';

// A side is read as an order's is: in any case (`'BUY'` is buy), so a mass cancel by side takes
// what `push` takes; a side that is neither still throws, never matching none or all.
describe("cancelAll's side", () => {
  it('takes any case, as an order does, and hands over the lower case', () => {
    expect(checkCancelAllFilter({ side: 'BUY' })).toEqual({ side: 'buy' });
    expect(checkCancelAllFilter({ side: 'Sell', symbol: 'BTC/USD:USD' })).toEqual({ side: 'sell', symbol: 'BTC/USD:USD' });
    expect(checkCancelAllFilter({ side: 'buy' })).toEqual({ side: 'buy' });
  });

  it('refuses a side that is neither, quoting what was given', () => {
    for (const side of ['long', '', 1, null]) {
      expect(() => checkCancelAllFilter({ side })).toThrow(CancelFilterError);
    }
    expect(() => checkCancelAllFilter({ side: 'LONG' })).toThrow(`side must be 'buy' or 'sell', got "LONG"`);
  });
});
