import { afterEach, describe, expect, it } from 'vitest';
import type { RiskConfig } from '../../src/config/types.js';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

const OFF: RiskConfig = { maxNotionalUsd: null, maxOpenOrders: null, maxOrdersPerSec: null, pricePct: null };

async function resting(risk: Partial<RiskConfig>) {
  const r = await make({ config: { risk: { ...OFF, ...risk } }, isPriceFresh: () => true });
  const m = await market(r.sim);
  await drive(r.clock, r.manager.start());
  void r.manager.runExecutor(new AbortController().signal);
  const price = Number(r.sim.priceToPrecision(m.symbol, m.last * 0.97));
  const order = r.manager.queue.push([null, m.amount, price, 'buy', m.symbol]);
  await r.clock.advanceUntil(() => order.status !== 'pending', 10_000, 50);
  expect(order.status).toBe('open');
  return { r, order, ...m };
}

// An amend is a new price or size on the exchange: the pre-trade limits that refuse a fat-finger
// placement must refuse the same fat finger arriving as an amend (editOrder or cancel-then-replace).
describe('orders.risk applies to amends', () => {
  it('price_band_pct: an edit to a price far from the last price is refused, nothing sent', async () => {
    const { r, order, symbol, last } = await resting({ pricePct: 5 });
    const fat = Number(r.sim.priceToPrecision(symbol, last * 0.5));
    const res = await drive(r.clock, r.manager.amend(order, { price: fat }));
    expect(res).toMatchObject({ amended: false });
    expect(res.reason).toMatch(/orders\.risk\.price_band_pct \(5\)/);
    expect(r.sim.counters().calls['editOrder'] ?? 0).toBe(0);
    expect(r.sim.getVenue().getOrder({ id: order.id! })?.price).toBe(order.price);
    expect(order.status).toBe('open');
  });

  it('max_notional_usd: an edit to an amount worth more than the limit is refused, nothing sent', async () => {
    const { r, order, symbol, amount } = await resting({ maxNotionalUsd: 1_000 });
    const huge = Number(r.sim.amountToPrecision(symbol, amount * 1_000));
    const res = await drive(r.clock, r.manager.amend(order, { amount: huge }));
    expect(res.amended).toBe(false);
    expect(res.reason).toMatch(/over orders\.risk\.max_notional_usd \(1000\)/);
    expect(r.sim.counters().calls['editOrder'] ?? 0).toBe(0);
    expect(order.amount).toBe(amount);
  });

  it('the seed-style queue amend is refused the same way and the original order stays open', async () => {
    const { r, order, symbol, last } = await resting({ pricePct: 5 });
    const fat = Number(r.sim.priceToPrecision(symbol, last * 2));
    r.manager.queue.push(['amend', order.clientOrderId, null, fat]);
    await r.clock.advance(5_000);
    expect(r.sim.counters().calls['editOrder'] ?? 0).toBe(0);
    expect(order.status).toBe('open');
    expect(order.price).not.toBe(fat);
  });

  it('a passing amend still goes out', async () => {
    const { r, order, symbol, last } = await resting({ pricePct: 5, maxNotionalUsd: 1_000_000 });
    const near = Number(r.sim.priceToPrecision(symbol, last * 0.98));
    const res = await drive(r.clock, r.manager.amend(order, { price: near }));
    expect(res).toMatchObject({ amended: true, method: 'edit' });
    expect(order.price).toBe(near);
  });
});
