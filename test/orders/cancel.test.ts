import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { IntentError } from '../../src/orders/intent.js';
import { OrderRefError } from '../../src/orders/order-ref.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { drive, market, rig, trackedRigs, type Rig } from '../support/order-rig.js';

const { make, track, cleanup } = trackedRigs();
const dirs: string[] = [];
afterEach(async () => {
  await cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A started rig with its executor running and one resting buy placed and open. */
async function withOpenOrder(options: Parameters<typeof make>[0] = {}): Promise<{ r: Rig; symbol: string; amount: number; restingBuy: number; stop: () => void }> {
  const r = await make(options);
  const m = await market(r.sim);
  await drive(r.clock, r.manager.start());
  const ac = new AbortController();
  void r.manager.runExecutor(ac.signal);
  return { r, ...m, stop: () => ac.abort() };
}

async function place(r: Rig, symbol: string, amount: number, price: number) {
  const order = r.manager.queue.push([null, amount, price, 'buy', symbol]);
  await r.clock.advanceUntil(() => order.status !== 'pending', 30_000, 50);
  return order;
}

const cancelCalls = (r: Rig): number => r.sim.counters().calls['cancelOrder'] ?? 0;

describe('orders.cancel', () => {
  it('cancels an open order by Order, client id or exchange id, journaling the action first', async () => {
    const { r, symbol, amount, restingBuy } = await withOpenOrder();
    const a = await place(r, symbol, amount, restingBuy);
    const b = await place(r, symbol, amount, restingBuy);
    const c = await place(r, symbol, amount, restingBuy);
    const results = await drive(r.clock, Promise.all([r.manager.cancel(a), r.manager.cancel(b.clientOrderId), r.manager.cancel(c.id!)]));
    expect(results.map((x) => [x.outcome, x.status])).toEqual([['canceled', 'canceled'], ['canceled', 'canceled'], ['canceled', 'canceled']]);
    expect(r.sim.getVenue().listOrders().map((o) => o.status)).toEqual(['canceled', 'canceled', 'canceled']);
    expect(r.journal.actions.forOrder(a.clientOrderId)).toMatchObject([{ kind: 'cancel', status: 'done', attempts: 1 }]);
    expect(cancelCalls(r)).toBe(3);
    await expect(r.manager.cancel('no-such-order')).rejects.toThrow(OrderRefError);
  });

  it('makes one exchange cancel for two cancels of one order, and settles a finished order at once', async () => {
    const { r, symbol, amount, restingBuy } = await withOpenOrder({ knobs: { latency_ms: 200 } });
    const o = await place(r, symbol, amount, restingBuy);
    const first = r.manager.cancel(o);
    const second = r.manager.cancel(o.clientOrderId);
    expect(second).toBe(first);
    await drive(r.clock, first);
    expect(cancelCalls(r)).toBe(1);
    const again = await r.manager.cancel(o);
    expect(again).toMatchObject({ outcome: 'final', status: 'canceled' });
    expect(cancelCalls(r)).toBe(1);
  });

  it('drops a queued, never-sent order without touching the exchange', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const o = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    const res = await r.manager.cancel(o);
    expect(res).toMatchObject({ outcome: 'unsent', status: 'canceled' });
    expect(r.manager.queue.size).toBe(0);
    expect(r.sim.counters().calls['createOrder'] ?? 0).toBe(0);
    expect(cancelCalls(r)).toBe(0);
    expect(r.journal.get(o.clientOrderId)?.status).toBe('canceled');
  });

  it('two cancels of a queued order at once share one outcome, as they share one request on an open order (review 26 #5)', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const o = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    const [a, b] = await Promise.all([r.manager.cancel(o), r.manager.cancel(o.clientOrderId)]);
    expect(a).toMatchObject({ outcome: 'unsent', status: 'canceled', reason: 'canceled before it was sent' });
    expect(b).toEqual(a);
    expect(r.journal.events(o.clientOrderId).filter((e) => e.toStatus === 'canceled')).toHaveLength(1);
    expect(r.sim.counters().calls['createOrder'] ?? 0).toBe(0);
    // Asked once the first has settled, a cancel finds the order finished, as for any order.
    expect(await r.manager.cancel(o)).toMatchObject({ outcome: 'final' });
  });

  it('waits for an unresolved placement, then cancels the order it turned out to be', async () => {
    const { r, symbol, amount, restingBuy } = await withOpenOrder({
      knobs: { visibility_delay_ms: 2_000, faults: [{ kind: 'timeout_after', methods: ['createOrder'], calls: [1, 1] }] },
    });
    const o = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await r.clock.advanceUntil(() => o.attempts === 1 && r.sim.counters().faults.timeout_after === 1, 5_000, 10);
    const res = await drive(r.clock, r.manager.cancel(o));
    expect(res.outcome).toBe('canceled');
    expect(r.sim.getVenue().listOrders().map((x) => [x.clientOrderId, x.status])).toEqual([[o.clientOrderId, 'canceled']]);
    expect(r.sim.counters().calls['createOrder']).toBe(1);
    expect(cancelCalls(r)).toBe(1);
  });

  it('drops an unresolved placement that proves absent instead of sending it again', async () => {
    const { r, symbol, amount, restingBuy } = await withOpenOrder({
      knobs: { faults: [{ kind: 'timeout_before', methods: ['createOrder'], calls: [1, 1] }] },
    });
    const o = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await r.clock.advanceUntil(() => o.attempts === 1 && r.sim.counters().faults.timeout_before === 1, 5_000, 10);
    const res = await drive(r.clock, r.manager.cancel(o));
    expect(res).toMatchObject({ status: 'canceled' });
    expect(r.sim.getVenue().listOrders()).toHaveLength(0);
    expect(r.sim.counters().calls['createOrder']).toBe(1);
    expect(cancelCalls(r)).toBe(0);
  });

  it('resolves a cancel whose answer was lost by fetching the order, never by cancelling again', async () => {
    const { r, symbol, amount, restingBuy } = await withOpenOrder();
    const o = await place(r, symbol, amount, restingBuy);
    r.sim.setKnobs({ faults: [{ kind: 'timeout_after', methods: ['cancelOrder'], calls: [1, 1] }] });
    const res = await drive(r.clock, r.manager.cancel(o));
    expect(res.outcome).toBe('canceled');
    expect(cancelCalls(r)).toBe(1);
    expect(r.journal.events(o.clientOrderId).some((e) => e.kind === 'cancel:look:canceled')).toBe(true);
  });

  it('tries again after a cancel that never reached the exchange (looked first)', async () => {
    const { r, symbol, amount, restingBuy } = await withOpenOrder();
    const o = await place(r, symbol, amount, restingBuy);
    r.sim.setKnobs({ faults: [{ kind: 'timeout_before', methods: ['cancelOrder'], calls: [1, 1] }] });
    const res = await drive(r.clock, r.manager.cancel(o));
    expect(res.outcome).toBe('canceled');
    expect(cancelCalls(r)).toBe(2);
    expect(r.journal.actions.forOrder(o.clientOrderId)).toMatchObject([{ status: 'done', attempts: 2 }]);
  });

  it('after a crash mid-cancel, the next start resolves the journaled cancel by looking', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'misso-cancel-'));
    dirs.push(dir);
    const path = join(dir, 'journal.db');
    const clock = new VirtualClock();
    const sim = createSimExchange({ seed: 7 }, { clock });
    const first = await rig({ clock, sim, journalPath: path });
    const { symbol, amount, restingBuy } = await market(sim);
    await drive(clock, first.manager.start());
    const ac = new AbortController();
    void first.manager.runExecutor(ac.signal);
    const o = await place(first, symbol, amount, restingBuy);
    ac.abort();
    sim.setKnobs({ latency_ms: 500, faults: [{ kind: 'timeout_after', methods: ['cancelOrder'], calls: [1, 1] }] });
    void first.manager.cancel(o);
    await clock.advanceUntil(() => sim.counters().faults.timeout_after === 1, 5_000, 10);
    // kill -9: the journal is left as it is.
    first.journal.close();
    sim.setKnobs({ latency_ms: 0, faults: [] });
    const second = track(await rig({ clock, sim, journalPath: path }));
    await drive(clock, second.manager.start());
    await drive(clock, second.manager.settled());
    expect(second.journal.get(o.clientOrderId)?.status).toBe('canceled');
    expect(second.journal.actions.forOrder(o.clientOrderId)).toMatchObject([{ status: 'done' }]);
    expect(sim.counters().calls['cancelOrder']).toBe(1);
  });

  it('cancelAll cancels by symbol and side, queued orders included', async () => {
    const { r, symbol, amount, restingBuy } = await withOpenOrder();
    const other = await market(r.sim, 1);
    const a = await place(r, symbol, amount, restingBuy);
    const b = await place(r, other.symbol, other.amount, other.restingBuy);
    const res = await drive(r.clock, r.manager.cancelAll({ symbol, side: 'buy' }));
    expect(res.map((x) => x.order.clientOrderId)).toEqual([a.clientOrderId]);
    expect(b.status).toBe('open');
    const all = await drive(r.clock, r.manager.cancelAll());
    expect(all.map((x) => x.outcome)).toEqual(['canceled']);
    expect(r.sim.getVenue().listOrders({ status: 'open' })).toHaveLength(0);
  });
});

describe('pending_orders cancel and amend entries', () => {
  it("queues ['cancel', clientOrderId] and ['amend', clientOrderId, size, price]", async () => {
    const { r, symbol, amount, restingBuy } = await withOpenOrder();
    const a = await place(r, symbol, amount, restingBuy);
    const b = await place(r, symbol, amount, restingBuy);
    const lower = Number(r.sim.priceToPrecision(symbol, restingBuy * 0.95));
    expect(r.manager.queue.push(['cancel', a.clientOrderId])).toBe(a);
    expect(r.manager.queue.push(['amend', b.clientOrderId, null, lower])).toBe(b);
    await drive(r.clock, r.manager.settled());
    expect(a.status).toBe('canceled');
    expect(r.sim.getVenue().getOrder({ clientOrderId: b.clientOrderId }).price).toBe(lower);
    expect(b.price).toBe(lower);
    // Queued again unchanged (a strategy re-asserting its target every cycle): a no-op, not an error.
    const calls = r.sim.counters().totalCalls;
    expect(r.manager.queue.push(['amend', b.clientOrderId, null, lower])).toBe(b);
    await drive(r.clock, r.manager.settled());
    expect(r.sim.counters().totalCalls).toBe(calls);
  });

  it.each([
    [['cancel'], /the form is \['cancel', clientOrderId\], got 1 element/],
    [['cancel', 5], /element 1 \(clientOrderId\) must be a non-empty string/],
    [['cancel', 'nobody'], /element 1 names no order of ours/],
    [['amend', 'x', -1, 5], /element 2 \(size\) must be a number > 0 or null/],
    [['amend', 'x', 1, 'high'], /element 3 \(price\) must be a number > 0 or null/],
    [['amend', 'x', null, null], /give at least one/],
  ])('refuses %j with an IntentError naming the element', async (entry, message) => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    expect(() => r.manager.queue.push(entry)).toThrow(IntentError);
    expect(() => r.manager.queue.push(entry)).toThrow(message);
  });
});
