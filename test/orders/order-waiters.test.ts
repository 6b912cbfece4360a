import { afterEach, describe, expect, it } from 'vitest';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
const warnings: Error[] = [];
const onWarning = (w: Error): void => void warnings.push(w);
afterEach(async () => {
  process.off('warning', onWarning);
  warnings.splice(0);
  await cleanup();
});

// Review 26 #6: every wait for an order's change added an 'order' listener to the manager, so
// more than 10 at once printed Node's "Possible EventEmitter memory leak" on the strategy's stderr.
describe('waiting for order changes', () => {
  it('twelve cancel-then-replace amends waiting at once hold one listener, warn of no leak, and all land', async () => {
    process.on('warning', onWarning);
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    r.sim.has['editOrder'] = false;
    const orders = Array.from({ length: 12 }, (_, i) => r.manager.queue.push([null, amount, Number(r.sim.priceToPrecision(symbol, restingBuy * (1 - i / 1000))), 'buy', symbol]));
    await r.clock.advanceUntil(() => orders.every((o) => o.status === 'open'), 60_000, 50);
    r.sim.setKnobs({ latency_ms: 200 });
    // The fill tracker's own listener is there for the manager's life.
    const idle = r.manager.listenerCount('order');
    const amends = Promise.all(orders.map((o) => r.manager.amend(o, { price: Number(r.sim.priceToPrecision(symbol, o.price! * 0.99)) })));
    let most = 0;
    let done = false;
    void amends.finally(() => (done = true));
    await r.clock.advanceUntil(() => {
      most = Math.max(most, r.manager.listenerCount('order'));
      return done;
    }, 60_000, 20);
    const results = await amends;
    expect(results.every((a) => a.amended && a.method === 'replace')).toBe(true);
    expect(r.sim.getVenue().listOrders().filter((x) => x.status === 'open')).toHaveLength(12);
    expect(most).toBe(idle + 1);
    expect(r.manager.listenerCount('order')).toBe(idle);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
