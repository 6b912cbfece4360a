import { afterEach, describe, expect, it } from 'vitest';
import { AmendError } from '../../src/orders/amend.js';
import { drive, market, trackedRigs, type Rig } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

/** A resting buy that has filled in part (little liquidity per step), with its fills synced. */
async function partlyFilled(editOrder: boolean) {
  const r: Rig = await make({ knobs: { liquidity_per_step_usd: 200 } });
  const { symbol } = await market(r.sim);
  await drive(r.clock, r.manager.start());
  void r.manager.runExecutor(new AbortController().signal);
  r.sim.has['editOrder'] = editOrder;
  const px = r.sim.getVenue().ticker(symbol).last;
  const amount = Number(r.sim.amountToPrecision(symbol, 3000 / px));
  const o = r.manager.queue.push([null, amount, Number(r.sim.priceToPrecision(symbol, px * 0.9995)), 'buy', symbol]);
  await r.clock.advanceUntil(() => o.status !== 'pending', 30_000, 50);
  await r.clock.advanceUntil(() => (r.sim.getVenue().getOrder({ id: o.id! })?.filled ?? 0) > 0, 20_000_000, 10_000);
  await drive(r.clock, r.manager.updateOpenOrders());
  expect(o.status).toBe('open');
  expect(o.filled).toBeGreaterThan(0);
  return { r, o, symbol };
}

// `amount` is the new total. A total at or below what already filled cannot be an amend: Binance
// (and the sim) cancel the order on such a modify, and a cancel-then-replace would cancel it and
// send nothing. The strategy must hear that before anything is sent, not `amended: true`.
describe('an amend of a partly filled order to a total at or below its filled amount', () => {
  for (const editOrder of [true, false]) {
    it(`is refused before any request (${editOrder ? 'editOrder' : 'cancel-then-replace'}), the order stays open`, async () => {
      const { r, o, symbol } = await partlyFilled(editOrder);
      const below = Number(r.sim.amountToPrecision(symbol, o.filled / 2));
      await expect(r.manager.amend(o, { amount: below })).rejects.toThrow(AmendError);
      await expect(r.manager.amend(o, { amount: below })).rejects.toThrow(/at or below the \S+ already filled/);
      expect(() => r.manager.queue.push(['amend', o.clientOrderId, below, null])).toThrow(/element|filled/);
      await r.clock.advance(2_000);
      expect(r.sim.counters().calls['editOrder'] ?? 0).toBe(0);
      expect(r.sim.counters().calls['cancelOrder'] ?? 0).toBe(0);
      expect(r.sim.getVenue().getOrder({ id: o.id! })?.status).toBe('open');
    });
  }

  it('an edit the exchange answers by cancelling the order (misso had not seen the fills yet) is not reported as amended', async () => {
    const { r, o, symbol } = await partlyFilled(true);
    // The strategy's view lags the exchange: more filled since misso last looked.
    await r.clock.advanceUntil(() => (r.sim.getVenue().getOrder({ id: o.id! })?.filled ?? 0) > o.filled, 20_000_000, 10_000);
    const venueFilled = r.sim.getVenue().getOrder({ id: o.id! })!.filled;
    const between = Number(r.sim.amountToPrecision(symbol, (o.filled + venueFilled) / 2));
    expect(between).toBeGreaterThan(o.filled);
    expect(between).toBeLessThan(venueFilled);
    const res = await drive(r.clock, r.manager.amend(o, { amount: between }));
    expect(o.isFinal).toBe(true);
    expect(res.amended).toBe(false);
    expect(res.reason).toMatch(/canceled/);
  });
});
