import { afterEach, describe, expect, it } from 'vitest';
import { makeClientOrderId } from '../../src/orders/intent.js';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

/** createOrder calls the venue saw for one client id, counting refusals too. */
function sendsOf(r: Awaited<ReturnType<typeof make>>): () => number {
  let n = 0;
  const sim = r.sim as unknown as { createOrder: (...args: unknown[]) => Promise<unknown> };
  const original = sim.createOrder.bind(sim);
  sim.createOrder = (...args: unknown[]) => {
    n++;
    return original(...args);
  };
  return () => n;
}

describe('a taken client order id (issue 8 item 6)', () => {
  it('is looked up, never resent in a loop, and ends failed with a notification when no order of ours can be found', async () => {
    const r = await make();
    const a = await market(r.sim, 0);
    const b = await market(r.sim, 1);
    await drive(r.clock, r.manager.start());
    // Someone else's order on another market already carries the id misso will give next.
    const next = makeClientOrderId(r.journal.prefix, r.journal.tag, r.journal.sequence + 1);
    await drive(r.clock, r.sim.createOrder(b.symbol, 'limit', 'buy', b.amount, b.restingBuy, { clientOrderId: next }));
    const sends = sendsOf(r);
    const ac = new AbortController();
    const run = r.manager.runExecutor(ac.signal);
    const order = r.manager.queue.push({ symbol: a.symbol, side: 'buy', amount: a.amount, price: a.restingBuy });
    expect(order.clientOrderId).toBe(next);
    // Far beyond several visibility windows: today this loops "sending it again" forever.
    await r.clock.advanceUntil(() => order.status !== 'pending', 60_000, 100);
    expect(order.status).toBe('failed');
    expect(order.reason).toMatch(/taken on the exchange/);
    expect(sends()).toBe(1);
    expect(r.notes.some((n) => n.level === 'error' && n.text.includes(order.clientOrderId))).toBe(true);
    expect(r.events).toContainEqual({ name: 'failed', clientOrderId: order.clientOrderId });
    await r.clock.advance(30_000);
    expect(sends()).toBe(1);
    ac.abort();
    await run;
  });

  it('tracks the order when the id is taken by our own order', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    // Our earlier send reached the exchange, though the journal never heard back (the answer was lost).
    const next = makeClientOrderId(r.journal.prefix, r.journal.tag, r.journal.sequence + 1);
    const placed = await drive(r.clock, r.sim.createOrder(symbol, 'limit', 'buy', amount, restingBuy, { clientOrderId: next }));
    const ac = new AbortController();
    const run = r.manager.runExecutor(ac.signal);
    const order = r.manager.queue.push({ symbol, side: 'buy', amount, price: restingBuy });
    await r.clock.advanceUntil(() => order.status !== 'pending', 10_000, 50);
    expect(order.status).toBe('open');
    expect(order.id).toBe(placed.id);
    expect(r.manager.openOrders[symbol]).toContain(order);
    expect(r.sim.getVenue().listOrders().filter((o) => o.clientOrderId === next)).toHaveLength(1);
    ac.abort();
    await run;
  });

  it('bounds resends of an order the exchange keeps not having', async () => {
    // Every createOrder is refused by a 5xx before it is applied: proven absent each window.
    const r = await make({ knobs: { faults: [{ kind: 'exchange_not_available', probability: 1, methods: ['createOrder'] }] }, timing: { maxResends: 3 } });
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const sends = sendsOf(r);
    const ac = new AbortController();
    const run = r.manager.runExecutor(ac.signal);
    const order = r.manager.queue.push({ symbol, side: 'buy', amount, price: restingBuy });
    await r.clock.advanceUntil(() => order.status !== 'pending', 120_000, 100);
    expect(order.status).toBe('failed');
    expect(order.reason).toMatch(/never found on the exchange/);
    expect(sends()).toBe(4);
    expect(r.notes.some((n) => n.level === 'error' && n.text.includes(order.clientOrderId))).toBe(true);
    ac.abort();
    await run;
  });
});
