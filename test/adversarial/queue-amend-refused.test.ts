import type { OrdersConfig } from '../../src/config/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Order } from '../../src/orders/order.js';
import { drive, market, trackedRigs, type Rig } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

async function started(config: Partial<OrdersConfig> = {}): Promise<{ r: Rig; symbol: string; amount: number; restingBuy: number; seen: { order: Order; kind: string; reason: string | undefined }[] }> {
  const r = await make({ config, isPriceFresh: () => true });
  const m = await market(r.sim);
  await drive(r.clock, r.manager.start());
  void r.manager.runExecutor(new AbortController().signal);
  const seen: { order: Order; kind: string; reason: string | undefined }[] = [];
  r.manager.on('order', (order, change) => seen.push({ order, kind: change.kind, reason: change.reason }));
  return { r, seen, ...m };
}

async function place(r: Rig, symbol: string, amount: number, price: number): Promise<Order> {
  const order = r.manager.queue.push([null, amount, price, 'buy', symbol]);
  await r.clock.advanceUntil(() => order.status !== 'pending', 30_000, 50);
  expect(order.status).toBe('open');
  return order;
}

// A seed-style strategy has no promise to read: a queued amend refused before it starts (the
// order already finished, a cancel under way) must reach it as an order event and a
// notification with the reason, as a refused placement or a refused later amend does.
describe('a seed-style queue amend refused early is not silent', () => {
  it('an amend of a finished order: an amend:refused event and a notification say why', async () => {
    const { r, symbol, amount, restingBuy, seen } = await started();
    const o = await place(r, symbol, amount, restingBuy);
    await drive(r.clock, r.manager.cancel(o));
    expect(o.status).toBe('canceled');
    r.manager.queue.push(['amend', o.clientOrderId, null, Number(r.sim.priceToPrecision(symbol, restingBuy * 0.97))]);
    await r.clock.advance(1_000);
    const refusal = seen.find((e) => e.order === o && e.kind === 'amend:refused');
    expect(refusal?.reason).toMatch(/already canceled/);
    expect(r.notes.some((n) => n.text.includes(o.clientOrderId) && /already canceled/.test(n.text))).toBe(true);
  });

  it('an amend while a cancel is under way: the event and the notification name the cancel', async () => {
    const { r, symbol, amount, restingBuy, seen } = await started();
    const o = await place(r, symbol, amount, restingBuy);
    r.sim.setKnobs({ latency_ms: 300 });
    const cancel = r.manager.cancel(o);
    r.manager.queue.push(['amend', o.clientOrderId, null, Number(r.sim.priceToPrecision(symbol, restingBuy * 0.97))]);
    await drive(r.clock, cancel);
    await r.clock.advance(1_000);
    const refusal = seen.find((e) => e.order === o && e.kind === 'amend:refused');
    expect(refusal?.reason).toMatch(/cancel of this order is under way/);
    expect(r.notes.some((n) => n.text.includes(o.clientOrderId) && /cancel of this order is under way/.test(n.text))).toBe(true);
  });

  it('an amend over a risk limit: the event carries the limit as its reason', async () => {
    const { r, symbol, amount, seen } = await started({ risk: { maxNotionalUsd: null, maxOpenOrders: null, maxOrdersPerSec: null, pricePct: 5 } });
    const { last } = await market(r.sim);
    const o = await place(r, symbol, amount, Number(r.sim.priceToPrecision(symbol, last * 0.97)));
    r.manager.queue.push(['amend', o.clientOrderId, null, Number(r.sim.priceToPrecision(symbol, last * 0.5))]);
    await r.clock.advance(1_000);
    const refusal = seen.find((e) => e.order === o && e.kind === 'amend:refused');
    expect(refusal?.reason).toMatch(/orders\.risk\.price_band_pct/);
    expect(r.notes.some((n) => n.text.includes(o.clientOrderId) && /price_band_pct/.test(n.text))).toBe(true);
  });
});
