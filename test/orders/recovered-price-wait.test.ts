import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import type { Order } from '../../src/orders/order.js';
import { type SimExchange } from '../../src/sim/sim-exchange.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { drive, market, rig, type Rig } from '../support/order-rig.js';
import { tempJournals } from '../support/temp-journals.js';

/**
 * A user's report: a strategy on freq-1 tickers queued 88 orders, was killed with kill -9 and
 * restarted; 10 of the recovered intents were rejected "for no fresh price". The restarted
 * engine's prices come late (streams connecting, the ticker task's passes waiting behind the
 * recovered burst in the rate budget), and each intent only waited twice the ticker freq.
 */
const journals = tempJournals('misso-recovered-price');
const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await drive(r.clock, r.manager.stop());
    r.journal.close();
  }
  journals.cleanup();
});

const COUNT = 6;
// The restarted engine's first fresh price comes this long after its executor starts.
const PRICE_AFTER_MS = 15_000;
// Twice a freq-1 ticker task's period: the usual wait for a fresh price.
const FRESH_PRICE_WAIT_SECS = 2;

interface PreviousRun {
  clock: VirtualClock;
  sim: SimExchange;
  path: string;
  /** Sent before the crash, its answer lost: the exchange has it, the journal has one attempt. */
  sent: Order;
  /** Queued before the crash, never sent. */
  queued: Order[];
}

/** A run that sent one order (its answer lost), queued COUNT more and died without a stop. */
async function previousRun(): Promise<PreviousRun> {
  const clock = new VirtualClock();
  const sim = createSimExchange({ seed: 7 }, { clock });
  const path = journals.path();
  const first = await rig({ clock, sim, journalPath: path, isPriceFresh: () => true });
  await drive(clock, first.manager.start());
  const { symbol, amount, restingBuy } = await market(sim);
  sim.setKnobs({ visibility_delay_ms: 2_000, faults: [{ kind: 'timeout_after', methods: ['createOrder'], calls: [1, 1] }] });
  const ac = new AbortController();
  const run = first.manager.runExecutor(ac.signal);
  const sent = first.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
  await clock.advanceUntil(() => sent.attempts === 1 && sim.counters().faults.timeout_after === 1, 5_000, 10);
  ac.abort();
  await drive(clock, run);
  const queued = Array.from({ length: COUNT }, () => first.manager.queue.push([null, amount, restingBuy, 'buy', symbol]));
  // "kill -9": nothing is stopped, the journal file is left as it is.
  first.journal.close();
  sim.setKnobs({ faults: [] });
  return { clock, sim, path, sent, queued };
}

/** The restarted manager on the same journal, its executor running; `fresh` says when prices are fresh. */
async function restart(prev: PreviousRun, fresh: () => boolean, config: Record<string, unknown> = {}) {
  const second = await rig({ clock: prev.clock, sim: prev.sim, journalPath: prev.path, isPriceFresh: fresh, config: { freshPriceWaitSecs: FRESH_PRICE_WAIT_SECS, ...config } });
  rigs.push(second);
  await drive(prev.clock, second.manager.start());
  const ac = new AbortController();
  void second.manager.runExecutor(ac.signal);
  const ids = [prev.sent, ...prev.queued].map((o) => o.clientOrderId);
  const recovered = (): Order[] => second.manager.orders.filter((o) => ids.includes(o.clientOrderId));
  return { second, recovered, startedAt: prev.clock.now(), stop: () => ac.abort() };
}

describe('intents recovered after a crash, while the restarted engine has no fresh price yet', () => {
  it('wait for the price and are sent once it comes, each exactly once; the one sent before the crash is resolved, not sent again', async () => {
    const prev = await previousRun();
    const createsBefore = prev.sim.counters().calls['createOrder'] ?? 0;
    let priceAt = Number.POSITIVE_INFINITY;
    const { second, recovered, startedAt } = await restart(prev, () => prev.clock.now() >= priceAt);
    priceAt = startedAt + PRICE_AFTER_MS;
    await prev.clock.advanceUntil(() => recovered().length === COUNT + 1 && recovered().every((o) => o.status !== 'pending'), 120_000, 100);

    expect(recovered().map((o) => [o.status, o.reason])).toEqual(recovered().map(() => ['open', null]));
    expect(second.notes.filter((n) => /fresh price/.test(n.text))).toEqual([]);
    // None went out before the price: every recovered intent's send is journaled after it.
    for (const o of prev.queued) {
      const sending = second.journal.events(o.clientOrderId).find((e) => e.kind === 'sending');
      expect(sending?.at).toBeGreaterThanOrEqual(priceAt);
    }
    // Exactly once: one exchange order per intent, and only the queued ones were sent now (the
    // venue hides new orders for 2 s).
    await prev.clock.advance(2_500);
    const onExchange = prev.sim.getVenue().listOrders().map((o) => o.clientOrderId).sort();
    expect(onExchange).toEqual([prev.sent, ...prev.queued].map((o) => o.clientOrderId).sort());
    expect((prev.sim.counters().calls['createOrder'] ?? 0) - createsBefore).toBe(COUNT);
    expect(second.journal.get(prev.sent.clientOrderId)?.attempts).toBe(1);
  });

  it('end rejected (never sent) with a reason that says so, and the operator told, when no price comes in orders.recovered_price_wait_secs', async () => {
    const prev = await previousRun();
    const { second, recovered, startedAt } = await restart(prev, () => false, { recoveredPriceWaitSecs: 30 });
    const queuedIds = prev.queued.map((o) => o.clientOrderId);
    const queued = (): Order[] => recovered().filter((o) => queuedIds.includes(o.clientOrderId));
    await prev.clock.advance(29_000);
    expect(queued().every((o) => o.status === 'pending')).toBe(true);
    await prev.clock.advanceUntil(() => queued().every((o) => o.status !== 'pending'), 120_000, 100);

    const firstEnd = Math.min(...queued().map((o) => o.closedAt ?? Number.POSITIVE_INFINITY));
    expect(firstEnd - startedAt).toBeGreaterThanOrEqual(30_000);
    // After the allowance the rest wait the usual time each (one at a time: concurrency 1).
    expect(prev.clock.now() - startedAt).toBeLessThan(30_000 + COUNT * (FRESH_PRICE_WAIT_SECS * 1000 + 500));
    for (const o of queued()) {
      expect(o.status).toBe('rejected');
      expect(o.reason).toMatch(/no fresh price for .* after waiting \d+s: refused \(orders\.require_fresh_price\); recovered from the journal at the start and never sent, it had the restart's 30s/);
    }
    const told = second.notes.filter((n) => /recovered from the journal/.test(n.text));
    expect(told).toHaveLength(COUNT);
    expect(told.every((n) => n.level === 'error')).toBe(true);
    // Never sent: the exchange holds only the order sent before the crash, resolved by client id.
    expect(prev.sim.getVenue().listOrders().map((o) => o.clientOrderId)).toEqual([prev.sent.clientOrderId]);
    expect(recovered().find((o) => o.clientOrderId === prev.sent.clientOrderId)?.status).toBe('open');

    // An intent queued after the start gets the usual wait, not the restart's allowance.
    const { symbol, amount, restingBuy } = await market(prev.sim);
    const fresh = second.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    const queuedAt = prev.clock.now();
    await prev.clock.advanceUntil(() => fresh.status !== 'pending', 10_000, 100);
    expect(fresh.status).toBe('rejected');
    expect(fresh.reason).toBe(`no fresh price for ${symbol} after waiting ${FRESH_PRICE_WAIT_SECS}s: refused (orders.require_fresh_price)`);
    expect(prev.clock.now() - queuedAt).toBeLessThan(FRESH_PRICE_WAIT_SECS * 1000 + 500);
  });

  it('a recovered intent cancelled while it waits for a price ends cancelled, not rejected, and the next one starts its wait at once', async () => {
    const prev = await previousRun();
    const { second, recovered, startedAt } = await restart(prev, () => false, { recoveredPriceWaitSecs: 30 });
    await prev.clock.advance(5_000);
    const [head, next] = prev.queued.map((q) => recovered().find((o) => o.clientOrderId === q.clientOrderId)!);
    const result = await drive(prev.clock, second.manager.cancel(head!));
    expect(result).toMatchObject({ outcome: 'unsent', status: 'canceled' });
    await prev.clock.advanceUntil(() => next!.status !== 'pending', 60_000, 100);
    // The next one had the rest of the restart's allowance, not that plus the usual wait.
    expect(next!.status).toBe('rejected');
    expect(next!.closedAt! - startedAt).toBeLessThan(30_000 + 500);
    expect(head!.status).toBe('canceled');
    expect(second.journal.get(head!.clientOrderId)?.status).toBe('canceled');
    expect(second.journal.events(head!.clientOrderId).map((e) => e.kind)).not.toContain('rejected:stale_price');
    expect(second.manager.stats().illegalTransitions).toBe(0);
  });
});
