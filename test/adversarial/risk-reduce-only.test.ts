import { afterEach, describe, expect, it } from 'vitest';
import type { RiskConfig } from '../../src/config/types.js';
import type { Order } from '../../src/orders/order.js';
import { drive, market, trackedRigs, type Rig } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

const OFF: RiskConfig = { maxNotionalUsd: null, maxOpenOrders: null, maxOrdersPerSec: null, pricePct: null };

/** A manager with the guard, holding a long position worth about `worth` USD opened outside it. */
async function long(risk: Partial<RiskConfig>, worth: number) {
  const r = await make({ config: { risk: { ...OFF, ...risk } }, isPriceFresh: () => true });
  const m = await market(r.sim);
  await drive(r.clock, r.manager.start());
  void r.manager.runExecutor(new AbortController().signal);
  const size = Number(r.sim.amountToPrecision(m.symbol, worth / m.last));
  await drive(r.clock, r.sim.createOrder(m.symbol, 'market', 'buy', size));
  return { r, size, ...m };
}

async function settle(r: Rig, ...orders: Order[]): Promise<void> {
  await r.clock.advanceUntil(() => orders.every((o) => o.status !== 'pending'), 10_000, 50);
}

// A risk guard must never stop risk reduction: a strategy closing a large position with a
// reduce-only order must get it out even when its value is over max_notional_usd or the symbol
// has max_open_orders already open. The fat-finger band and the order rate still apply.
describe('orders.risk lets reduce-only orders reduce', () => {
  it('max_notional_usd: a reduce-only close worth more than the limit goes out; the same order without reduce-only is refused', async () => {
    const { r, symbol, size, last } = await long({ maxNotionalUsd: 100 }, 2_000);
    const above = Number(r.sim.priceToPrecision(symbol, last * 1.02));
    const plain = r.manager.queue.push({ symbol, side: 'sell', amount: size, price: above });
    const close = r.manager.queue.push({ symbol, side: 'sell', amount: size, price: above, params: { reduceOnly: true } });
    await settle(r, plain, close);
    expect(plain.status).toBe('rejected');
    expect(plain.reason).toMatch(/max_notional_usd/);
    expect(close.status).toBe('open');
    expect(r.sim.getVenue().listOrders().map((o) => o.clientOrderId)).toContain(close.clientOrderId);
  });

  it('max_open_orders: a reduce-only order goes out on a symbol already at the limit', async () => {
    const { r, symbol, size, last, amount, restingBuy } = await long({ maxOpenOrders: 1 }, 200);
    const bid = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await settle(r, bid);
    expect(bid.status).toBe('open');
    const above = Number(r.sim.priceToPrecision(symbol, last * 1.02));
    const extra = r.manager.queue.push({ symbol, side: 'sell', amount: size, price: above });
    const close = r.manager.queue.push({ symbol, side: 'sell', amount: size, price: above, params: { reduceOnly: true } });
    await settle(r, extra, close);
    expect(extra.status).toBe('rejected');
    expect(close.status).toBe('open');
  });

  it('price_band_pct still refuses a fat-finger reduce-only price', async () => {
    const { r, symbol, size, last } = await long({ pricePct: 5, maxNotionalUsd: 100 }, 2_000);
    const fat = r.manager.queue.push({ symbol, side: 'sell', amount: size, price: Number(r.sim.priceToPrecision(symbol, last * 3)), params: { reduceOnly: true } });
    await settle(r, fat);
    expect(fat.status).toBe('rejected');
    expect(fat.reason).toMatch(/price_band_pct/);
  });

  it('an amend of a reduce-only order to a value over max_notional_usd is not refused by it', async () => {
    const { r, symbol, size, last } = await long({ maxNotionalUsd: 100, pricePct: 5 }, 2_000);
    const half = Number(r.sim.amountToPrecision(symbol, size / 2));
    const close = r.manager.queue.push({ symbol, side: 'sell', amount: half, price: Number(r.sim.priceToPrecision(symbol, last * 1.02)), params: { reduceOnly: true } });
    await settle(r, close);
    expect(close.status).toBe('open');
    const res = await drive(r.clock, r.manager.amend(close, { amount: size }));
    expect(res).toMatchObject({ amended: true, reason: null });
    expect(close.amount).toBe(size);
    const fat = await drive(r.clock, r.manager.amend(close, { price: Number(r.sim.priceToPrecision(symbol, last * 3)) }));
    expect(fat.amended).toBe(false);
    expect(fat.reason).toMatch(/price_band_pct/);
  });
});
