import { OrderNotFound } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

// An order of ours the exchange no longer knows (purged from its history, or on another account
// after a key change) must not make a cancel hang and poll the exchange for ever: past the
// visibility window, `lost_after_not_found` misses settle it `failed`, the order is marked lost.
describe('cancel or amend of an order the exchange does not know', () => {
  it('settles failed after lost_after_not_found misses instead of looking for ever', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const o = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await r.clock.advanceUntil(() => o.status !== 'pending', 30_000, 50);
    expect(o.status).toBe('open');
    // From now on the exchange answers "does not exist" for this order (a ccxt exchange, not misso).
    let calls = 0;
    const gone = async (): Promise<never> => {
      calls++;
      throw new OrderNotFound('binanceusdm {"code":-2013,"msg":"Order does not exist."}');
    };
    Object.assign(r.sim, { fetchOrder: gone, cancelOrder: gone });
    const res = await drive(r.clock, r.manager.cancel(o), 50, 10 * 60_000);
    expect(res.outcome).toBe('failed');
    expect(res.reason).toMatch(/not found/);
    expect(o.lost).toBe(true);
    expect(calls).toBeLessThan(30);
    expect(r.journal.actions.forOrder(o.clientOrderId)).toMatchObject([{ kind: 'cancel', status: 'failed' }]);
    expect(r.notes.some((n) => n.text.includes(o.clientOrderId))).toBe(true);
  });

  it('an edit settles not amended after lost_after_not_found misses instead of looking for ever', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const o = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await r.clock.advanceUntil(() => o.status !== 'pending', 30_000, 50);
    let calls = 0;
    const gone = async (): Promise<never> => {
      calls++;
      throw new OrderNotFound('binanceusdm {"code":-2013,"msg":"Order does not exist."}');
    };
    Object.assign(r.sim, { fetchOrder: gone, editOrder: gone });
    const res = await drive(r.clock, r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, restingBuy * 0.99)) }), 50, 10 * 60_000);
    expect(res.amended).toBe(false);
    expect(res.reason).toMatch(/not found/);
    expect(o.lost).toBe(true);
    expect(calls).toBeLessThan(30);
    expect(r.journal.actions.forOrder(o.clientOrderId)).toMatchObject([{ kind: 'amend', status: 'failed' }]);
  });
});
