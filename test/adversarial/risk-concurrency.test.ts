import { afterEach, describe, expect, it } from 'vitest';
import type { RiskConfig } from '../../src/config/types.js';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

const OFF: RiskConfig = { maxNotionalUsd: null, maxOpenOrders: null, maxOrdersPerSec: null, pricePct: null };

// With orders.submit_concurrency above 1, several orders are checked at once: the limits must
// hold for the batch, not only for each order against those already sent.
describe('orders.risk with concurrent submission', () => {
  for (const latency of [0, 100]) {
    it(`max_open_orders holds with submit_concurrency 4 (latency ${latency} ms)`, async () => {
      const r = await make({ config: { risk: { ...OFF, maxOpenOrders: 2 }, submitConcurrency: 4 }, timing: { submitConcurrency: 4 } });
      const { symbol, amount, restingBuy } = await market(r.sim);
      await drive(r.clock, r.manager.start());
      r.sim.setKnobs({ latency_ms: latency });
      void r.manager.runExecutor(new AbortController().signal);
      const orders = [0, 1, 2, 3, 4, 5].map(() => r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]));
      await r.clock.advanceUntil(() => orders.every((o) => o.status !== 'pending'), 30_000, 10);
      expect(orders.filter((o) => o.status === 'open')).toHaveLength(2);
      expect(r.sim.getVenue().listOrders({ status: 'open' })).toHaveLength(2);
    });
  }

  it('max_orders_per_sec holds with submit_concurrency 4', async () => {
    const r = await make({ config: { risk: { ...OFF, maxOrdersPerSec: 2 }, submitConcurrency: 4 }, timing: { submitConcurrency: 4 } });
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const orders = [0, 1, 2, 3, 4, 5].map(() => r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]));
    await r.clock.advanceUntil(() => orders.every((o) => o.status !== 'pending'), 30_000, 1);
    const sent = r.sim.getVenue().listOrders().map((o) => o.timestamp).sort((a, b) => a - b);
    for (let i = 2; i < sent.length; i++) expect(sent[i]! - sent[i - 2]!).toBeGreaterThanOrEqual(1000);
  });
});
