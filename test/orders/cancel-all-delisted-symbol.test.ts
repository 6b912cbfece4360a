import { afterEach, describe, expect, it } from 'vitest';
import { drive, market, trackedRigs } from '../support/order-rig.js';

// cancelAll({symbol}) accepts a symbol we hold unfinished orders on even once it left the
// exchange's markets (a delisting, a markets reload without it): such a symbol cannot be a typo,
// and the panic button must work there most of all. When the exchange client can no longer build
// the cancel for that symbol, each cancel settles as refused, naming the symbol, instead of
// retrying for ever.
const { make, cleanup } = trackedRigs();
afterEach(cleanup);

describe('cancelAll of a symbol we hold orders on, gone from the markets', () => {
  it('accepts the symbol and settles each cancel, naming the delisted symbol', async () => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    const { symbol, amount, restingBuy } = await market(r.sim);
    const ac = new AbortController();
    const run = r.manager.runExecutor(ac.signal);
    const order = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await r.clock.advanceUntil(() => order.status === 'open', 30_000, 50);
    ac.abort();
    await drive(r.clock, run);
    // The markets as a reload after a delisting announcement shows them: this one is gone.
    const markets = r.sim.markets as Record<string, unknown>;
    delete markets[symbol];
    const results = await drive(r.clock, r.manager.cancelAll({ symbol }));
    expect(results.map((c) => [c.order.clientOrderId, c.outcome])).toEqual([[order.clientOrderId, 'failed']]);
    expect(results[0]?.reason).toContain(`no longer lists ${symbol}`);
  });
});
