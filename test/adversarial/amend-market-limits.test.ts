import { afterEach, describe, expect, it } from 'vitest';
import { AmendError } from '../../src/orders/amend.js';
import { IntentError } from '../../src/orders/intent.js';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

async function resting() {
  const r = await make();
  const m = await market(r.sim);
  await drive(r.clock, r.manager.start());
  void r.manager.runExecutor(new AbortController().signal);
  const order = r.manager.queue.push([null, m.amount, m.restingBuy, 'buy', m.symbol]);
  await r.clock.advanceUntil(() => order.status !== 'pending', 10_000, 50);
  expect(order.status).toBe('open');
  const limits = r.sim.market(m.symbol).limits;
  return { r, order, limits, ...m };
}

// An amend puts a new price or amount on the exchange: it must pass the same market checks a new
// intent does (precision, amount/price/cost limits), refused before anything is journaled or sent,
// instead of travelling to the exchange and coming back `amended: false`.
describe('an amend is checked against the market like a new intent', () => {
  it('an amount above the market maximum is an AmendError naming the limit; nothing journaled or sent', async () => {
    const { r, order, limits } = await resting();
    const amendsBefore = r.journal.actions.forOrder(order.clientOrderId).length;
    const p = r.manager.amend(order, { amount: 1e30 });
    await expect(p).rejects.toThrow(AmendError);
    await expect(p).rejects.toThrow(`above the market maximum ${String(limits.amount?.max)}`);
    expect(r.journal.actions.forOrder(order.clientOrderId).length).toBe(amendsBefore);
    expect(r.sim.counters().calls['editOrder'] ?? 0).toBe(0);
  });

  it('a price below the market minimum, or a value below the minimum cost, is refused the same way', async () => {
    const { r, order, symbol, limits, restingBuy } = await resting();
    const minPrice = limits.price?.min;
    expect(minPrice).toBeGreaterThan(0);
    // Below the tick it cannot even be rounded: the precision error, as for a new intent.
    await expect(r.manager.amend(order, { price: minPrice! / 10 })).rejects.toThrow(AmendError);
    await expect(r.manager.amend(order, { price: minPrice! / 10 })).rejects.toThrow(/price/);
    const tiny = Number(r.sim.amountToPrecision(symbol, limits.cost!.min! / restingBuy / 4));
    expect(tiny).toBeGreaterThan(0);
    await expect(r.manager.amend(order, { amount: tiny })).rejects.toThrow(/order value .* below the market minimum/);
    expect(r.sim.counters().calls['editOrder'] ?? 0).toBe(0);
  });

  it('the seed-style queue amend throws IntentError naming the limit', async () => {
    const { r, order } = await resting();
    expect(() => r.manager.queue.push(['amend', order.clientOrderId, 1e30, null])).toThrow(IntentError);
    expect(() => r.manager.queue.push(['amend', order.clientOrderId, 1e30, null])).toThrow(/above the market maximum/);
    await r.clock.advance(1_000);
    expect(r.sim.counters().calls['editOrder'] ?? 0).toBe(0);
  });

  it('an amend within the limits still goes out, rounded to the market precision', async () => {
    const { r, order, symbol, restingBuy } = await resting();
    const price = restingBuy * 0.97 + 1e-9;
    const res = await drive(r.clock, r.manager.amend(order, { price }));
    expect(res.amended).toBe(true);
    expect(order.price).toBe(Number(r.sim.priceToPrecision(symbol, price)));
  });
});
