import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { SimVenue } from '../../src/sim/venue.js';

// The top-down path keeps each child walk inside its parent's range. Clamped, the price stuck
// at a parent's high or low: about one 1m candle in five had the close of the one before, in
// runs up to 12 minutes (`npm start` showed BTC unchanged for minutes). Reflected, it moves.
const START = 1_700_000_000_000;

describe('SimVenue price path', () => {
  it('moves: few 1m closes repeat the previous close, and no price is stuck for five minutes', () => {
    const venue = new SimVenue({ seed: 7, clock: new VirtualClock(START + 3 * 86_400_000) });
    for (const symbol of ['BTC/USD:USD', 'ETH/USD:USD', 'SOL/USD:USD']) {
      const rows = venue.candles(symbol, '1m', undefined, 1000);
      let repeated = 0;
      let run = 0;
      let longest = 0;
      for (let i = 1; i < rows.length; i++) {
        const same = rows[i]![4] === rows[i - 1]![4] && rows[i]![1] === rows[i]![4];
        if (same) repeated++;
        run = same ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
      expect({ symbol, repeatedShare: repeated / rows.length < 0.05, longestFlatMinutes: longest < 5 }).toEqual({
        symbol,
        repeatedShare: true,
        longestFlatMinutes: true,
      });
    }
  });
});
