import { afterEach, describe, expect, it } from 'vitest';
import { OrderRefError } from '../../src/orders/order-ref.js';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

// A JavaScript strategy holds refs as it got them: Binance's order ids are numbers in its JSON,
// and a missing variable is undefined. cancel/amend return promises: a bad ref is a rejection
// naming what was given, never a synchronous TypeError; a numeric exchange id finds the order.
describe('cancel and amend refs from a JavaScript strategy', () => {
  it('a numeric exchange id finds the order; null, undefined and {} reject with OrderRefError naming the ref', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const o = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await r.clock.advanceUntil(() => o.status !== 'pending', 30_000, 50);
    for (const ref of [null, undefined, {}, 12.5]) {
      let p: Promise<unknown> | undefined;
      expect(() => (p = r.manager.cancel(ref as never))).not.toThrow();
      await expect(p).rejects.toThrow(OrderRefError);
      expect(() => (p = r.manager.amend(ref as never, { price: restingBuy }))).not.toThrow();
      await expect(p).rejects.toThrow(OrderRefError);
    }
    await expect(r.manager.cancel({} as never)).rejects.toThrow(/\{\}/);
    // A computed id that went wrong is named as it is, not as JSON's null.
    await expect(r.manager.cancel(Number.NaN)).rejects.toThrow('no order of ours with client or exchange id NaN (give an Order, a client order id or an exchange id)');
    await expect(r.manager.cancel(Number.POSITIVE_INFINITY)).rejects.toThrow('exchange id Infinity (give');
    // Above 2^53 a number is no longer the exchange's id: say so, rather than name a rounded one.
    await expect(r.manager.cancel(8389765512345678901)).rejects.toThrow(/exchange id 8389765512345679000 \(a number above 2\^53 has lost the id's last digits: give the id as a string\)/);
    const amended = await drive(r.clock, r.manager.amend(Number(o.id) as never, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.99)) }));
    expect(amended.amended).toBe(true);
    const res = await drive(r.clock, r.manager.cancel(Number(o.id) as never));
    expect(res.outcome).toBe('canceled');
  });
});
