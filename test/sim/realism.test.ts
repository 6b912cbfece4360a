import { ExchangeNotAvailable, OrderNotFound, RateLimitExceeded, RequestTimeout } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { type SimExchange } from '../../src/sim/sim-exchange.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';

const START = 1_700_000_000_000;

/** Builds the exchange and loads its markets before the call-level knobs (faults, rate limit) apply. */
async function make(knobs: Record<string, unknown> = {}): Promise<{ clock: VirtualClock; ex: SimExchange }> {
  const clock = new VirtualClock(START);
  const { faults, rate_limit, latency_ms, ...rest } = knobs;
  const ex = createSimExchange(rest, { clock });
  await ex.loadMarkets();
  ex.setKnobs({ ...(faults ? { faults } : {}), ...(rate_limit ? { rate_limit } : {}), ...(latency_ms ? { latency_ms } : {}) });
  ex.resetCounters();
  return { clock, ex };
}

/** Settles a promise, returning the error class name or 'ok'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (error: unknown) {
    return (error as Error).constructor.name;
  }
}

describe('SimExchange realism knobs', () => {
  it('are all off by default', async () => {
    const { ex } = await make();
    for (let i = 0; i < 50; i++) await ex.fetchTicker('BTC/USD:USD');
    const c = ex.counters();
    expect(c.calls['fetchTicker']).toBe(50);
    expect(c.totalCalls).toBe(50);
    expect(c.rateLimited).toBe(0);
    expect(c.delayedCalls).toBe(0);
    expect(Object.values(c.faults).every((n) => n === 0)).toBe(true);
  });

  it('adds latency (fixed + jitter) on the injected clock', async () => {
    const { clock, ex } = await make({ latency_ms: { fixed: 200, jitter: 100 } });
    let done = false;
    const p = ex.fetchBalance().then(() => (done = true));
    await clock.advance(99);
    expect(done).toBe(false);
    await clock.advance(201);
    await p;
    expect(done).toBe(true);
    const c = ex.counters();
    expect(c.delayedCalls).toBe(1);
    expect(c.latencyMsTotal).toBeGreaterThanOrEqual(200);
    expect(c.latencyMsTotal).toBeLessThanOrEqual(300);
    ex.setKnobs({ latency_ms: 0 });
    await ex.fetchBalance();
    expect(ex.counters().delayedCalls).toBe(1);
  });

  it('apply from the first call when given at construction', async () => {
    const clock = new VirtualClock(START);
    const ex = createSimExchange(
      { latency_ms: 100, rate_limit: { capacity: 1, refill_per_sec: 1 }, faults: [{ kind: 'exchange_not_available', calls: [2, 2] }] },
      { clock },
    );
    let loaded = false;
    const loading = ex.loadMarkets().then(() => (loaded = true));
    await clock.advance(99);
    expect(loaded).toBe(false);
    await clock.advance(1);
    await loading;
    // Second call: rate-limited before any fault is drawn.
    await expect(ex.fetchTicker('BTC/USD:USD')).rejects.toBeInstanceOf(RateLimitExceeded);
    await clock.advance(1_000);
    const third = outcome(ex.fetchTicker('BTC/USD:USD'));
    await clock.advance(100);
    expect(await third).toBe('ExchangeNotAvailable');
    expect(ex.counters()).toMatchObject({ totalCalls: 3, rateLimited: 1, faults: { exchange_not_available: 1 } });
  });

  it('refuses calls past the token bucket with RateLimitExceeded, and refills over time', async () => {
    const { clock, ex } = await make({ rate_limit: { capacity: 3, refill_per_sec: 2 } });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await outcome(ex.fetchTicker('ETH/USD:USD')));
    expect(results).toEqual(['ok', 'ok', 'ok', 'RateLimitExceeded', 'RateLimitExceeded']);
    expect(ex.counters().rateLimited).toBe(2);
    await clock.advance(500);
    expect(await outcome(ex.fetchTicker('ETH/USD:USD'))).toBe('ok');
    await expect(ex.fetchTicker('ETH/USD:USD')).rejects.toBeInstanceOf(RateLimitExceeded);
    ex.setKnobs({ rate_limit: null });
    for (let i = 0; i < 10; i++) await ex.fetchTicker('ETH/USD:USD');
    expect(ex.counters().rateLimited).toBe(3);
  });

  it('injects faults on a schedule, restricted to methods', async () => {
    const { ex } = await make({ faults: [{ kind: 'exchange_not_available', calls: [2, 3], methods: ['fetchTicker'] }] });
    const seen = [];
    for (let i = 0; i < 5; i++) {
      seen.push(await outcome(ex.fetchTicker('BTC/USD:USD')));
      seen.push(await outcome(ex.fetchBalance()));
    }
    expect(seen.filter((_, i) => i % 2 === 0)).toEqual(['ok', 'ExchangeNotAvailable', 'ExchangeNotAvailable', 'ok', 'ok']);
    expect(seen.filter((_, i) => i % 2 === 1).every((s) => s === 'ok')).toBe(true);
    const c = ex.counters();
    expect(c.faults.exchange_not_available).toBe(2);
    expect(c.faultsByMethod).toEqual({ fetchTicker: 2 });
    await expect(
      (async () => {
        ex.setKnobs({ faults: [{ kind: 'exchange_not_available', calls: [1, 1] }] });
        await ex.fetchBalance();
      })(),
    ).rejects.toBeInstanceOf(ExchangeNotAvailable);
  });

  it('injects faults by probability, reproducibly per seed', async () => {
    const pattern = async (seed: number): Promise<string[]> => {
      const { ex } = await make({ seed, faults: [{ kind: 'timeout_before', probability: 0.3 }] });
      const out = [];
      for (let i = 0; i < 200; i++) out.push(await outcome(ex.fetchTicker('SOL/USD:USD')));
      expect(ex.counters().faults.timeout_before).toBe(out.filter((o) => o === 'RequestTimeout').length);
      return out;
    };
    const a = await pattern(1);
    const failures = a.filter((o) => o === 'RequestTimeout').length;
    expect(failures).toBeGreaterThan(35);
    expect(failures).toBeLessThan(85);
    expect(await pattern(1)).toEqual(a);
    expect(await pattern(2)).not.toEqual(a);
  });

  it('times out before the venue sees an order, or after it applied it (the lost response)', async () => {
    const { clock, ex } = await make({ faults: [{ kind: 'timeout_before', calls: [1, 1], methods: ['createOrder'] }] });
    await expect(ex.createOrder('ETH/USD:USD', 'limit', 'buy', 0.1, 1_000, { clientOrderId: 'a-1' })).rejects.toBeInstanceOf(RequestTimeout);
    await expect(ex.fetchOrder('', undefined, { clientOrderId: 'a-1' })).rejects.toBeInstanceOf(OrderNotFound);
    expect(ex.getVenue().counters.ordersPlaced).toBe(0);

    ex.setKnobs({ faults: [{ kind: 'timeout_after', calls: [1, 1], methods: ['createOrder'] }], timeout_delay_ms: 10_000 });
    let settled = false;
    const lost = outcome(ex.createOrder('ETH/USD:USD', 'limit', 'buy', 0.1, 1_000, { clientOrderId: 'a-2' })).then((r) => {
      settled = true;
      return r;
    });
    await clock.advance(9_999);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(await lost).toBe('RequestTimeout');
    // The venue applied it: the order exists and a retry with the same client id is refused.
    expect((await ex.fetchOrder('', undefined, { clientOrderId: 'a-2' })).status).toBe('open');
    expect(await outcome(ex.createOrder('ETH/USD:USD', 'limit', 'buy', 0.1, 1_000, { clientOrderId: 'a-2' }))).toBe('DuplicateOrderId');
    const c = ex.counters();
    expect(c.faults).toEqual({ exchange_not_available: 0, timeout_before: 1, timeout_after: 1 });
    expect(c.venue.ordersPlaced).toBe(1);
  });

  it('delays order visibility and switches liquidity at run time', async () => {
    const { clock, ex } = await make({ visibility_delay_ms: 3_000 });
    const o = await ex.createOrder('ETH/USD:USD', 'limit', 'buy', 0.1, 1_000);
    await expect(ex.fetchOrder(o.id!)).rejects.toBeInstanceOf(OrderNotFound);
    expect(await ex.fetchOpenOrders()).toEqual([]);
    await clock.advance(3_000);
    expect((await ex.fetchOrder(o.id!)).id).toBe(o.id);
    expect(ex.counters().venue.hiddenByVisibilityDelay).toBe(2);
    ex.setKnobs({ visibility_delay_ms: 0, liquidity_per_step_usd: 123 });
    expect(ex.getVenue().visibilityDelayMs).toBe(0);
    expect(ex.getVenue().liquidityPerStepUsd).toBe(123);
    expect(() => ex.setKnobs({ seed: 3 })).toThrow(/seed: unknown knob/);
    expect(() => ex.setKnobs({ latency_ms: -1 })).toThrow(/latency_ms/);
  });
});
