import { afterEach, describe, expect, it } from 'vitest';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

async function replaced() {
  const r = await make();
  const m = await market(r.sim);
  await drive(r.clock, r.manager.start());
  void r.manager.runExecutor(new AbortController().signal);
  r.sim.has['editOrder'] = false;
  const original = r.manager.queue.push([null, m.amount, m.restingBuy, 'buy', m.symbol]);
  await r.clock.advanceUntil(() => original.status !== 'pending', 10_000, 50);
  const res = await drive(r.clock, r.manager.amend(original, { price: Number(r.sim.priceToPrecision(m.symbol, m.restingBuy * 0.97)) }));
  expect(res).toMatchObject({ amended: true, method: 'replace' });
  return { r, original, replacement: res.order, ...m };
}

// After a cancel-then-replace amend, the original is canceled and its replacement is the live
// order. A strategy that still cancels the original (its own id for "that order") must be told
// in the result which order is live, since misso does not cancel the replacement for it.
describe('cancelling the original of a cancel-then-replace amend', () => {
  it('settles final and names the live replacement; the replacement is left open and a cancel of it works', async () => {
    const { r, original, replacement } = await replaced();
    expect(replacement.status).toBe('open');
    const c = await drive(r.clock, r.manager.cancel(original.clientOrderId));
    expect(c).toMatchObject({ outcome: 'final', status: 'canceled', replacedBy: replacement.clientOrderId });
    expect(c.reason).toContain(replacement.clientOrderId);
    expect(r.notes.some((n) => n.text.includes(original.clientOrderId) && n.text.includes(replacement.clientOrderId))).toBe(true);
    expect(replacement.status).toBe('open');
    const c2 = await drive(r.clock, r.manager.cancel(c.replacedBy!));
    expect(c2).toMatchObject({ outcome: 'canceled', replacedBy: null });
    expect(r.sim.getVenue().listOrders().filter((o) => o.status === 'open')).toEqual([]);
  });

  it('follows a chain of amends to the newest replacement', async () => {
    const { r, original, replacement, symbol, restingBuy } = await replaced();
    const again = await drive(r.clock, r.manager.amend(replacement, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.95)) }));
    expect(again).toMatchObject({ amended: true, method: 'replace' });
    const c = await drive(r.clock, r.manager.cancel(original));
    expect(c.replacedBy).toBe(again.order.clientOrderId);
  });

  it('a seed-style queue cancel of the original is notified with the replacement to cancel', async () => {
    const { r, original, replacement } = await replaced();
    r.manager.queue.push(['cancel', original.clientOrderId]);
    await r.clock.advance(1_000);
    expect(r.notes.some((n) => n.text.includes(`cancel of ${original.clientOrderId}`) && n.text.includes(replacement.clientOrderId))).toBe(true);
    expect(replacement.status).toBe('open');
  });

  it('a cancel of a plain finished order names no replacement', async () => {
    const { r, replacement } = await replaced();
    await drive(r.clock, r.manager.cancel(replacement));
    const c = await drive(r.clock, r.manager.cancel(replacement));
    expect(c).toMatchObject({ outcome: 'final', replacedBy: null });
  });
});
