import { describe, expect, it } from 'vitest';
import type { Order } from '../../src/orders/order.js';
import { drive, market, rig } from '../support/order-rig.js';

const N = 200;

describe('exactly once under faults', () => {
  it(`${N} orders with lost responses, timeouts, 5xx and a visibility delay make exactly ${N} exchange orders`, async () => {
    const r = await rig({ timing: { submitConcurrency: 4 } });
    const markets = await Promise.all([0, 1, 3, 4].map((i) => market(r.sim, i)));
    await drive(r.clock, r.manager.start());
    r.sim.setKnobs({
      visibility_delay_ms: 2_000,
      latency_ms: { fixed: 20, jitter: 40 },
      faults: [
        { kind: 'timeout_after', probability: 0.2, methods: ['createOrder'] },
        { kind: 'timeout_before', probability: 0.1, methods: ['createOrder'] },
        { kind: 'exchange_not_available', probability: 0.1, methods: ['createOrder'] },
        { kind: 'timeout_after', probability: 0.1, methods: ['fetchOrder', 'fetchOpenOrders', 'fetchOrders'] },
      ],
    });
    const ac = new AbortController();
    const run = r.manager.runExecutor(ac.signal);
    const orders: Order[] = [];
    for (let i = 0; i < N; i++) {
      const m = markets[i % markets.length]!;
      orders.push(
        i % 7 === 3
          ? r.manager.queue.push({ symbol: m.symbol, side: 'buy', amount: m.amount })
          : r.manager.queue.push([`s${i}`, m.amount, m.restingBuy, 'buy', m.symbol]),
      );
    }
    // The open-orders refresh runs meanwhile, as t_get_open_orders would.
    let refreshing = true;
    const refresher = (async () => {
      while (refreshing) {
        await r.manager.refreshIsOpenOrders().catch(() => undefined);
        await r.clock.sleep(1_000);
      }
    })();
    await r.clock.advanceUntil(() => orders.every((o) => o.status !== 'pending'), 900_000, 250);
    refreshing = false;
    ac.abort();
    await drive(r.clock, run);
    await drive(r.clock, refresher);
    const injected = r.sim.counters().faults;
    expect(injected.timeout_after + injected.timeout_before + injected.exchange_not_available).toBeGreaterThan(N * 0.3);

    // Ground truth: the venue's own book, once every order is past the visibility delay.
    r.sim.setKnobs({ faults: [], latency_ms: 0 });
    await r.clock.advance(3_000);
    const onExchange = r.sim.getVenue().listOrders();
    expect(onExchange).toHaveLength(N);
    expect(new Set(onExchange.map((o) => o.clientOrderId)).size).toBe(N);
    expect(new Set(onExchange.map((o) => o.clientOrderId))).toEqual(new Set(orders.map((o) => o.clientOrderId)));

    await r.manager.refreshIsOpenOrders();
    await r.manager.updateOpenOrders();
    const byClient = new Map(onExchange.map((o) => [o.clientOrderId, o]));
    for (const o of orders) {
      const truth = byClient.get(o.clientOrderId)!;
      expect({ cid: o.clientOrderId, id: o.id, status: o.status, filled: o.filled }).toEqual({
        cid: truth.clientOrderId,
        id: truth.id,
        status: truth.status,
        filled: truth.filled,
      });
      expect(r.journal.get(o.clientOrderId)?.status).toBe(truth.status);
    }
    const openOnExchange = onExchange.filter((o) => o.status === 'open').map((o) => o.id).sort();
    const ourOpen = Object.values(r.manager.openOrders).flat().filter((o) => o.status === 'open').map((o) => o.id).sort();
    const isOpen = Object.values(r.manager.isOpenOrders).flatMap((e) => [...e.buys, ...e.sells]).map((o) => o.id).sort();
    expect(ourOpen).toEqual(openOnExchange);
    expect(isOpen).toEqual(openOnExchange);
    expect(r.manager.stats().illegalTransitions).toBe(0);
    // Some orders did need a second send after proven absence; none was sent blind.
    expect(orders.some((o) => o.attempts > 1)).toBe(true);
    await r.manager.stop();
    r.journal.close();
  });
});
