import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_ID_PATTERN } from '../../src/orders/intent.js';
import { fillDisk } from '../support/full-disk.js';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

/** A started manager with its executor running and one resting buy queued. */
async function oneRestingBuy(options: Parameters<typeof make>[0]) {
  const r = await make(options);
  const { symbol, amount, restingBuy } = await market(r.sim);
  await drive(r.clock, r.manager.start());
  const ac = new AbortController();
  const run = r.manager.runExecutor(ac.signal);
  const order = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
  return { r, order, ac, run };
}

describe('order executor', () => {
  it('sends queued orders event-driven and tracks them in open_orders', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const ac = new AbortController();
    const run = r.manager.runExecutor(ac.signal);
    const a = r.manager.queue.put([null, amount, restingBuy, 'buy', symbol]);
    const b = r.manager.queue.push({ symbol, side: 'buy', amount, price: restingBuy });
    expect(a.clientOrderId).toMatch(CLIENT_ID_PATTERN);
    await r.clock.advanceUntil(() => a.status !== 'pending' && b.status !== 'pending', 1_000, 10);
    expect([a.status, b.status]).toEqual(['open', 'open']);
    expect(r.manager.openOrders[symbol]).toEqual([a, b]);
    const onSim = r.sim.getVenue().listOrders();
    expect(onSim.map((o) => [o.clientOrderId, o.id])).toEqual([[a.clientOrderId, a.id], [b.clientOrderId, b.id]]);
    expect(r.manager.queue.empty()).toBe(true);
    ac.abort();
    await run;
  });

  it('writes the intent and the attempt to the journal before the request reaches the exchange', async () => {
    const { r, order, ac, run } = await oneRestingBuy({ knobs: { latency_ms: 1_000 } });
    const row = () =>
      r.journal.db.prepare('SELECT status, attempts, submitted_at FROM orders WHERE client_order_id = ?').get(order.clientOrderId) as
        | { status: string; attempts: number; submitted_at: number | null }
        | undefined;
    expect(row()).toMatchObject({ status: 'pending', attempts: 0 });
    await r.clock.advance(100);
    // createOrder is now in flight (1 s latency): the venue has nothing yet, the journal has the attempt.
    expect(r.sim.getVenue().listOrders()).toHaveLength(0);
    expect(row()).toMatchObject({ status: 'pending', attempts: 1 });
    expect(r.journal.events(order.clientOrderId).map((e) => e.kind)).toEqual(['queued', 'sending']);
    await r.clock.advanceUntil(() => order.status === 'open', 5_000, 100);
    expect(r.journal.events(order.clientOrderId).map((e) => e.kind)).toEqual(['queued', 'sending', 'sent:open']);
    ac.abort();
    await run;
  });

  it('fails an order the exchange refuses for funds, keeping the reason and telling the strategy', async () => {
    const r = await make();
    const { symbol, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const ac = new AbortController();
    const run = r.manager.runExecutor(ac.signal);
    const max = r.sim.market(symbol).limits.amount?.max ?? 1;
    const huge = Number(r.sim.amountToPrecision(symbol, Math.min(max, 1_000_000 / restingBuy)));
    const order = r.manager.queue.push({ symbol, side: 'buy', amount: huge, price: restingBuy });
    await r.clock.advanceUntil(() => order.status !== 'pending', 1_000, 10);
    expect(order.status).toBe('failed');
    expect(order.reason).toMatch(/InsufficientFunds/);
    expect(r.events).toContainEqual({ name: 'failed', clientOrderId: order.clientOrderId });
    expect(r.journal.get(order.clientOrderId)?.reason).toBe(order.reason);
    expect(r.sim.getVenue().listOrders()).toHaveLength(0);
    expect(r.manager.openOrders[symbol]).toBeUndefined();
    ac.abort();
    await run;
  });

  it('rejects orders without a fresh price when require_fresh_price is on, after waiting fresh_price_wait_secs for one', async () => {
    const { r, order, ac, run } = await oneRestingBuy({ isPriceFresh: () => false, config: { freshPriceWaitSecs: 5 } });
    await r.clock.advance(4_900);
    expect(order.status).toBe('pending');
    await r.clock.advanceUntil(() => order.status !== 'pending', 1_000, 10);
    expect(order.status).toBe('rejected');
    expect(order.reason).toMatch(/no fresh price for .* after waiting 5s/);
    expect(r.sim.getVenue().listOrders()).toHaveLength(0);
    ac.abort();
    await run;
  });

  it('sends again once the budget allows after a rate-limit refusal, without waiting out the visibility window', async () => {
    const r = await make({ timing: { visibilityWindowMs: 65_000 } });
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const ac = new AbortController();
    const run = r.manager.runExecutor(ac.signal);
    // One call per second, and the one token there is now spent: createOrder meets a 429.
    r.sim.setKnobs({ rate_limit: { capacity: 1, refill_per_sec: 1 } });
    await r.sim.fetchTicker(symbol);
    const started = r.clock.now();
    const order = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await r.clock.advanceUntil(() => order.status !== 'pending', 10_000, 50);
    expect(order.status).toBe('open');
    expect(r.clock.now() - started).toBeLessThan(5_000);
    expect(r.sim.counters().rateLimited).toBeGreaterThanOrEqual(1);
    expect(r.sim.getVenue().listOrders()).toHaveLength(1);
    ac.abort();
    await run;
  });

  it('resolves a lost createOrder response by client id instead of sending again', async () => {
    const { r, order, ac, run } = await oneRestingBuy({
      knobs: { visibility_delay_ms: 2_000, faults: [{ kind: 'timeout_after', methods: ['createOrder'], calls: [1, 1] }] },
    });
    await r.clock.advanceUntil(() => order.status !== 'pending', 30_000, 100);
    expect(order.status).toBe('open');
    expect(order.attempts).toBe(1);
    expect(r.sim.getVenue().listOrders()).toHaveLength(1);
    expect(r.sim.counters().calls['createOrder']).toBe(1);
    expect(r.journal.events(order.clientOrderId).some((e) => e.kind.startsWith('resolved:'))).toBe(true);
    ac.abort();
    await run;
  });

  it('sends again, with the same client id, only an order proven absent after the visibility window', async () => {
    const r = await make({
      knobs: { visibility_delay_ms: 2_000, faults: [{ kind: 'timeout_before', methods: ['createOrder'], calls: [1, 1] }] },
    });
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const ac = new AbortController();
    const run = r.manager.runExecutor(ac.signal);
    const t0 = r.clock.now();
    const order = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await r.clock.advanceUntil(() => order.status !== 'pending', 30_000, 100);
    expect(order.status).toBe('open');
    expect(order.attempts).toBe(2);
    const resend = r.journal.events(order.clientOrderId).find((e) => e.kind === 'resending');
    expect(resend?.at).toBeGreaterThanOrEqual(t0 + 3_000);
    await r.clock.advance(2_500);
    expect(r.sim.getVenue().listOrders().map((o) => o.clientOrderId)).toEqual([order.clientOrderId]);
    ac.abort();
    await run;
  });

  it('a resend the journal cannot take (a full disk) waits for space and then goes out once, without a restart', async () => {
    const lines: string[] = [];
    const { r, order, ac, run } = await oneRestingBuy({
      knobs: { visibility_delay_ms: 2_000, faults: [{ kind: 'timeout_before', methods: ['createOrder'], calls: [1, 1] }] },
      logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }),
    });
    await r.clock.advanceUntil(() => order.attempts === 1, 10_000, 50);
    // The first attempt timed out before reaching the exchange; the disk fills before the resend.
    const disk = fillDisk(r.journal.db);
    await r.clock.advance(20_000);
    // Proven absent, but its resend cannot be journaled: not sent, still pending.
    expect(order).toMatchObject({ status: 'pending', attempts: 1 });
    expect(r.sim.getVenue().listOrders()).toEqual([]);
    disk.release();
    await r.clock.advanceUntil(() => order.status !== 'pending', 30_000, 100);
    expect(order).toMatchObject({ status: 'open', attempts: 2 });
    await r.clock.advance(2_500);
    expect(r.sim.getVenue().listOrders().map((o) => o.clientOrderId)).toEqual([order.clientOrderId]);
    expect(r.journal.events(order.clientOrderId).filter((e) => e.kind === 'resending')).toHaveLength(1);
    // Said once each: the refusal, and the resend once the journal takes writes again.
    expect(lines.filter((l) => l.includes('the journal refused a write')).length).toBe(1);
    expect(lines.filter((l) => l.includes('the journal takes writes again')).length).toBe(1);
    ac.abort();
    await run;
  });

  it('an order cancelled while its placement is unknown, proven absent while the journal is full, is dropped once space returns', async () => {
    const { r, order, ac, run } = await oneRestingBuy({
      knobs: { visibility_delay_ms: 2_000, faults: [{ kind: 'timeout_before', methods: ['createOrder'], calls: [1, 1] }] },
    });
    await r.clock.advanceUntil(() => order.attempts === 1, 10_000, 50);
    // The strategy cancels it while it is being resolved; then the disk fills.
    const cancelled = r.manager.cancel(order);
    const disk = fillDisk(r.journal.db);
    await r.clock.advance(20_000);
    expect(order).toMatchObject({ status: 'pending', attempts: 1 });
    disk.release();
    await r.clock.advanceUntil(() => order.status !== 'pending', 30_000, 100);
    expect(order.status).toBe('canceled');
    expect(await drive(r.clock, cancelled)).toMatchObject({ status: 'canceled' });
    expect(r.sim.getVenue().listOrders()).toEqual([]);
    ac.abort();
    await run;
  });

  it('an order found by its lookup while the journal is full is recorded once space returns, never sent again', async () => {
    const { r, order, ac, run } = await oneRestingBuy({ knobs: { latency_ms: 500, faults: [{ kind: 'timeout_after', methods: ['createOrder'], calls: [1, 1] }] } });
    await r.clock.advanceUntil(() => order.attempts === 1, 10_000, 50);
    // The request is on its way (it reaches the exchange, its answer is lost); the disk fills meanwhile.
    const disk = fillDisk(r.journal.db);
    await r.clock.advance(20_000);
    expect(r.sim.getVenue().listOrders().map((o) => o.clientOrderId)).toEqual([order.clientOrderId]);
    expect(order).toMatchObject({ status: 'pending', attempts: 1 });
    disk.release();
    await r.clock.advanceUntil(() => order.status !== 'pending', 30_000, 100);
    expect(order).toMatchObject({ status: 'open', attempts: 1 });
    expect(order.id).toBe(r.sim.getVenue().listOrders()[0]!.id);
    expect(r.journal.get(order.clientOrderId)).toMatchObject({ status: 'open', id: order.id });
    ac.abort();
    await run;
  });

  it('finishes the submission under way when aborted, then resolves', async () => {
    const r = await make({ knobs: { latency_ms: 500 } });
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const ac = new AbortController();
    let done = false;
    const run = r.manager.runExecutor(ac.signal).then(() => (done = true));
    const a = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    const b = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await r.clock.advance(100);
    ac.abort();
    await r.clock.advance(0);
    expect(done).toBe(false);
    await r.clock.advanceUntil(() => done, 5_000, 100);
    await run;
    expect(a.status).toBe('open');
    expect(b.status).toBe('pending');
    expect(b.attempts).toBe(0);
    expect(r.manager.queue.size).toBe(1);
  });

  it('stops waiting between refusals at the door as soon as it is stopped: no request after the stop (virtual time)', async () => {
    // A long wait between sends, and a visibility window the test never reaches: any createOrder
    // after the stop could only come from a wait that ignored it.
    const r = await make({ timing: { resolveBackoffMs: 5_000, visibilityWindowMs: 600_000 } });
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const ac = new AbortController();
    let done = false;
    const run = r.manager.runExecutor(ac.signal).then(() => (done = true));
    // Every createOrder meets a 429: the token is spent and hardly refills.
    r.sim.setKnobs({ rate_limit: { capacity: 1, refill_per_sec: 0.0001 } });
    await r.sim.fetchTicker(symbol);
    const order = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await r.clock.advanceUntil(() => (r.sim.counters().calls['createOrder'] ?? 0) === 1 && r.sim.counters().rateLimited === 1, 2_000, 10);
    await r.clock.advance(100);
    expect(r.clock.pending).toBeGreaterThan(0);
    ac.abort();
    // Stopped mid-wait: the run ends without virtual time moving.
    await r.clock.advance(0);
    expect(done).toBe(true);
    await run;
    await r.clock.advance(60_000);
    expect(r.sim.counters().calls['createOrder']).toBe(1);
    // The attempt is journaled, so the order waits for a lookup, never a blind resend.
    expect(order).toMatchObject({ status: 'pending', attempts: 1 });
  });
});
