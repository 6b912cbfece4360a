import { afterEach, describe, expect, it } from 'vitest';
import { drive, placeOpen as place, restingRig, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

// Review 26 #2: a strategy chasing the price amends again before its last amend settled. Amends
// of one order run one after another; by cancel-then-replace the later one must reach the
// replacement the earlier one made, as it reaches the same order when edited in place.
describe('two amends of one order, the second asked while the first is under way', () => {
  for (const editOrder of [true, false]) {
    it(`${editOrder ? 'edit in place' : 'cancel-then-replace'}: both apply, and the exchange ends at the latest price and amount`, async () => {
      const { r, symbol, amount, restingBuy } = await restingRig(make, editOrder);
      const o = await place(r, symbol, amount, restingBuy);
      r.sim.setKnobs({ latency_ms: 100 });
      const p1 = Number(r.sim.priceToPrecision(symbol, restingBuy * 0.99));
      const p2 = Number(r.sim.priceToPrecision(symbol, restingBuy * 0.98));
      const first = r.manager.amend(o, { price: p1 });
      await r.clock.advance(50);
      const second = r.manager.amend(o, { price: p2, amount: amount * 2 });
      const [a1, a2] = await drive(r.clock, Promise.all([first, second]));
      expect(a1).toMatchObject({ amended: true, method: editOrder ? 'edit' : 'replace' });
      expect(a2).toMatchObject({ amended: true, method: editOrder ? 'edit' : 'replace', reason: null, original: o });
      expect(a2.order).toMatchObject({ status: 'open', price: p2, amount: amount * 2 });
      if (!editOrder) {
        expect(a2.order.replaces).toBe(a1.order.clientOrderId);
        expect(a1.order.status).toBe('canceled');
      }
      await r.clock.advance(2_000);
      const open = r.sim.getVenue().listOrders().filter((x) => x.status === 'open');
      expect(open.map((x) => [x.clientOrderId, x.price, x.amount])).toEqual([[a2.order.clientOrderId, p2, amount * 2]]);
    });
  }

  it('cancel-then-replace: the later amend is refused when the strategy cancelled the order meanwhile', async () => {
    const { r, symbol, amount, restingBuy } = await restingRig(make, false);
    const o = await place(r, symbol, amount, restingBuy);
    r.sim.setKnobs({ latency_ms: 100 });
    const first = r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.99)) });
    await r.clock.advance(50);
    const second = r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.98)) });
    const cancel = r.manager.cancel(o);
    const [a1, a2] = await drive(r.clock, Promise.all([first, second, cancel]));
    expect(a1.amended).toBe(false);
    expect(a2.amended).toBe(false);
    // No live order is left to point at.
    expect(a2.reason).not.toMatch(/amend that order/);
    await r.clock.advance(2_000);
    expect(r.sim.getVenue().listOrders().filter((x) => x.status === 'open')).toEqual([]);
  });

  it('cancel-then-replace: an amend of the original asked after the first settled is refused naming the live replacement', async () => {
    const { r, symbol, amount, restingBuy } = await restingRig(make, false);
    const o = await place(r, symbol, amount, restingBuy);
    const a1 = await drive(r.clock, r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.99)) }));
    const a2 = await drive(r.clock, r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.98)) }));
    expect(a2).toMatchObject({ amended: false, method: 'none' });
    expect(a2.reason).toBe(`order already canceled: an amend replaced it with ${a1.order.clientOrderId} (open); amend that order`);
  });
});
