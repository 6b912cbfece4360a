import { afterEach, describe, expect, it } from 'vitest';
import { drive, market, trackedRigs, type Rig } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

async function resting(): Promise<{ r: Rig; symbol: string; amount: number; restingBuy: number }> {
  const r = await make();
  const m = await market(r.sim);
  await drive(r.clock, r.manager.start());
  void r.manager.runExecutor(new AbortController().signal);
  r.sim.has['editOrder'] = false;
  return { r, ...m };
}

async function place(r: Rig, symbol: string, amount: number, price: number) {
  const order = r.manager.queue.push([null, amount, price, 'buy', symbol]);
  await r.clock.advanceUntil(() => order.status !== 'pending', 30_000, 50);
  expect(order.status).toBe('open');
  return order;
}

// A strategy that cancels an order while its cancel-then-replace amend is on the way means "no
// order here": the cancel it was told succeeded must not be followed by a fresh replacement.
describe('a cancel during a cancel-then-replace amend', () => {
  it('orders.cancel of the original: no replacement is sent, the amend says why', async () => {
    const { r, symbol, amount, restingBuy } = await resting();
    const o = await place(r, symbol, amount, restingBuy);
    r.sim.setKnobs({ latency_ms: 200 });
    const amend = r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.97)) });
    await r.clock.advance(50);
    const cancel = r.manager.cancel(o);
    // Journaled at once: a crash now must not make the next start send the replacement.
    expect(r.journal.actions.forOrder(o.clientOrderId).find((x) => x.kind === 'amend')).toMatchObject({ status: 'failed' });
    const [a, c] = await drive(r.clock, Promise.all([amend, cancel]));
    await r.clock.advance(5_000);
    expect(c.outcome).toBe('canceled');
    expect(a.amended).toBe(false);
    expect(a.reason).toMatch(/cancel/);
    expect(r.sim.getVenue().listOrders().filter((x) => x.status === 'open')).toEqual([]);
    expect(r.journal.all().filter((x) => x.replaces === o.clientOrderId)).toEqual([]);
  });

  it('orders.cancelAll during the amend leaves nothing open', async () => {
    const { r, symbol, amount, restingBuy } = await resting();
    const o = await place(r, symbol, amount, restingBuy);
    r.sim.setKnobs({ latency_ms: 200 });
    const amend = r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.97)) });
    await r.clock.advance(50);
    const all = r.manager.cancelAll({ symbol });
    await drive(r.clock, Promise.all([amend, all]));
    await r.clock.advance(5_000);
    expect(r.sim.getVenue().listOrders().filter((x) => x.status === 'open')).toEqual([]);
  });

  it('the seed-style queue cancel during the amend: no replacement either', async () => {
    const { r, symbol, amount, restingBuy } = await resting();
    const o = await place(r, symbol, amount, restingBuy);
    r.sim.setKnobs({ latency_ms: 200 });
    const amend = r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.97)) });
    await r.clock.advance(50);
    r.manager.queue.push(['cancel', o.clientOrderId]);
    await drive(r.clock, amend);
    await r.clock.advance(5_000);
    expect(r.sim.getVenue().listOrders().filter((x) => x.status === 'open')).toEqual([]);
  });
});
