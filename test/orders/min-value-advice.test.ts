import { beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { fitIntentToMarket } from '../../src/orders/intent-market.js';
import { parseIntent } from '../../src/orders/intent.js';
import { checkOrderKind } from '../../src/orders/order-kinds.js';
import { type SimExchange } from '../../src/sim/sim-exchange.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';

// The review: below the minimum order value, the advice said "give an amount of at least 0.000125"
// on a market whose amount step is 0.0001; sent, that amount is truncated to 0.0001 and refused
// again, and the user loops. The advice is now a figure the market can carry.
let sim: SimExchange;
beforeAll(async () => {
  sim = createSimExchange({ seed: 7 }, { clock: new VirtualClock() });
  await sim.loadMarkets();
});

function refusal(symbol: string, amount: number, price: number): string {
  const fitted = fitIntentToMarket(parseIntent({ symbol, side: 'buy', amount, price }), sim);
  try {
    checkOrderKind(fitted.intent, sim);
  } catch (error: unknown) {
    return (error as Error).message;
  }
  return '';
}

describe("the minimum order value's advice", () => {
  it('names an amount on the market step that is then taken', () => {
    const m = sim.market('BTC/USD:USD');
    const step = m.precision.amount!;
    const costMin = m.limits.cost!.min!;
    // An order one step in size at a price that makes its value under the minimum, by less than one more step.
    const price = Number(sim.priceToPrecision('BTC/USD:USD', (costMin / step) * 0.8));
    const said = refusal('BTC/USD:USD', step, price);
    const advised = Number(/give an amount of at least ([\d.e-]+) at price/.exec(said)?.[1]);
    expect(advised).toBeGreaterThan(0);
    // On the step: ccxt's truncation leaves it as it is.
    expect(Number(sim.amountToPrecision('BTC/USD:USD', advised))).toBe(advised);
    expect(refusal('BTC/USD:USD', advised, price)).toBe('');
    // And the least such amount: one step less is refused.
    expect(refusal('BTC/USD:USD', Number((advised - step).toFixed(10)), price)).toMatch(/below the market minimum/);
  });
});
