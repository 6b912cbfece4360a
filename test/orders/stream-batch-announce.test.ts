/**
 * A user-stream delivery is one journal transaction (applyStreamOrders): once it is stored,
 * every order of it is announced and placed, even when a listener of an earlier one fails
 * (the trades stream's listener applies held fills, which a full disk makes throw). Otherwise
 * the journal says an order is canceled while nothing in memory heard of it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CcxtOrderLike } from '../../src/orders/order.js';
import { StorageWriteError } from '../../src/storage/storage-error.js';
import { fillDiskByRows } from '../support/full-disk.js';
import { drive, market, trackedRigs, unseenFills } from '../support/order-rig.js';

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

    // The strategy's error stays its own: the delivery is applied, not failed (the stream goes on).
    expect(r.manager.applyStreamOrders(raws)).toEqual([true, true]);
    // Stored as one transaction, so announced and placed as one too.
    for (const o of buys) expect(r.journal.get(o.clientOrderId)?.status).toBe('canceled');
    expect(heard).toEqual(buys.map((o) => o.clientOrderId));
    // The operator hears of it once; every time is logged.
    expect(r.notes.filter((n) => n.text.includes(failure.message))).toEqual([
      { text: `a 'order' listener of the order manager threw: ${failure.message} (logged each time)`, level: 'error' },
    ]);
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
    const disk = fillDiskByRows(r.journal.db);
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
      expect(disk.freeOne()).toBe(true);
    }
    expect(failures).toBeGreaterThan(1);
    expect(buys.map((o) => o.status)).toEqual(['canceled', 'canceled']);
    expect(ids()).toEqual([]);
    disk.release();
  });
});

describe('one delivery of fills the journal cannot store', () => {
  it('stores, changes and announces nothing, wherever in the delivery the write fails, then takes every fill once', async () => {
    const r = await make();
    const { symbol, buys, trades } = await unseenFills(r);
    // A merged delivery: every trade, one of them twice.
    const delivery = [...trades, trades[0]!];
    const before = { filled: buys.map((o) => o.filled), position: r.manager.derivedPositions[symbol] ?? 0 };
    const heard: string[] = [];
    r.manager.on('fill', (o) => heard.push(o.clientOrderId));

    const disk = fillDiskByRows(r.journal.db);
    let failures = 0;
    let results: string[] = [];
    for (;;) {
      try {
        results = r.manager.applyFills(delivery);
        break;
      } catch (error: unknown) {
        expect(error).toBeInstanceOf(StorageWriteError);
      }
      failures++;
      expect(buys.map((b) => r.manager.fillsOf(b).length)).toEqual([0, 0, 0]);
      expect(buys.map((b) => b.filled)).toEqual(before.filled);
      expect(r.manager.derivedPositions[symbol] ?? 0).toBe(before.position);
      expect(heard).toEqual([]);
      expect(disk.freeOne()).toBe(true);
    }
    disk.release();
    expect(failures).toBeGreaterThan(1);
    expect(results).toEqual([...trades.map(() => 'new'), 'duplicate']);
    expect(heard).toHaveLength(trades.length);
    for (const b of buys) expect(r.journal.get(b.clientOrderId)?.filled).toBeCloseTo(b.filled, 9);
  });
});

describe('one merged delivery holding several updates of one order', () => {
  it('applies them in order: the newest state wins, in the journal, the order and is_open_orders', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const buy = r.manager.queue.push({ symbol, side: 'buy', amount, price: restingBuy });
    await r.clock.advanceUntil(() => buy.status === 'open', 30_000, 50);
    const opened = (await drive(r.clock, r.sim.fetchOrder(buy.id!, symbol))) as unknown as CcxtOrderLike;
    const canceled = (await drive(r.clock, r.sim.cancelOrder(buy.id!, symbol))) as unknown as CcxtOrderLike;
    const kinds: string[] = [];
    r.manager.on('order', (o, info) => {
      if (o === buy) kinds.push(info.kind);
    });

    r.manager.applyStreamOrders([opened, canceled]);
    expect(buy.status).toBe('canceled');
    expect(r.journal.get(buy.clientOrderId)?.status).toBe('canceled');
    expect(r.manager.isOpenOrders[symbol]?.buys ?? []).not.toContain(buy);
    expect(kinds).toEqual(['ws:canceled']);
  });
});
