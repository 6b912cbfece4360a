/**
 * A user-stream delivery is one journal transaction (applyStreamOrders): once it is stored,
 * every order of it is announced and placed, even when a listener of an earlier one fails
 * (the trades stream's listener applies held fills, which a full disk makes throw). Otherwise
 * the journal says an order is canceled while nothing in memory heard of it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CcxtOrderLike } from '../../src/orders/order.js';
import { StorageWriteError } from '../../src/storage/storage-error.js';
import { fillDisk } from '../support/full-disk.js';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

describe('one stored delivery of order updates, one announcement each', () => {
  it('a listener failing on the first order still lets the rest of the stored delivery be announced and placed', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const buys = [restingBuy, restingBuy * 0.99].map((p) =>
      r.manager.queue.push({ symbol, side: 'buy', amount, price: Number(r.sim.priceToPrecision(symbol, p)) }));
    await r.clock.advanceUntil(() => buys.every((o) => o.status === 'open'), 30_000, 50);
    expect(r.manager.openOrders[symbol]?.length).toBe(2);
    // Both canceled at the venue; the user stream delivers both updates at once.
    const raws: CcxtOrderLike[] = [];
    for (const o of buys) raws.push((await drive(r.clock, r.sim.cancelOrder(o.id!, symbol))) as unknown as CcxtOrderLike);
    expect(raws.map((x) => x.status)).toEqual(['canceled', 'canceled']);
    const heard: string[] = [];
    const failure = new Error('a listener of the first update failed');
    r.manager.on('order', (o) => {
      heard.push(o.clientOrderId);
      if (o === buys[0]) throw failure;
    });

    expect(() => r.manager.applyStreamOrders(raws)).toThrow(failure);
    // Stored as one transaction, so announced and placed as one too.
    for (const o of buys) expect(r.journal.get(o.clientOrderId)?.status).toBe('canceled');
    expect(heard).toEqual(buys.map((o) => o.clientOrderId));
  });
});

describe('one delivery of order updates the journal cannot store', () => {
  it('leaves is_open_orders as it was, wherever in the delivery the write fails', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const buys = [restingBuy, restingBuy * 0.99].map((p) =>
      r.manager.queue.push({ symbol, side: 'buy', amount, price: Number(r.sim.priceToPrecision(symbol, p)) }));
    await r.clock.advanceUntil(() => buys.every((o) => o.status === 'open'), 30_000, 50);
    await drive(r.clock, r.manager.refreshIsOpenOrders());
    const ids = (): string[] => (r.manager.isOpenOrders[symbol]?.buys ?? []).map((o) => o.clientOrderId).sort();
    expect(ids()).toEqual(buys.map((o) => o.clientOrderId).sort());
    const raws: CcxtOrderLike[] = [];
    for (const o of buys) raws.push((await drive(r.clock, r.sim.cancelOrder(o.id!, symbol))) as unknown as CcxtOrderLike);

    // Space returns a little at a time, so the write fails at every point of the delivery
    // (its first update, a later one) until it fits: each failure must leave everything as it was.
    const disk = fillDisk(r.journal.db);
    const db = r.journal.db;
    // Room comes back in the last page, then is taken again by small rows freed one by one.
    db.prepare("DELETE FROM order_events WHERE rowid = (SELECT MAX(rowid) FROM order_events WHERE client_order_id = 'disk-filler')").run();
    const small = db.prepare("INSERT INTO order_events (client_order_id, at, kind, to_status, detail) VALUES ('disk-filler', 0, 'filler', 'closed', 'x')");
    for (;;) {
      try {
        small.run();
      } catch {
        break;
      }
    }
    const freeSome = db.prepare("DELETE FROM order_events WHERE rowid = (SELECT MAX(rowid) FROM order_events WHERE client_order_id = 'disk-filler')");
    let failures = 0;
    for (;;) {
      try {
        r.manager.applyStreamOrders(raws);
        break;
      } catch (error: unknown) {
        expect(error).toBeInstanceOf(StorageWriteError);
      }
      failures++;
      expect(buys.map((o) => o.status)).toEqual(['open', 'open']);
      expect(ids()).toEqual(buys.map((o) => o.clientOrderId).sort());
      expect(freeSome.run().changes).toBe(1);
    }
    expect(failures).toBeGreaterThan(1);
    expect(buys.map((o) => o.status)).toEqual(['canceled', 'canceled']);
    expect(ids()).toEqual([]);
    disk.release();
  });
});
