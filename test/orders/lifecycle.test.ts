import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoppedError } from '../../src/core/errors.js';
import { OrderRefError } from '../../src/orders/order-ref.js';
import { VirtualClock } from '../../src/core/clock.js';
import { applyOrderUpdate } from '../../src/orders/order.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { drive, market, rig, trackedRigs, type Rig } from '../support/order-rig.js';

const { make, track, cleanup } = trackedRigs();
const dirs: string[] = [];
afterEach(async () => {
  await cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A journal file in a fresh directory removed after the test. */
function tempJournal(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return join(dir, 'journal.db');
}

async function sendAll(r: Rig, count: number, index = 0): Promise<void> {
  const { symbol, amount, restingBuy } = await market(r.sim, index);
  const ac = new AbortController();
  const run = r.manager.runExecutor(ac.signal);
  const orders = Array.from({ length: count }, () => r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]));
  await r.clock.advanceUntil(() => orders.every((o) => o.status !== 'pending'), 60_000, 50);
  ac.abort();
  await drive(r.clock, run);
}

describe('reconciliation', () => {
  it('adopts an open order the journal does not know after a restart, flags and notifies it', async () => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    const { symbol, amount, restingBuy } = await market(r.sim);
    // Placed by hand (another tool, or a journal that was lost).
    const foreign = await r.sim.createOrder(symbol, 'limit', 'buy', amount, restingBuy, { clientOrderId: 'by-hand-1' });
    await drive(r.clock, r.session.restart());
    const report = await drive(r.clock, r.manager.reconcile());
    expect(report.adopted).toBe(1);
    const adopted = r.manager.openOrders[symbol]?.[0];
    expect(adopted).toMatchObject({ id: foreign.id, clientOrderId: 'by-hand-1', adopted: true, status: 'open', amount });
    expect(r.events).toContainEqual({ name: 'adopted', clientOrderId: 'by-hand-1' });
    expect(r.notes.some((n) => n.text.includes(`adopted unknown open order ${foreign.id}`))).toBe(true);
    expect(r.journal.get('by-hand-1')?.adopted).toBe(true);
    // A second pass adopts nothing new.
    expect((await drive(r.clock, r.manager.reconcile())).adopted).toBe(0);
  });

  it('ignores unknown orders with unknown_orders: ignore, but still lists them in is_open_orders', async () => {
    const r = await make({ config: { unknownOrders: 'ignore' } });
    const { symbol, amount, restingBuy } = await market(r.sim);
    await r.sim.createOrder(symbol, 'limit', 'buy', amount, restingBuy, { clientOrderId: 'by-hand-2' });
    const report = await drive(r.clock, r.manager.start());
    expect(report).toMatchObject({ adopted: 0, ignored: 1 });
    expect(r.manager.openOrders).toEqual({});
    expect(r.manager.isOpenOrders[symbol]?.buys.map((o) => o.clientOrderId)).toEqual(['by-hand-2']);
    expect(r.journal.get('by-hand-2')).toBeNull();
  });

  it('after a crash, resumes from the journal alone: resolves the sent intent, sends the queued one, doubles nothing', async () => {
    const path = tempJournal('misso-crash-');
    const clock = new VirtualClock();
    const sim = createSimExchange({ seed: 7 }, { clock });
    const first = await rig({ clock, sim, journalPath: path });
    await drive(clock, first.manager.start());
    const { symbol, amount, restingBuy } = await market(sim);
    // The response of the first order is lost and the process dies before resolving it.
    sim.setKnobs({ visibility_delay_ms: 2_000, faults: [{ kind: 'timeout_after', methods: ['createOrder'], calls: [1, 1] }] });
    const ac = new AbortController();
    const run = first.manager.runExecutor(ac.signal);
    const sent = first.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await clock.advanceUntil(() => sent.attempts === 1 && sim.counters().faults.timeout_after === 1, 5_000, 10);
    ac.abort();
    const queued = first.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    // "kill -9": nothing is stopped cleanly, the journal file is simply left behind.
    first.journal.close();
    expect(queued.attempts).toBe(0);

    const second = await rig({ clock, sim, journalPath: path });
    track(second);
    await drive(clock, second.manager.start());
    const ac2 = new AbortController();
    const run2 = second.manager.runExecutor(ac2.signal);
    const all = () => second.manager.orders.filter((o) => [sent.clientOrderId, queued.clientOrderId].includes(o.clientOrderId));
    await clock.advanceUntil(() => all().length === 2 && all().every((o) => o.status === 'open'), 60_000, 100);
    await clock.advance(2_500);
    const onExchange = sim.getVenue().listOrders();
    expect(onExchange.map((o) => o.clientOrderId).sort()).toEqual([sent.clientOrderId, queued.clientOrderId].sort());
    expect(second.journal.get(sent.clientOrderId)?.attempts).toBe(1);
    ac2.abort();
    await drive(clock, Promise.all([run, run2]));
  });
});

describe('reconciliation of finished orders', () => {
  it('updates journal-open orders that finished on the exchange while the updater was down', async () => {
    const path = tempJournal('misso-down-');
    const clock = new VirtualClock();
    const sim = createSimExchange({ seed: 7 }, { clock });
    const first = await rig({ clock, sim, journalPath: path });
    await drive(clock, first.manager.start());
    await sendAll(first, 2);
    const [a, b] = Object.values(first.manager.openOrders).flat();
    first.journal.close();
    await sim.cancelOrder(a!.id!, a!.symbol);
    await clock.advance(10_000);
    const second = await rig({ clock, sim, journalPath: path });
    track(second);
    const report = await drive(clock, second.manager.start());
    expect(report).toMatchObject({ updated: 1, adopted: 0 });
    const [a2, b2] = second.manager.openOrders[a!.symbol] ?? [];
    expect([a2?.clientOrderId, a2?.status, b2?.clientOrderId, b2?.status]).toEqual([a!.clientOrderId, 'canceled', b!.clientOrderId, 'open']);
    expect(second.journal.get(a!.clientOrderId)?.status).toBe('canceled');
  });
});

describe('tracking', () => {
  it('without an open-orders refresh, polls every open order (the seed config has no t_get_open_orders)', async () => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    await sendAll(r, 2);
    const [a, b] = Object.values(r.manager.openOrders).flat();
    await r.sim.cancelOrder(a!.id!, a!.symbol);
    await r.clock.advance(5_000);
    expect(await r.manager.updateOpenOrders()).toEqual({ polled: 2, updated: 1 });
    expect([a!.status, b!.status]).toEqual(['canceled', 'open']);
  });

  it('polls only orders missing from is_open_orders, and drops processed ones', async () => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    await sendAll(r, 3);
    const [a, b, c] = Object.values(r.manager.openOrders).flat();
    await r.clock.advance(1_000);
    await r.manager.refreshIsOpenOrders();
    const before = r.sim.counters().calls['fetchOrder'] ?? 0;
    expect(await r.manager.updateOpenOrders()).toEqual({ polled: 0, updated: 0 });
    // Canceled by hand on the exchange: gone from the open list, so polled and updated.
    await r.sim.cancelOrder(b!.id!, b!.symbol);
    await r.clock.advance(1_000);
    await r.manager.refreshIsOpenOrders();
    expect(await r.manager.updateOpenOrders()).toEqual({ polled: 1, updated: 1 });
    expect((r.sim.counters().calls['fetchOrder'] ?? 0) - before).toBe(1);
    expect(b!.status).toBe('canceled');
    expect(r.manager.recentlyClosed).toContain(b);
    expect(r.manager.openOrders[a!.symbol]).toEqual([a, b, c]);
    r.manager.markProcessed(b!);
    await r.manager.updateOpenOrders();
    expect(r.manager.openOrders[a!.symbol]).toEqual([a, c]);
    expect(r.journal.get(b!.clientOrderId)?.processed).toBe(true);
    // As cancel and amend, it takes the order's client or exchange id too; anything naming no
    // order of ours is an OrderRefError, not a TypeError from inside ('o.toJSON is not a function').
    await r.sim.cancelOrder(c!.id!, c!.symbol);
    await r.clock.advance(1_000);
    await r.manager.refreshIsOpenOrders();
    await r.manager.updateOpenOrders();
    r.manager.markProcessed(c!.clientOrderId);
    await r.manager.updateOpenOrders();
    expect(r.manager.openOrders[a!.symbol]).toEqual([a]);
    for (const ref of ['nope', null, undefined, {}, Number.NaN]) {
      expect(() => r.manager.markProcessed(ref as never)).toThrow(OrderRefError);
    }
    expect(() => r.manager.markProcessed('nope')).toThrow('no order of ours with client or exchange id "nope"');
    expect(a!.processed).toBe(false);
  });

  it('marks an order lost after N not-found answers, notifies once and keeps polling it slowly', async () => {
    const r = await make({ config: { lostAfterNotFound: 3 } });
    const { symbol, amount, restingBuy } = await market(r.sim);
    // The journal says open with an id the exchange does not know (it purged or never kept it).
    const order = r.journal.createIntent({ tag: null, symbol, side: 'buy', type: 'limit', price: restingBuy, amount, params: {} });
    applyOrderUpdate(order, { id: '999999999', status: 'open' }, r.clock.now());
    r.journal.save(order, 'sent:open', 'pending');
    await r.clock.advance(5_000);
    const report = await drive(r.clock, r.manager.start());
    expect(report.notFound).toBe(1);
    for (let i = 0; i < 2; i++) await r.manager.updateOpenOrders();
    const tracked = r.manager.openOrders[symbol]?.[0];
    expect(tracked?.clientOrderId).toBe(order.clientOrderId);
    expect(tracked).toMatchObject({ lost: true, notFoundCount: 3, status: 'open' });
    expect(r.events.filter((e) => e.name === 'lost')).toHaveLength(1);
    expect(r.notes.filter((n) => n.text.includes('marked lost'))).toHaveLength(1);
    expect(r.manager.lost).toEqual([tracked]);
    expect(r.journal.get(order.clientOrderId)).toMatchObject({ lost: true, notFoundCount: 3 });
    const calls = () => r.sim.counters().calls['fetchOrder'] ?? 0;
    const before = calls();
    await r.manager.updateOpenOrders();
    expect(calls()).toBe(before);
    await r.clock.advance(5_000);
    await r.manager.updateOpenOrders();
    expect(calls()).toBe(before + 1);
  });
});

describe('stop', () => {
  it('cancel_all cancels every open order of ours and verifies it on the exchange', async () => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    await sendAll(r, 4);
    const { symbol, amount, restingBuy } = await market(r.sim, 1);
    const foreign = await r.sim.createOrder(symbol, 'limit', 'buy', amount, restingBuy, { clientOrderId: 'not-ours' });
    const report = await drive(r.clock, r.manager.stop({ onStop: 'cancel_all' }));
    expect(report.cancel).toMatchObject({ remaining: [], canceled: 4 });
    await r.clock.advance(3_000);
    const venue = r.sim.getVenue().listOrders();
    expect(venue.filter((o) => o.clientOrderId !== 'not-ours').map((o) => o.status)).toEqual(Array(4).fill('canceled'));
    expect(venue.find((o) => o.id === foreign.id)?.status).toBe('open');
    expect(Object.values(r.manager.openOrders).flat().every((o) => o.status === 'canceled')).toBe(true);
  });

  /** A resting buy sent by the executor, which then stops: what is pushed afterwards stays queued. */
  async function sentThenHeld(r: Rig) {
    const { symbol, amount, restingBuy } = await market(r.sim);
    const resting = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    const executor = new AbortController();
    const run = r.manager.runExecutor(executor.signal);
    await drive(r.clock, (async () => {
      while (resting.status !== 'open') await r.clock.sleep(50);
    })());
    executor.abort();
    await drive(r.clock, run);
    return { resting, queued: r.manager.queue.push([null, amount, restingBuy * 0.99, 'buy', symbol]) };
  }

  it('cancel_all cancels the never-sent queue too: nothing is left to go out at the next start', async () => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    const { resting, queued } = await sentThenHeld(r);
    const report = await drive(r.clock, r.manager.stop({ onStop: 'cancel_all' }));
    expect(report).toMatchObject({ onStop: 'cancel_all', queuedKept: 0, queuedCanceled: 1 });
    expect([resting.status, queued.status]).toEqual(['canceled', 'canceled']);
    expect(r.sim.getVenue().listOrders().map((o) => o.status)).toEqual(['canceled']);
    expect(r.journal.loadActive().find((o) => o.clientOrderId === queued.clientOrderId)).toBeUndefined();
  });

  it('cancel_all keeps the queue of a manager that never sent (a failed start): the intents recovered from the last run wait for the next', async () => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    const { symbol, amount, restingBuy } = await market(r.sim);
    const queued = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    const report = await drive(r.clock, r.manager.stop({ onStop: 'cancel_all' }));
    expect(report).toMatchObject({ onStop: 'cancel_all', queuedKept: 1, queuedCanceled: 0 });
    expect(r.journal.loadActive().find((o) => o.clientOrderId === queued.clientOrderId)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('cancel_all still cancels what rests on the exchange when a queued intent cannot be journaled cancelled', async () => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    const { resting, queued } = await sentThenHeld(r);
    const save = r.journal.save.bind(r.journal);
    r.journal.save = (...args: Parameters<typeof save>) => {
      if (args[1] === 'canceled:unsent') throw new Error('disk full (simulated)');
      return save(...args);
    };
    const report = await drive(r.clock, r.manager.stop({ onStop: 'cancel_all' }));
    expect(report).toMatchObject({ queuedKept: 1, queuedCanceled: 0, cancel: { remaining: [] } });
    expect(resting.status).toBe('canceled');
    expect(queued.status).toBe('pending');
    expect(r.notes.some((n) => n.text.includes(`queued order ${queued.clientOrderId} could not be cancelled (disk full (simulated))`))).toBe(true);
  });

  it('refuses new orders once its stop began, writing nothing', async () => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    const { symbol, amount, restingBuy } = await market(r.sim);
    const before = r.journal.sequence;
    const stopping = r.manager.stop({ onStop: 'leave' });
    expect(() => r.manager.queue.push([null, amount, restingBuy, 'buy', symbol])).toThrow(StoppedError);
    expect(() => r.manager.queue.push({ symbol, side: 'buy', amount, price: restingBuy })).toThrow(/no new orders are taken: the order manager stopped/);
    expect(r.journal.sequence).toBe(before);
    await drive(r.clock, stopping);
    expect(r.sim.getVenue().listOrders()).toEqual([]);
  });

  it('leave keeps resting orders and the never-sent queue in the journal', async () => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    await sendAll(r, 2);
    const { symbol, amount, restingBuy } = await market(r.sim);
    const kept = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    const report = await drive(r.clock, r.manager.stop({ onStop: 'leave' }));
    expect(report).toMatchObject({ onStop: 'leave', queuedKept: 1, cancel: null });
    await r.clock.advance(3_000);
    expect(r.sim.getVenue().listOrders().map((o) => o.status)).toEqual(['open', 'open']);
    expect(r.journal.loadActive().find((o) => o.clientOrderId === kept.clientOrderId)).toMatchObject({ status: 'pending', attempts: 0 });
  });
});
