import { afterEach, describe, expect, it } from 'vitest';
import type { CancelResult } from '../../src/orders/cancel.js';
import { drive, placeOpen as place, restingRig, trackedRigs, type Rig } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

// A strategy that cancels an order while its cancel-then-replace amend is on the way means "no
// order here": the cancel it was told succeeded must not be followed by a fresh replacement.
describe('a cancel during a cancel-then-replace amend', () => {
  it('orders.cancel of the original: no replacement is sent, the amend says why', async () => {
    const { r, symbol, amount, restingBuy } = await restingRig(make, false);
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
    const { r, symbol, amount, restingBuy } = await restingRig(make, false);
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
    const { r, symbol, amount, restingBuy } = await restingRig(make, false);
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

// Review 26 #3: once the original's cancel is confirmed the amend journals and sends its
// replacement; a cancel made from then until the amend settles must stop that replacement too.
describe('a cancel after the original of a cancel-then-replace amend is cancelled', () => {
  async function amendHeldAtReplacement(r: Rig, symbol: string, amount: number, restingBuy: number, executor: AbortController) {
    const o = await place(r, symbol, amount, restingBuy);
    // The executor stops, so the replacement stays queued, unsent, for as long as the test likes.
    executor.abort();
    const amend = r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.97)) });
    await r.clock.advanceUntil(() => r.journal.replacementOf(o.clientOrderId) !== null, 10_000, 10);
    const replacement = r.manager.orders.find((x) => x.replaces === o.clientOrderId)!;
    expect(o.status).toBe('canceled');
    expect(replacement).toMatchObject({ status: 'pending', attempts: 0 });
    return { o, amend, replacement };
  }

  it('orders.cancel of the original while the replacement is queued drops it unsent and says so', async () => {
    const { r, symbol, amount, restingBuy, executor } = await restingRig(make, false);
    const { o, amend, replacement } = await amendHeldAtReplacement(r, symbol, amount, restingBuy, executor);
    const c = await drive(r.clock, r.manager.cancel(o));
    expect(c).toMatchObject({ order: o, outcome: 'unsent', replacedBy: replacement.clientOrderId });
    expect(c.reason).toContain(replacement.clientOrderId);
    const a = await drive(r.clock, amend);
    expect(a).toMatchObject({ amended: false, method: 'replace' });
    expect(a.reason).toMatch(/cancel/);
    expect(replacement.status).toBe('canceled');
    expect(r.journal.get(replacement.clientOrderId)?.status).toBe('canceled');
    // Sending again sends nothing: the venue holds no open order and never saw the replacement.
    void r.manager.runExecutor(new AbortController().signal);
    await r.clock.advance(5_000);
    expect(r.sim.getVenue().listOrders().filter((x) => x.status === 'open')).toEqual([]);
    expect(r.sim.getVenue().listOrders().map((x) => x.clientOrderId)).not.toContain(replacement.clientOrderId);
  });

  it('orders.cancel of the original while the replacement is being sent cancels it on the exchange', async () => {
    const { r, symbol, amount, restingBuy } = await restingRig(make, false);
    const o = await place(r, symbol, amount, restingBuy);
    r.sim.setKnobs({ latency_ms: 400 });
    const amend = r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.97)) });
    await r.clock.advanceUntil(() => r.manager.orders.some((x) => x.replaces === o.clientOrderId && x.attempts > 0), 10_000, 10);
    const replacement = r.manager.orders.find((x) => x.replaces === o.clientOrderId)!;
    expect(replacement.status).toBe('pending');
    const [a, c] = await drive(r.clock, Promise.all([amend, r.manager.cancel(o)]));
    expect(c).toMatchObject({ order: o, outcome: 'canceled', replacedBy: replacement.clientOrderId });
    expect(a).toMatchObject({ amended: false, method: 'replace' });
    await r.clock.advance(5_000);
    expect(r.sim.getVenue().listOrders().filter((x) => x.status === 'open')).toEqual([]);
    expect(r.sim.getVenue().getOrder({ clientOrderId: replacement.clientOrderId })).toMatchObject({ status: 'canceled' });
    expect(replacement.status).toBe('canceled');
  });

  it('orders.cancelAll while the replacement is queued leaves nothing to send, and the amend says it was not done', async () => {
    const { r, symbol, amount, restingBuy, executor } = await restingRig(make, false);
    const { amend, replacement } = await amendHeldAtReplacement(r, symbol, amount, restingBuy, executor);
    const all = await drive(r.clock, r.manager.cancelAll({ symbol }));
    expect(all.map((c) => c.outcome)).toEqual(['unsent']);
    const a = await drive(r.clock, amend);
    expect(a).toMatchObject({ amended: false, method: 'replace' });
    expect(a.reason).toContain(replacement.clientOrderId);
    void r.manager.runExecutor(new AbortController().signal);
    await r.clock.advance(5_000);
    expect(r.sim.getVenue().listOrders().filter((x) => x.status === 'open')).toEqual([]);
  });
});

// Between the confirmation of the original's cancel and the replacement's journaling lie a few
// microtasks (the amend's await of its cancel). A cancel asked there must settle exactly as one
// asked a moment earlier (joining the amend's cancel of the original): `canceled`, no
// replacement, and the amend `amended: false`; it settled `final` ("order already canceled").
describe('a cancel in the microtask gap after the original of a cancel-then-replace amend is cancelled', () => {
  /** Asks `orders.cancel(o)` `ticks` microtasks after the original's cancel is applied. */
  async function cancelAfter(ticks: number) {
    const { r, symbol, amount, restingBuy } = await restingRig(make, false);
    const o = await place(r, symbol, amount, restingBuy);
    let cancel: Promise<CancelResult> | undefined;
    let replacementAtCancel: string | null = null;
    r.manager.on('order', (order, change) => {
      if (order !== o || order.status !== 'canceled' || change.from !== 'open' || cancel) return;
      cancel = (async () => {
        for (let i = 0; i < ticks; i++) await Promise.resolve();
        replacementAtCancel = r.journal.replacementOf(o.clientOrderId)?.clientOrderId ?? null;
        return r.manager.cancel(o);
      })();
    });
    const amend = r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.97)) });
    await r.clock.advanceUntil(() => cancel !== undefined, 10_000, 10);
    const [a, c] = await drive(r.clock, Promise.all([amend, cancel!]));
    await r.clock.advance(5_000);
    return { r, o, a, c, replacementAtCancel };
  }

  it('settles as the ordinary cancel that won over the amend, at every microtask until the replacement exists', async () => {
    let sawReplacement = false;
    let gapCases = 0;
    for (let ticks = 0; ticks < 40 && !sawReplacement; ticks++) {
      const { r, o, a, c, replacementAtCancel } = await cancelAfter(ticks);
      if (replacementAtCancel !== null) {
        // Past the gap: the cancel stops the queued replacement (the case above).
        sawReplacement = true;
        expect(c).toMatchObject({ order: o, replacedBy: replacementAtCancel });
        expect(['unsent', 'canceled']).toContain(c.outcome);
      } else {
        gapCases++;
        expect({ ticks, c }).toEqual({ ticks, c: { order: o, outcome: 'canceled', status: 'canceled', reason: null, replacedBy: null } });
        expect(a).toMatchObject({ order: o, original: o, amended: false, method: 'replace' });
        expect(a.reason).toMatch(/cancelled the order while it was being amended; no replacement was sent/);
        // The journal agrees: the amend ended (a restart does not resume it), its cancel is done,
        // and there is no replacement to send.
        expect(r.journal.actions.forOrder(o.clientOrderId).map((x) => [x.kind, x.status, x.replacementId])).toEqual([
          ['amend', 'failed', null],
          ['cancel', 'done', null],
        ]);
        expect(r.journal.replacementOf(o.clientOrderId)).toBeNull();
      }
      expect(a.amended).toBe(false);
      expect(r.sim.getVenue().listOrders().filter((x) => x.status === 'open')).toEqual([]);
      expect(r.notes.filter((n) => n.text.startsWith(`cancel of ${o.clientOrderId}`))).toEqual([]);
      await cleanup();
    }
    expect(sawReplacement).toBe(true);
    expect(gapCases).toBeGreaterThan(1);
  });
});
