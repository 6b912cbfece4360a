import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { AmendError } from '../../src/orders/amend.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { drive, market, rig, trackedRigs, type Rig } from '../support/order-rig.js';

const { make, track, cleanup } = trackedRigs();
const dirs: string[] = [];
afterEach(async () => {
  await cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Makes a journal file as misso wrote it with schema 5: order_actions without method and amend_id. */
function asSchema5(path: string): void {
  const db = new Database(path);
  db.exec('ALTER TABLE order_actions DROP COLUMN method; ALTER TABLE order_actions DROP COLUMN amend_id;');
  db.pragma('user_version = 5');
  db.close();
}

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
    // A change that rounds to what the order holds is refused before anything is journaled or sent.
    const callsBefore = r.sim.counters().totalCalls;
    const actionsBefore = r.journal.all().length;
    await expect(r.manager.amend(o, { price: o.price! })).rejects.toThrow(`amend of ${o.clientOrderId} changes nothing`);
    await expect(r.manager.amend(o, { price: o.price! * (1 + 1e-12), amount: o.amount })).rejects.toThrow(/changes nothing: its price is .* and its amount .* already \(after rounding\)/);
    expect(r.sim.counters().totalCalls).toBe(callsBefore);
    expect(r.journal.all()).toHaveLength(actionsBefore);
    await drive(r.clock, r.manager.cancel(o));
    expect(await r.manager.amend(o, { price: restingBuy })).toMatchObject({ amended: false, reason: 'order already canceled' });
  });

  it('a finished order settles amended false, order already <status>, before its changes are checked against what filled or its market (review 25-B F4)', async () => {
    const { r, symbol, amount, last } = await started();
    const filled = r.manager.queue.push({ symbol, side: 'sell', amount, type: 'market' });
    await r.clock.advanceUntil(() => filled.status === 'closed', 30_000, 50);
    const rejected = r.manager.queue.push({ symbol: 'NOPE/USD:USD', side: 'buy', amount, price: 100 });
    expect(rejected.status).toBe('rejected');
    const refusals: string[] = [];
    r.manager.on('order', (o, change) => {
      if (change.kind === 'amend:refused') refusals.push(`${o.clientOrderId} ${change.reason ?? ''}`);
    });
    // At or below what filled (was: "cancel the order to stop it"), and a symbol the exchange does not list (was: "unknown symbol").
    expect(await r.manager.amend(filled, { amount: amount / 2 })).toMatchObject({ amended: false, method: 'none', reason: 'order already closed' });
    expect(await r.manager.amend(rejected, { price: Number(r.sim.priceToPrecision(symbol, last * 0.9)) })).toMatchObject({ amended: false, reason: 'order already rejected' });
    expect(refusals).toEqual([`${filled.clientOrderId} order already closed`, `${rejected.clientOrderId} order already rejected`]);
    // A change that can never work is still refused as such.
    await expect(r.manager.amend(filled, { amount: -1 })).rejects.toThrow(/amount must be a number > 0/);
  });

  it('refuses changes that are not an object of price and amount with an AmendError naming what is wrong', async () => {
    const { r, symbol, amount, restingBuy } = await started();
    const o = await place(r, symbol, amount, restingBuy);
    const callsBefore = r.sim.counters().totalCalls;
    const actionsBefore = r.journal.all().length;
    for (const bad of [null, undefined, 42, 'price', [restingBuy]]) {
      const refusal = r.manager.amend(o, bad as never);
      await expect(refusal).rejects.toThrow(AmendError);
      await expect(refusal).rejects.toThrow(/amend changes must be an object \{price\?, amount\?\}, got /);
    }
    // A misspelt key is named, also beside a valid change (which would otherwise be made alone).
    await expect(r.manager.amend(o, { pirce: restingBuy } as never)).rejects.toThrow(/unknown key\(s\) in the amend changes: pirce/);
    await expect(r.manager.amend(o, { price: restingBuy * 0.99, amuont: amount * 2 } as never)).rejects.toThrow(/unknown key\(s\) in the amend changes: amuont/);
    expect(r.sim.counters().totalCalls).toBe(callsBefore);
    expect(r.journal.all()).toHaveLength(actionsBefore);
  });
});

describe('orders.amend across a crash', () => {
  /** A rig on a journal file with one resting buy open; `crash()` is kill -9 (the journal stays as it is). */
  async function beforeCrash(editOrder: boolean) {
    const dir = mkdtempSync(join(tmpdir(), 'misso-amend-'));
    dirs.push(dir);
    const path = join(dir, 'journal.db');
    const clock = new VirtualClock();
    const sim = createSimExchange({ seed: 7 }, { clock });
    sim.has['editOrder'] = editOrder;
    const first = await rig({ clock, sim, journalPath: path });
    const m = await market(sim);
    await drive(clock, first.manager.start());
    const executor = new AbortController();
    void first.manager.runExecutor(executor.signal);
    const order = await place(first, m.symbol, m.amount, m.restingBuy);
    const price = Number(sim.priceToPrecision(m.symbol, m.restingBuy * 0.97));
    const crash = (): void => {
      first.journal.close();
      void first.manager.stop({ onStop: 'leave' });
    };
    /**
     * The next start on the same journal and exchange, run until nothing is left to do.
     * `schema5`: the journal is first made as misso with schema 5 wrote it (no method, no amend_id).
     */
    const restart = async (then: { editOrder?: boolean; schema5?: boolean } = {}): Promise<Rig> => {
      if (then.schema5) asSchema5(path);
      sim.setKnobs({ latency_ms: 0, faults: [] });
      // An upgrade between the two runs can change what the exchange's class does.
      if (then.editOrder !== undefined) sim.has['editOrder'] = then.editOrder;
      const second = track(await rig({ clock, sim, journalPath: path }));
      await drive(clock, second.manager.start());
      void second.manager.runExecutor(new AbortController().signal);
      await drive(clock, second.manager.settled());
      return second;
    };
    return { clock, sim, first, order, price, crash, restart, executor, path, ...m };
  }

  it('an edit sent (journaled with its action in one commit) whose answer the crash lost is resolved by looking, not sent again', async () => {
    const { clock, sim, first, order, price, crash, restart } = await beforeCrash(true);
    sim.setKnobs({ latency_ms: 500, faults: [{ kind: 'timeout_after', methods: ['editOrder'], calls: [1, 1] }] });
    void first.manager.amend(order, { price });
    // The edit reached the exchange; its answer is on the way when the process dies.
    await clock.advanceUntil(() => sim.counters().faults.timeout_after === 1, 5_000, 10);
    // The action went to the journal as sent with its first request: there is no moment at
    // which the edit is on its way and the journal does not know it.
    expect(first.journal.actions.forOrder(order.clientOrderId)).toMatchObject([{ kind: 'amend', status: 'sent', attempts: 1, price }]);
    crash();
    const second = await restart();
    expect(second.journal.actions.forOrder(order.clientOrderId)).toMatchObject([{ kind: 'amend', status: 'done', attempts: 1 }]);
    expect(second.journal.get(order.clientOrderId)).toMatchObject({ price, status: 'open' });
    expect(sim.getVenue().getOrder({ clientOrderId: order.clientOrderId })).toMatchObject({ price, status: 'open' });
    expect(sim.counters().calls['editOrder']).toBe(1);
  });

  /** A cancel-then-replace killed with its cancel of the original sent, the answer lost. */
  async function killedMidCancel() {
    const rig = await beforeCrash(false);
    rig.sim.setKnobs({ latency_ms: 500, faults: [{ kind: 'timeout_after', methods: ['cancelOrder'], calls: [1, 1] }] });
    void rig.first.manager.amend(rig.order, { price: rig.price });
    await rig.clock.advanceUntil(() => rig.sim.counters().faults.timeout_after === 1, 5_000, 10);
    rig.crash();
    return rig;
  }

  it('cancel-then-replace killed while its cancel is in flight: the next start confirms the cancel and sends one replacement', async () => {
    const { sim, order, price, restart } = await killedMidCancel();
    const second = await restart();
    const replacement = second.journal.all().find((o) => o.replaces === order.clientOrderId);
    expect(replacement).toMatchObject({ status: 'open', price });
    expect(sim.getVenue().listOrders().map((o) => [o.clientOrderId, o.status])).toEqual([
      [order.clientOrderId, 'canceled'],
      [replacement!.clientOrderId, 'open'],
    ]);
    expect(second.journal.actions.forOrder(order.clientOrderId).map((a) => [a.kind, a.status, a.replacementId])).toEqual([
      ['amend', 'done', replacement!.clientOrderId],
      ['cancel', 'done', null],
    ]);
    expect(sim.counters().calls['cancelOrder']).toBe(1);
  });

  it('cancel-then-replace killed while the replacement is being sent: the next start finds it by client id, never a second one', async () => {
    const { clock, sim, first, order, price, crash, restart } = await beforeCrash(false);
    // The replacement is the next createOrder, and its answer is lost.
    sim.setKnobs({ latency_ms: 500, faults: [{ kind: 'timeout_after', methods: ['createOrder'], calls: [1, 1] }] });
    void first.manager.amend(order, { price });
    await clock.advanceUntil(() => sim.counters().faults.timeout_after === 1, 5_000, 10);
    // The replacement and the action's link to it were stored together before it was sent.
    const sent = first.journal.all().find((o) => o.replaces === order.clientOrderId);
    expect(sent).toMatchObject({ status: 'pending', attempts: 1 });
    expect(first.journal.actions.forOrder(order.clientOrderId)[0]).toMatchObject({ kind: 'amend', status: 'pending', replacementId: sent!.clientOrderId });
    crash();
    const second = await restart();
    expect(second.journal.get(sent!.clientOrderId)).toMatchObject({ status: 'open', price, attempts: 1 });
    expect(sim.getVenue().listOrders().map((o) => [o.clientOrderId, o.status])).toEqual([
      [order.clientOrderId, 'canceled'],
      [sent!.clientOrderId, 'open'],
    ]);
    expect(second.journal.actions.forOrder(order.clientOrderId)[0]).toMatchObject({ kind: 'amend', status: 'done' });
    expect(sim.counters().calls['createOrder']).toBe(2);
  });

  // Review 26 #4: a restart whose exchange class now has editOrder resumed the amend as an edit
  // of the original misso itself was cancelling, and ran the amend's cancel as a strategy's.
  for (const [fault, what] of [
    ['timeout_after', 'the cancel applied, its answer lost'],
    ['timeout_before', 'the cancel never reached the exchange'],
  ] as const) {
    it(`cancel-then-replace killed mid-cancel (${what}), restarted where the exchange edits in place: resumed as a replace, one replacement`, async () => {
      const { clock, sim, first, order, price, crash, restart } = await beforeCrash(false);
      sim.setKnobs({ latency_ms: 500, faults: [{ kind: fault, methods: ['cancelOrder'], calls: [1, 1] }] });
      void first.manager.amend(order, { price });
      await clock.advanceUntil(() => sim.counters().faults[fault] === 1, 5_000, 10);
      const [amend, cancel] = first.journal.actions.forOrder(order.clientOrderId);
      // The journal says how the amend goes and that the cancel is the amend's own.
      expect(amend).toMatchObject({ kind: 'amend', method: 'replace' });
      expect(cancel).toMatchObject({ kind: 'cancel', amendId: amend!.id });
      crash();
      const second = await restart({ editOrder: true });
      const replacement = second.journal.all().find((o) => o.replaces === order.clientOrderId);
      expect(replacement).toMatchObject({ status: 'open', price });
      expect(sim.getVenue().listOrders().map((o) => [o.clientOrderId, o.status, o.price])).toEqual([
        [order.clientOrderId, 'canceled', order.price],
        [replacement!.clientOrderId, 'open', price],
      ]);
      expect(second.journal.actions.forOrder(order.clientOrderId).map((a) => [a.kind, a.status, a.replacementId])).toEqual([
        ['amend', 'done', replacement!.clientOrderId],
        ['cancel', 'done', null],
      ]);
      expect(sim.counters().calls['editOrder'] ?? 0).toBe(0);
    });
  }
  /** One replacement at the exchange and in the journal, linked from the amend that made it. */
  function expectOneReplacement(second: Rig, sim: ReturnType<typeof createSimExchange>, order: { clientOrderId: string; price: number | null }, price: number, linked = true) {
    const replacements = second.journal.all().filter((o) => o.replaces === order.clientOrderId);
    expect(replacements).toHaveLength(1);
    const replacement = replacements[0]!;
    expect(replacement).toMatchObject({ status: 'open', price });
    expect(sim.getVenue().listOrders().map((o) => [o.clientOrderId, o.status, o.price])).toEqual([
      [order.clientOrderId, 'canceled', order.price],
      [replacement.clientOrderId, 'open', price],
    ]);
    expect(sim.counters().calls['createOrder']).toBe(2);
    const [amend, cancel, ...more] = second.journal.actions.forOrder(order.clientOrderId);
    expect(more).toEqual([]);
    // A schema-5 journal's amend gets both links when it is upgraded (schema 7) where its
    // replacement was journaled; one whose journal cannot tell keeps none, resumed by capability.
    expect(amend).toMatchObject({ kind: 'amend', status: 'done', replacementId: replacement.clientOrderId, method: linked ? 'replace' : null });
    expect(cancel).toMatchObject({ kind: 'cancel', status: 'done', amendId: linked ? amend!.id : null });
    expect(second.notes.filter((n) => n.text.startsWith(`cancel of ${order.clientOrderId}`))).toEqual([]);
    return replacement;
  }

  for (const schema5 of [false, true]) {
    const journal = schema5 ? 'a schema-5 journal (no method, no amend_id)' : 'the journal';
    it(`cancel-then-replace killed between its cancel's confirmation and the replacement's journaling: ${journal} resumes it, one replacement`, async () => {
      const { clock, sim, first, order, price, crash, restart, path } = await beforeCrash(false);
      let crashed = false;
      first.manager.on('order', (o, change) => {
        // Killed right after the commit that holds the original canceled and its cancel done.
        if (o === order && o.status === 'canceled' && change.from === 'open' && !crashed) queueMicrotask(() => ((crashed = true), crash()));
      });
      void first.manager.amend(order, { price });
      await clock.advanceUntil(() => crashed, 5_000, 10);
      // What the kill left: the original canceled, its cancel done, the amend under way, no replacement.
      const left = new Database(path, { readonly: true });
      expect(left.prepare('SELECT kind, status, replacement_id FROM order_actions ORDER BY id').all()).toEqual([
        { kind: 'amend', status: 'pending', replacement_id: null },
        { kind: 'cancel', status: 'done', replacement_id: null },
      ]);
      expect(left.prepare('SELECT client_order_id, status FROM orders').all()).toEqual([{ client_order_id: order.clientOrderId, status: 'canceled' }]);
      left.close();
      const second = await restart({ schema5 });
      expectOneReplacement(second, sim, order, price, !schema5);
      expect(sim.counters().calls['cancelOrder']).toBe(1);
    });

    it(`cancel-then-replace killed with its replacement journaled, not yet sent: ${journal} sends it once`, async () => {
      const { clock, sim, first, order, price, crash, restart, executor } = await beforeCrash(false);
      executor.abort();
      void first.manager.amend(order, { price });
      await clock.advanceUntil(() => first.journal.replacementOf(order.clientOrderId) !== null, 5_000, 10);
      crash();
      const second = await restart({ schema5 });
      expectOneReplacement(second, sim, order, price);
    });

    it(`cancel-then-replace killed while the replacement is being sent: ${journal} finds it by client id, never a second one`, async () => {
      const { clock, sim, first, order, price, crash, restart } = await beforeCrash(false);
      sim.setKnobs({ latency_ms: 500, faults: [{ kind: 'timeout_after', methods: ['createOrder'], calls: [1, 1] }] });
      void first.manager.amend(order, { price });
      await clock.advanceUntil(() => sim.counters().faults.timeout_after === 1, 5_000, 10);
      crash();
      const second = await restart({ schema5 });
      expectOneReplacement(second, sim, order, price);
    });
  }

  // A schema-5 journal has no method and no amend_id, and an amend under way with a cancel of its
  // order after it cannot be told from an edit the strategy cancelled while it waited (review 27
  // of the diff #1): read as a replace, that cancel became a new live order. Such an amend is
  // resumed by what the exchange's class can do, as schema 5 chose it: a replace where the class
  // still cannot edit; where it gained editOrder since, the amend fails, and nothing is placed.
  it('cancel-then-replace killed mid-cancel in a schema-5 journal, restarted where the exchange still cannot edit: upgraded, resumed as a replace, one replacement', async () => {
    const { sim, order, price, restart } = await killedMidCancel();
    const second = await restart({ schema5: true, editOrder: false });
    expect(second.journal.previousVersion).toBe(5);
    expectOneReplacement(second, sim, order, price, false);
    expect(sim.counters().calls['cancelOrder']).toBe(1);
    expect(sim.counters().calls['editOrder'] ?? 0).toBe(0);
  });

  for (const schema5 of [false, true]) {
    it(`an edit waiting for its order's placement, cancelled by the strategy, then killed: ${schema5 ? 'a schema-5 journal, upgraded,' : 'the journal'} sends no replacement`, async () => {
      const { clock, sim, first, order, crash, restart, symbol, amount, restingBuy, price } = await beforeCrash(true);
      // An order whose send answer is lost: pending, one attempt, its placement unresolved.
      sim.setKnobs({ latency_ms: 500, faults: [{ kind: 'timeout_after', methods: ['createOrder'], calls: [1, 1] }] });
      const o = first.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
      await clock.advanceUntil(() => sim.counters().faults.timeout_after === 1, 5_000, 10);
      expect(o).toMatchObject({ status: 'pending', attempts: 1 });
      void first.manager.amend(o, { price }).catch(() => undefined);
      await clock.advance(1);
      void first.manager.cancel(o).catch(() => undefined);
      await clock.advance(1);
      expect(first.journal.actions.forOrder(o.clientOrderId).map((a) => a.kind)).toEqual(['amend', 'cancel']);
      crash();
      const second = await restart({ schema5 });
      expect(second.journal.all().filter((x) => x.replaces === o.clientOrderId)).toEqual([]);
      // At the exchange: the resting order as it was, the cancelled one cancelled, nothing else.
      expect(sim.getVenue().listOrders().map((v) => [v.clientOrderId, v.status])).toEqual([[order.clientOrderId, 'open'], [o.clientOrderId, 'canceled']]);
    });
  }

  it('cancel-then-replace killed mid-cancel in a schema-5 journal, restarted where the exchange now edits in place: no order the strategy did not ask for', async () => {
    const { clock, sim, order, restart } = await killedMidCancel();
    const second = await restart({ schema5: true, editOrder: true });
    expect(second.journal.previousVersion).toBe(5);
    await clock.advanceUntil(() => second.journal.actions.forOrder(order.clientOrderId).every((a) => a.status === 'done' || a.status === 'failed'), 10_000, 10);
    expect(second.journal.all().filter((o) => o.replaces === order.clientOrderId)).toEqual([]);
    expect(sim.getVenue().listOrders().map((o) => [o.clientOrderId, o.status])).toEqual([[order.clientOrderId, 'canceled']]);
    expect(sim.counters().calls['createOrder']).toBe(1);
    expect(second.journal.actions.forOrder(order.clientOrderId)[0]).toMatchObject({ kind: 'amend', status: 'failed' });
  });
});

describe('orders.amend of the order kinds an edit must not fill (review 27 #1, #2)', () => {
  it('a stop-limit waiting for its trigger: the edit is refused, the order stays untriggered, nothing fills', async () => {
    const { r, symbol, amount, last } = await started();
    const px = (f: number): number => Number(r.sim.priceToPrecision(symbol, last * f));
    const o = r.manager.queue.push({ symbol, side: 'buy', amount, price: px(1.06), params: { triggerPrice: px(1.05) } });
    await r.clock.advanceUntil(() => o.status !== 'pending', 30_000, 50);
    const res = await drive(r.clock, r.manager.amend(o, { amount: amount * 2 }));
    expect(res).toMatchObject({ amended: false, method: 'edit' });
    expect(res.reason).toMatch(/amend refused: .*waiting for its trigger/);
    expect(o).toMatchObject({ status: 'open', filled: 0, amount });
    expect(r.sim.getVenue().listFills({ symbol })).toEqual([]);
    expect(r.sim.getVenue().positions([symbol])).toEqual([]);
  });

  it('a post-only order edited to a crossing price: cancelled by the exchange (Binance GTX), no amend, no taker fill', async () => {
    const { r, symbol, amount, restingBuy, last } = await started();
    const o = r.manager.queue.push({ symbol, side: 'buy', amount, price: restingBuy, params: { postOnly: true } });
    await r.clock.advanceUntil(() => o.status !== 'pending', 30_000, 50);
    const res = await drive(r.clock, r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, last * 1.01)) }));
    expect(res).toMatchObject({ amended: false, method: 'edit', reason: 'the exchange canceled the order on the amend (a post-only order whose new price would take liquidity)' });
    expect(o.status).toBe('canceled');
    expect(r.sim.getVenue().listFills({ symbol })).toEqual([]);
  });
});
