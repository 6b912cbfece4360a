import { afterEach, describe, expect, it } from 'vitest';
import { AmendError } from '../../src/orders/amend.js';
import { drive, market, trackedRigs, type Rig } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

async function started(options: Parameters<typeof make>[0] = {}): Promise<{ r: Rig; symbol: string; amount: number; restingBuy: number; last: number }> {
  const r = await make(options);
  const m = await market(r.sim);
  await drive(r.clock, r.manager.start());
  void r.manager.runExecutor(new AbortController().signal);
  return { r, ...m };
}

async function place(r: Rig, symbol: string, amount: number, price: number) {
  const order = r.manager.queue.push([null, amount, price, 'buy', symbol]);
  await r.clock.advanceUntil(() => order.status !== 'pending', 30_000, 50);
  return order;
}

describe('orders.amend', () => {
  it('edits in place with editOrder where the exchange has it: same ids, new price and amount', async () => {
    const { r, symbol, amount, restingBuy } = await started();
    const o = await place(r, symbol, amount, restingBuy);
    const price = Number(r.sim.priceToPrecision(symbol, restingBuy * 0.97));
    const res = await drive(r.clock, r.manager.amend(o, { price, amount: amount * 2 }));
    expect(res).toMatchObject({ amended: true, method: 'edit', reason: null });
    expect(res.order).toBe(o);
    expect(o).toMatchObject({ price, amount: amount * 2, status: 'open' });
    expect(r.sim.getVenue().getOrder({ id: o.id! })).toMatchObject({ price, amount: amount * 2, clientOrderId: o.clientOrderId });
    expect(r.sim.counters().calls['editOrder']).toBe(1);
    expect(r.journal.get(o.clientOrderId)).toMatchObject({ price, amount: amount * 2 });
    expect(r.journal.actions.forOrder(o.clientOrderId)).toMatchObject([{ kind: 'amend', status: 'done', price, amount: amount * 2 }]);
  });

  it('resolves an edit whose answer was lost by looking at the order', async () => {
    const { r, symbol, amount, restingBuy } = await started();
    const o = await place(r, symbol, amount, restingBuy);
    r.sim.setKnobs({ faults: [{ kind: 'timeout_after', methods: ['editOrder'], calls: [1, 1] }] });
    const price = Number(r.sim.priceToPrecision(symbol, restingBuy * 0.95));
    const res = await drive(r.clock, r.manager.amend(o.clientOrderId, { price }));
    expect(res.amended).toBe(true);
    expect(r.sim.counters().calls['editOrder']).toBe(1);
    expect(o.price).toBe(price);
  });

  it('records an edit that landed before its answer was lost, even when the order was cancelled meanwhile', async () => {
    const { r, symbol, amount, restingBuy } = await started();
    const o = await place(r, symbol, amount, restingBuy);
    r.sim.setKnobs({ latency_ms: 100, faults: [{ kind: 'timeout_after', methods: ['editOrder'], calls: [1, 1] }] });
    const price = Number(r.sim.priceToPrecision(symbol, restingBuy * 0.95));
    const amend = r.manager.amend(o, { price });
    await r.clock.advanceUntil(() => r.sim.counters().faults.timeout_after === 1, 5_000, 10);
    // The edit is applied on the exchange; then the order is cancelled before the amend looks.
    await drive(r.clock, r.sim.cancelOrder(o.id!, symbol));
    const res = await drive(r.clock, amend);
    expect(res).toMatchObject({ amended: true, method: 'edit' });
    expect(o).toMatchObject({ status: 'canceled', price });
    expect(r.sim.getVenue().getOrder({ id: o.id! })).toMatchObject({ status: 'canceled', price });
    expect(r.sim.counters().calls['editOrder']).toBe(1);
  });

  it('amends a queued order before it is sent, without a request', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const o = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    const res = await r.manager.amend(o, { amount: amount * 3 });
    expect(res).toMatchObject({ amended: true, method: 'local' });
    expect(r.journal.get(o.clientOrderId)?.amount).toBe(amount * 3);
  });

  it('without editOrder: cancels, then sends a linked replacement only once the cancel is confirmed', async () => {
    const { r, symbol, amount, restingBuy } = await started();
    r.sim.has['editOrder'] = false;
    const o = await place(r, symbol, amount, restingBuy);
    const price = Number(r.sim.priceToPrecision(symbol, restingBuy * 0.97));
    const res = await drive(r.clock, r.manager.amend(o, { price }));
    expect(res).toMatchObject({ amended: true, method: 'replace' });
    expect(res.original).toBe(o);
    expect(o.status).toBe('canceled');
    expect(res.order.replaces).toBe(o.clientOrderId);
    expect(res.order.clientOrderId).not.toBe(o.clientOrderId);
    expect(res.order).toMatchObject({ status: 'open', price, amount });
    const onVenue = r.sim.getVenue().listOrders();
    expect(onVenue.map((x) => [x.clientOrderId, x.status])).toEqual([[o.clientOrderId, 'canceled'], [res.order.clientOrderId, 'open']]);
    // The replacement was journaled after the cancel was confirmed.
    const canceledAt = r.journal.events(o.clientOrderId).find((e) => e.toStatus === 'canceled')!.id;
    const queuedAt = r.journal.events(res.order.clientOrderId).find((e) => e.kind === 'queued')!.id;
    expect(queuedAt).toBeGreaterThan(canceledAt);
  });

  it('without editOrder: an original that filled meanwhile gets no replacement, and the strategy is told why', async () => {
    const { r, symbol, amount, last } = await started();
    r.sim.has['editOrder'] = false;
    // One buy just under and one sell just over the price; the cancels are slow, so whichever
    // side the price path crosses first fills before its cancel arrives.
    const buy = await place(r, symbol, amount, Number(r.sim.priceToPrecision(symbol, last * 0.999)));
    const sellOrder = r.manager.queue.push([null, amount, Number(r.sim.priceToPrecision(symbol, last * 1.001)), 'sell', symbol]);
    await r.clock.advanceUntil(() => sellOrder.status === 'open', 30_000, 50);
    r.sim.setKnobs({ latency_ms: 600_000 });
    const amends = [buy, sellOrder].map((o) => r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, o.price! * (o.side === 'buy' ? 0.99 : 1.01))) }));
    const results = await drive(r.clock, Promise.all(amends), 10_000, 6 * 3_600_000);
    const filled = results.filter((x) => x.original.status === 'closed');
    expect(filled.length).toBeGreaterThanOrEqual(1);
    for (const res of filled) {
      expect(res).toMatchObject({ amended: false, method: 'replace' });
      expect(res.reason).toMatch(/filled before the cancel reached it; no replacement was sent/);
      expect(r.journal.all().filter((x) => x.replaces === res.original.clientOrderId)).toHaveLength(0);
    }
    expect(r.notes.some((n) => n.text.includes('no replacement was sent'))).toBe(true);
  });

  it('refuses impossible changes and tells why a finished order is not amended', async () => {
    const { r, symbol, amount, restingBuy } = await started();
    const o = await place(r, symbol, amount, restingBuy);
    await expect(r.manager.amend(o, {})).rejects.toThrow(AmendError);
    await expect(r.manager.amend(o, { price: -1 })).rejects.toThrow(/price must be a number > 0/);
    await drive(r.clock, r.manager.cancel(o));
    expect(await r.manager.amend(o, { price: restingBuy })).toMatchObject({ amended: false, reason: 'order already canceled' });
  });
});
