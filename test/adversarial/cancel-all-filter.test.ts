import { afterEach, describe, expect, it } from 'vitest';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

// cancelAll's filter narrows a mass cancel. A filter misso cannot read (a symbol passed as a bare
// string, a side that is neither buy nor sell, a misspelt key) must not widen it to every order,
// nor silently match none: it is refused, and nothing is cancelled. (A side in upper case is read
// as an order's is: test/orders/cancel-filter-side.test.ts.)
describe('orders.cancelAll with a filter it cannot read', () => {
  it('refuses it and cancels nothing', async () => {
    const r = await make();
    const a = await market(r.sim, 0);
    const b = await market(r.sim, 1);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const orders = [r.manager.queue.push([null, a.amount, a.restingBuy, 'buy', a.symbol]), r.manager.queue.push([null, b.amount, b.restingBuy, 'buy', b.symbol])];
    await r.clock.advanceUntil(() => orders.every((o) => o.status === 'open'), 30_000, 50);
    const bad: unknown[] = [a.symbol, { side: 'long' }, { sym: a.symbol }, { symbol: 5 }, [a.symbol], null];
    for (const filter of bad) {
      await expect(r.manager.cancelAll(filter as never), JSON.stringify(filter)).rejects.toThrow(/cancelAll/);
    }
    await r.clock.advance(2_000);
    expect(r.sim.counters().calls['cancelOrder'] ?? 0).toBe(0);
    expect(orders.map((o) => o.status)).toEqual(['open', 'open']);
    // A readable filter still works.
    const done = await drive(r.clock, r.manager.cancelAll({ symbol: a.symbol, side: 'buy' }));
    expect(done.map((x) => x.order.clientOrderId)).toEqual([orders[0]!.clientOrderId]);
  });
});
