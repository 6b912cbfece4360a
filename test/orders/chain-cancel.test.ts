import { afterEach, describe, expect, it } from 'vitest';
import { drive, placeOpen as place, restingRig, trackedRigs, type Rig } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

// Review 26 (diff) #1 and #4: the strategy cancels the original while the SECOND of two
// back-to-back cancel-then-replace amends is under way (the first settled with replacement R, the
// second is replacing R with R2). The cancel followed the first amend's record only, found R
// finished, settled `final`, and R2 was sent and left resting.

/** Two amends of one order by cancel-then-replace, stopped with R2 queued (the executor held). */
async function chained() {
  const { r, symbol, amount, restingBuy, executor: exec } = await restingRig(make, false);
  const o = await place(r, symbol, amount, restingBuy);
  r.sim.setKnobs({ latency_ms: 100 });
  const first = r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.99)) });
  await r.clock.advance(50);
  const second = r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.98)) });
  await r.clock.advanceUntil(() => r.manager.orders.some((x) => x.replaces === o.clientOrderId && x.status === 'open'), 20_000, 10);
  const R = r.manager.orders.find((x) => x.replaces === o.clientOrderId)!;
  exec.abort();
  await r.clock.advanceUntil(() => r.journal.replacementOf(R.clientOrderId) !== null, 20_000, 10);
  const R2 = r.manager.orders.find((x) => x.replaces === R.clientOrderId)!;
  return { r, symbol, o, R2, amends: Promise.all([first, second]) };
}

/** Lets the executor run again and checks the amends and that nothing rests on the venue. */
async function settlesWithNothingOpen(r: Rig, amends: Promise<{ amended: boolean }[]>): Promise<void> {
  void r.manager.runExecutor(new AbortController().signal);
  const [a1, a2] = await drive(r.clock, amends);
  expect([a1?.amended, a2?.amended]).toEqual([true, false]);
  await r.clock.advance(5_000);
  expect(r.sim.getVenue().listOrders().filter((x) => x.status === 'open')).toEqual([]);
}

describe('a cancel during a chained (back-to-back) replace amend', () => {
  it('orders.cancel of the original follows the chain: R2 is dropped unsent and named, nothing is left open', async () => {
    const { r, o, R2, amends } = await chained();
    const c = await drive(r.clock, r.manager.cancel(o));
    expect([c.outcome, c.replacedBy]).toEqual(['unsent', R2.clientOrderId]);
    await settlesWithNothingOpen(r, amends);
  });

  it('cancelAll in the same window leaves nothing open either', async () => {
    const { r, symbol, amends } = await chained();
    await drive(r.clock, r.manager.cancelAll({ symbol }));
    await settlesWithNothingOpen(r, amends);
  });
});

describe("two cancels of the original, asked together, while the replace amend's replacement is queued", () => {
  it('share one outcome, and the operator is not told to cancel a replacement never sent', async () => {
    const { r, symbol, amount, restingBuy, executor } = await restingRig(make, false);
    const o = await place(r, symbol, amount, restingBuy);
    executor.abort();
    const amend = r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.97)) });
    await r.clock.advanceUntil(() => r.journal.replacementOf(o.clientOrderId) !== null, 10_000, 10);
    const notesBefore = r.notes.length;
    const [c1, c2] = await drive(r.clock, Promise.all([r.manager.cancel(o), r.manager.cancel(o)]));
    expect([c1.outcome, c2.outcome]).toEqual(['unsent', 'unsent']);
    expect(r.notes.slice(notesBefore).join('\n')).not.toMatch(/cancel that order/);
    await drive(r.clock, amend);
  });
});
