import { afterEach, describe, expect, it } from 'vitest';
import { stopLeftOrdersOpen } from '../../src/orders/shutdown.js';
import { drive, market, trackedRigs, type Rig } from '../support/order-rig.js';

// `orders.on_stop: cancel_all` meets exchange weather (5xx, timeouts) on its listings and its
// cancels: it retries them with backoff within its time budget, and what it still cannot confirm
// cancelled is reported (and notified) instead of the stop giving up at the first error.
const { make, cleanup } = trackedRigs();
afterEach(cleanup);

async function sendAll(r: Rig, count: number): Promise<void> {
  const { symbol, amount, restingBuy } = await market(r.sim);
  const ac = new AbortController();
  const run = r.manager.runExecutor(ac.signal);
  const orders = Array.from({ length: count }, () => r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]));
  await r.clock.advanceUntil(() => orders.every((o) => o.status !== 'pending'), 60_000, 50);
  ac.abort();
  await drive(r.clock, run);
}

const venueStatuses = (r: Rig): string[] => r.sim.getVenue().listOrders().map((o) => o.status);

describe('stop with cancel_all under exchange weather', () => {
  it('still cancels every open order of ours when one open-orders listing fails once', async () => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    await sendAll(r, 3);
    // One 5xx-like failure of the next account listing, then the exchange answers again.
    r.sim.setKnobs({ faults: [{ kind: 'exchange_not_available', methods: ['fetchOpenOrders'], calls: [1, 1] }] });
    const report = await drive(r.clock, r.manager.stop({ onStop: 'cancel_all' }));
    await r.clock.advance(3_000);
    expect(venueStatuses(r)).toEqual(['canceled', 'canceled', 'canceled']);
    expect(report.cancel).toMatchObject({ remaining: [], canceled: 3, unconfirmed: null });
    expect(stopLeftOrdersOpen(report)).toBe(false);
  });

  it('sends a cancel again when the exchange did not answer the first ones', async () => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    await sendAll(r, 2);
    // More failed cancels than rounds times orders: only sending again on weather gets through.
    r.sim.setKnobs({ faults: [{ kind: 'timeout_before', methods: ['cancelOrder'], calls: [1, 6] }] });
    const report = await drive(r.clock, r.manager.stop({ onStop: 'cancel_all' }));
    expect(venueStatuses(r)).toEqual(['canceled', 'canceled']);
    expect(report.cancel).toMatchObject({ remaining: [], canceled: 2 });
  });

  it('ends within its budget and reports the orders it could not cancel while the exchange keeps failing', async () => {
    const r = await make({ timing: { stopCancelTimeoutMs: 20_000 } });
    await drive(r.clock, r.manager.start());
    await sendAll(r, 2);
    const ours = r.sim.getVenue().listOrders().map((o) => o.clientOrderId).sort();
    r.sim.setKnobs({ faults: [{ kind: 'exchange_not_available', probability: 1, methods: ['fetchOpenOrders', 'cancelOrder', 'fetchOrder'] }] });
    const startedAt = r.clock.now();
    const report = await drive(r.clock, r.manager.stop({ onStop: 'cancel_all' }));
    // The resolve wait is skipped (nothing unresolved); the budget plus the last backoff bounds it.
    expect(r.clock.now() - startedAt).toBeLessThanOrEqual(20_000 + 5_000);
    expect(venueStatuses(r)).toEqual(['open', 'open']);
    expect(report.cancel?.remaining.slice().sort()).toEqual(ours);
    expect(report.cancel?.unconfirmed).toMatch(/could not be listed/);
    expect(stopLeftOrdersOpen(report)).toBe(true);
    expect(r.notes.some((n) => n.level === 'error' && n.text.includes('still open or unconfirmed'))).toBe(true);
  });

  it('counts only the orders this cancel_all cancelled', async () => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    await sendAll(r, 2);
    const first = r.manager.orders.find((o) => o.status === 'open');
    await drive(r.clock, r.manager.cancel(first!));
    const report = await drive(r.clock, r.manager.stop({ onStop: 'cancel_all' }));
    expect(report.cancel).toMatchObject({ canceled: 1, closed: 0, remaining: [] });
  });
});
