import { afterEach, describe, expect, it } from 'vitest';
import { IntentError } from '../../src/orders/intent.js';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

describe('order kinds checked at intent time', () => {
  // The field names the key at fault whenever the message does (review 25-B F3: post-only with type market gave null).
  it.each([
    [{ type: 'market', params: { postOnly: true } }, /a post-only order must be a limit order/, 'params.postOnly'],
    [{ type: 'market', params: { timeInForce: 'PO' } }, /timeInForce is for limit orders/, 'params.timeInForce'],
    [{ params: { postOnly: true, timeInForce: 'IOC' } }, /post-only cannot be combined with timeInForce IOC/, 'params.timeInForce'],
    [{ params: { timeInForce: 'DAY' } }, /params\.timeInForce must be one of GTC, IOC, FOK, PO/, 'params.timeInForce'],
    [{ type: 'market', params: { timeInForce: 'IOC' } }, /timeInForce is for limit orders/, 'params.timeInForce'],
    [{ params: { triggerPrice: 10, takeProfitPrice: 20 } }, /give one of params\.triggerPrice, params\.stopLossPrice, params\.takeProfitPrice, not triggerPrice and takeProfitPrice/, 'params.takeProfitPrice'],
    [{ params: { stopLossPrice: -1 } }, /params\.stopLossPrice must be a number > 0/, 'params.stopLossPrice'],
    [{ params: { triggerPrice: '1' } }, /params\.triggerPrice must be a number > 0/, 'params.triggerPrice'],
    [{ params: { triggerPrice: Number.NaN } }, /params\.triggerPrice must be a finite number/, 'params.triggerPrice'],
    [{ params: { postOnly: true, triggerPrice: 10 } }, /a trigger order \(params\.triggerPrice\) cannot be post-only/, 'params.postOnly'],
    [{ params: { reduceOnly: 'yes' } }, /params\.reduceOnly must be true or false/, 'params.reduceOnly'],
    [{ amount: 1e9 }, /amount 1000000000 is above the market maximum/, 'amount'],
    [{ price: 1e12 }, /price 1000000000000 is above the market maximum/, 'price'],
  ])('refuses %j with an IntentError naming the field, and journals nothing', async (change, message, field) => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    const entry = { symbol, side: 'buy', amount, price: restingBuy, ...change };
    if ((change as { type?: string }).type === 'market') delete (entry as { price?: number }).price;
    expect(() => r.manager.queue.push(entry)).toThrow(IntentError);
    expect(() => r.manager.queue.push(entry)).toThrow(message);
    expect(() => r.manager.queue.push(entry)).toThrow(expect.objectContaining({ field }));
    expect(r.journal.intentCount()).toBe(0);
  });

  it("refuses a kind the exchange's has does not list", async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    r.sim.has['createTakeProfitOrder'] = false;
    expect(() => r.manager.queue.push({ symbol, side: 'sell', amount, type: 'market', params: { takeProfitPrice: restingBuy * 2 } })).toThrow(
      /sim does not support take-profit orders \(has\.createTakeProfitOrder is not true\)/,
    );
    expect(() => r.manager.queue.push({ symbol, side: 'sell', amount, type: 'market', params: { takeProfitPrice: restingBuy * 2 } })).toThrow(
      expect.objectContaining({ field: 'params.takeProfitPrice' }),
    );
  });

  it('sends post-only, IOC, reduce-only and stop orders through to the exchange', async () => {
    const r = await make();
    const { symbol, amount, restingBuy, last } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const post = r.manager.queue.push({ symbol, side: 'buy', amount, price: restingBuy, params: { postOnly: true } });
    const crossing = r.manager.queue.push({ symbol, side: 'buy', amount, price: Number(r.sim.priceToPrecision(symbol, last * 1.01)), params: { postOnly: true } });
    const ioc = r.manager.queue.push({ symbol, side: 'buy', amount, price: restingBuy, params: { timeInForce: 'IOC' } });
    const stop = r.manager.queue.push({ symbol, side: 'buy', amount, type: 'market', params: { triggerPrice: Number(r.sim.priceToPrecision(symbol, last * 1.05)) } });
    const orders = [post, crossing, ioc, stop];
    await r.clock.advanceUntil(() => orders.every((o) => o.status !== 'pending'), 10_000, 50);
    expect(orders.map((o) => o.status)).toEqual(['open', 'failed', 'expired', 'open']);
    expect(crossing.reason).toMatch(/OrderImmediatelyFillable/);
    const onVenue = r.sim.getVenue().getOrder({ clientOrderId: stop.clientOrderId });
    expect(onVenue).toMatchObject({ triggerKind: 'stop', triggered: false });
  });
});
