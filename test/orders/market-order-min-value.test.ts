/**
 * A market order has no price of its own: its value is judged at the strategy's fresh last price,
 * so one below the market's minimum value is refused at `push` (IntentError, nothing journaled),
 * as a limit order is, instead of being journaled and failing at the exchange.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IntentError } from '../../src/orders/intent.js';
import { drive, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

const SYMBOL = 'ETH/USD:USD';
const marketBuy = (amount: number) => ({ symbol: SYMBOL, side: 'buy', amount, type: 'market' });

async function setUp(fresh: boolean) {
  const held: { last?: number } = {};
  const r = await make({ lastPrice: (symbol) => (fresh && symbol === SYMBOL ? held.last : undefined) });
  const last = (held.last = (await r.sim.fetchTicker(SYMBOL)).last!);
  await drive(r.clock, r.manager.start());
  const costMin = r.sim.market(SYMBOL).limits.cost!.min!;
  const step = r.sim.market(SYMBOL).precision.amount!;
  // The least amount on the step whose value is under the minimum at the last price.
  const small = Number(r.sim.amountToPrecision(SYMBOL, Math.max(step, (costMin / last) * 0.6)));
  expect(small * last).toBeLessThan(costMin);
  return { r, last, costMin, small };
}

describe('a market order below the minimum order value', () => {
  it('is refused at push with IntentError naming the amount and the price it was valued at; nothing journaled or sent', async () => {
    const { r, last, small } = await setUp(true);
    let thrown: unknown;
    try {
      r.manager.queue.push(marketBuy(small));
    } catch (error: unknown) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IntentError);
    expect((thrown as IntentError).field).toBe('amount');
    expect((thrown as Error).message).toContain(`at the fresh last price ${last}`);
    expect((thrown as Error).message).toMatch(/below the market minimum .*give an amount of at least [\d.]+/);
    expect(r.journal.intentCount()).toBe(0);
    expect(r.manager.openOrders).toEqual({});
    expect(r.sim.counters().calls['createOrder'] ?? 0).toBe(0);
  });

  it('the advised amount is taken, and a reduce-only order of any value is not judged', async () => {
    const { r, small } = await setUp(true);
    let said = '';
    try {
      r.manager.queue.push(marketBuy(small));
    } catch (error: unknown) {
      said = (error as Error).message;
    }
    const advised = Number(/give an amount of at least ([\d.e-]+)/.exec(said)?.[1]);
    expect(advised).toBeGreaterThan(small);
    expect(r.manager.queue.push(marketBuy(advised)).status).toBe('pending');
    expect(r.manager.queue.push({ symbol: SYMBOL, side: 'sell', amount: small, type: 'market', params: { reduceOnly: true } }).status).toBe('pending');
  });

  it('without a fresh last price the exchange judges it (taken at push)', async () => {
    const { r, small } = await setUp(false);
    expect(r.manager.queue.push(marketBuy(small)).status).toBe('pending');
  });
});
