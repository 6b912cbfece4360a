/**
 * A user-stream delivery is one journal transaction (applyStreamOrders): once it is stored,
 * every order of it is announced and placed, even when a listener of an earlier one fails
 * (the trades stream's listener applies held fills, which a full disk makes throw). Otherwise
 * the journal says an order is canceled while nothing in memory heard of it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CcxtOrderLike } from '../../src/orders/order.js';
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
