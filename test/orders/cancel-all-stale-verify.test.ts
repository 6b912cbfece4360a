import { afterEach, describe, expect, it } from 'vitest';
import type { Order } from 'ccxt';
import { stopLeftOrdersOpen } from '../../src/orders/shutdown.js';
import { drive, market, trackedRigs, type Rig } from '../support/order-rig.js';

// `on_stop: cancel_all`'s final verification never counts as remaining an order of ours known
// final (its cancel answer or its fetchOrder said so), even while the account's open list still
// shows it: Binance's open list can lag its matching engine for a moment, and a stop that did
// cancel everything must neither notify "check the exchange by hand" nor make `misso run` exit 3.
// The exchange here is the simulator whose open-orders listing answers 2 s late (the venue as it
// was 2 s before), as a lagging replica would.
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

describe('stop with cancel_all, the open list lagging', () => {
  it('reports the orders it confirmed cancelled as cancelled, none remaining', async () => {
    const r = await make();
    await drive(r.clock, r.manager.start());
    await sendAll(r, 2);
    const sim = r.sim as unknown as { fetchOpenOrders: (...a: unknown[]) => Promise<Order[]> };
    const fresh = sim.fetchOpenOrders.bind(r.sim);
    // Each answer shows the venue as it was 2 s before (the oldest list seen when none is that old).
    const seen: { at: number; list: Order[] }[] = [];
    sim.fetchOpenOrders = async (...a: unknown[]): Promise<Order[]> => {
      seen.push({ at: r.clock.now(), list: await fresh(...a) });
      const old = seen.filter((s) => s.at <= r.clock.now() - 2_000).at(-1) ?? seen[0]!;
      return old.list;
    };
    const report = await drive(r.clock, r.manager.stop({ onStop: 'cancel_all' }));
    expect(r.sim.getVenue().listOrders().map((o) => o.status)).toEqual(['canceled', 'canceled']);
    expect(r.manager.orders.every((o) => o.status === 'canceled')).toBe(true);
    expect(report.cancel).toMatchObject({ canceled: 2, remaining: [] });
    expect(stopLeftOrdersOpen(report)).toBe(false);
  });
});
