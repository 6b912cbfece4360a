import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/sim/prng.js';
import { VirtualClock } from '../../src/core/clock.js';
import { StoppedError } from '../../src/core/errors.js';
import { RateBudget, defaultCapacity } from '../../src/exchange/budget.js';
import { PRIORITIES, type Priority } from '../../src/exchange/types.js';


/** Tracks whether a promise settled, without awaiting it. */
function track<T>(p: Promise<T>): { done: boolean; error: unknown } {
  const state = { done: false, error: undefined as unknown };
  p.then(
    () => (state.done = true),
    (err: unknown) => {
      state.done = true;
      state.error = err;
    },
  );
  return state;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

interface Grant {
  at: number;
  weight: number;
  priority: Priority;
}

/** The heaviest sum over every window (t - W, t] ending at a grant: computed apart from the budget. */
function heaviestWindow(grants: Grant[], windowMs: number): number {
  let max = 0;
  for (const g of grants) {
    let sum = 0;
    for (const h of grants) if (h.at > g.at - windowMs && h.at <= g.at) sum += h.weight;
    max = Math.max(max, sum);
  }
  return max;
}

describe('RateBudget', () => {
  it.each([1, 2, 3, 42, 1234])('never exceeds its capacity under a storm of mixed callers (seed %i)', async (seed) => {
    const prng = new SeededRandom(seed);
    const rand = (): number => prng.next();
    const clock = new VirtualClock();
    const capacity = 10;
    const windowMs = 1000;
    const budget = new RateBudget({ clock, capacity, windowMs });
    const grants: Grant[] = [];
    const pending: Promise<void>[] = [];
    const start = clock.now();
    let penalties = 0;
    let bannedUntil = 0;
    let pausedUntil = 0;
    for (let step = 0; step < 200; step++) {
      const arrivals = Math.floor(rand() * 4);
      for (let i = 0; i < arrivals; i++) {
        const priority = PRIORITIES[Math.floor(rand() * 4)] as Priority;
        // Now and then heavier than the whole capacity: charged the capacity, never stuck.
        const weight = rand() < 0.03 ? 40 : 1 + Math.floor(rand() * 4);
        pending.push(
          budget.acquire(priority, weight).then(() => {
            grants.push({ at: clock.now(), weight: Math.min(weight, capacity), priority });
          }),
        );
      }
      if (rand() < 0.02) {
        const kind = rand() < 0.3 ? 'ban' : 'rate_limit';
        const retryAfterMs = Math.floor(rand() * 2000);
        budget.penalize({ kind, retryAfterMs });
        // Only a penalty that starts a new pause counts; one that lands inside a pause extends it.
        const now = clock.now();
        if (kind === 'ban') {
          if (bannedUntil <= now) penalties++;
          bannedUntil = Math.max(bannedUntil, now + retryAfterMs);
        } else {
          if (pausedUntil <= now) penalties++;
          pausedUntil = Math.max(pausedUntil, now + retryAfterMs);
        }
      }
      await clock.advance(Math.floor(rand() * 150));
    }
    await clock.advanceUntil(() => grants.length === pending.length, 600_000, 250);
    await Promise.all(pending);
    expect(grants.length).toBeGreaterThan(200);
    const heaviest = heaviestWindow(grants, windowMs);
    expect(heaviest).toBeLessThanOrEqual(capacity);
    expect(budget.maxObservedInWindow).toBe(heaviest);
    // Busy enough that the budget, not the arrivals, set the pace.
    expect(heaviest).toBe(capacity);
    const stats = budget.stats();
    expect(stats.penalties.rate_limit + stats.penalties.ban).toBe(penalties);
    expect(PRIORITIES.reduce((n, p) => n + stats.byPriority[p].granted, 0)).toBe(grants.length);
    expect(clock.now()).toBeGreaterThan(start);
  });

  it('serves strictly by priority, first come first served within a class', async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget({ clock, capacity: 1, windowMs: 1000 });
    await budget.acquire('market');
    const served: string[] = [];
    const queue: [string, Priority][] = [
      ['m1', 'market'],
      ['a1', 'account'],
      ['s1', 'status'],
      ['o1', 'order'],
      ['m2', 'market'],
      ['o2', 'order'],
      ['s2', 'status'],
    ];
    const all = queue.map(([name, p]) => budget.acquire(p).then(() => served.push(name)));
    for (let i = 0; i < queue.length; i++) await clock.advance(1000);
    await Promise.all(all);
    expect(served).toEqual(['o1', 'o2', 's1', 's2', 'a1', 'm1', 'm2']);
    expect(budget.stats().byPriority.market.waitedMs).toBeGreaterThan(budget.stats().byPriority.order.waitedMs);
  });

  it('lets a waiter go as soon as the oldest grants leave the sliding window', async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget({ clock, capacity: 3, windowMs: 1000 });
    await budget.acquire('market', 2);
    await clock.advance(400);
    await budget.acquire('market', 1);
    const w = track(budget.acquire('market', 2));
    await clock.advance(599);
    expect(w.done).toBe(false);
    await clock.advance(1);
    expect(w.done).toBe(true);
    expect(budget.used()).toBe(3);
  });

  it('holds later callers of a class behind a heavy head (no starvation of big requests)', async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget({ clock, capacity: 5, windowMs: 1000 });
    await budget.acquire('market', 3);
    const heavy = track(budget.acquire('market', 5));
    const light = track(budget.acquire('market', 1));
    await settle();
    expect(heavy.done).toBe(false);
    expect(light.done).toBe(false);
    await clock.advance(1000);
    expect(heavy.done).toBe(true);
    expect(light.done).toBe(false);
    await clock.advance(1000);
    expect(light.done).toBe(true);
  });

  it('pauses status, account and market on a rate limit while orders still go out', async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget({ clock, capacity: 5, windowMs: 1000 });
    budget.penalize({ kind: 'rate_limit', retryAfterMs: 3000 });
    const market = track(budget.acquire('market'));
    const status = track(budget.acquire('status'));
    const orders = [track(budget.acquire('order')), track(budget.acquire('order'))];
    await settle();
    expect(orders.every((o) => o.done && o.error === undefined)).toBe(true);
    expect(budget.used()).toBe(2);
    await clock.advance(2999);
    expect(market.done || status.done).toBe(false);
    await clock.advance(1);
    expect(status.done && market.done).toBe(true);
    const s = budget.stats();
    expect(s.byPriority.order.penalties).toBe(0);
    expect(s.byPriority.market.penalties).toBe(1);
    expect(s.penalties.rate_limit).toBe(1);
  });

  it('orders still respect capacity during a rate-limit pause', async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget({ clock, capacity: 2, windowMs: 1000 });
    budget.penalize({ kind: 'rate_limit', retryAfterMs: 10_000 });
    const first = [track(budget.acquire('order')), track(budget.acquire('order'))];
    await settle();
    expect(first.every((o) => o.done)).toBe(true);
    const third = track(budget.acquire('order'));
    await clock.advance(999);
    expect(third.done).toBe(false);
    await clock.advance(1);
    expect(third.done).toBe(true);
  });

  it('stops everything, orders included, during a ban', async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget({ clock, capacity: 5, windowMs: 1000 });
    budget.penalize({ kind: 'ban', retryAfterMs: 5000 });
    const order = track(budget.acquire('order'));
    await clock.advance(4999);
    expect(order.done).toBe(false);
    expect(budget.used()).toBe(0);
    await clock.advance(1);
    expect(order.done).toBe(true);
    expect(budget.stats().byPriority.order.penalties).toBe(1);
  });

  it('counts one ban when several requests in flight meet the same 418, and a later one again', async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget({ clock, capacity: 5, windowMs: 1000 });
    for (let i = 0; i < 6; i++) budget.penalize({ kind: 'ban', retryAfterMs: 2000 });
    await clock.advance(1000);
    budget.penalize({ kind: 'ban', retryAfterMs: 2000 }); // inside the ban: extends it
    expect(budget.stats().penalties.ban).toBe(1);
    await clock.advance(3001);
    budget.penalize({ kind: 'ban', retryAfterMs: 2000 }); // after it ended: a new ban
    expect(budget.stats().penalties.ban).toBe(2);
  });

  it('uses a default pause when the exchange gave no Retry-After', async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget({ clock, capacity: 5, windowMs: 1000, defaultPauseMs: 2500 });
    budget.penalize({ kind: 'rate_limit' });
    const market = track(budget.acquire('market'));
    await clock.advance(2499);
    expect(market.done).toBe(false);
    await clock.advance(1);
    expect(market.done).toBe(true);
  });

  it('rejects an aborted waiter and serves the one behind it', async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget({ clock, capacity: 1, windowMs: 1000 });
    await budget.acquire('status');
    const ac = new AbortController();
    const first = track(budget.acquire('status', 1, ac.signal));
    const second = track(budget.acquire('status'));
    ac.abort(new Error('task stopped'));
    await settle();
    expect(first.done).toBe(true);
    expect((first.error as Error).message).toBe('task stopped');
    await clock.advance(1000);
    expect(second.done).toBe(true);
    expect(budget.waiting).toBe(0);
    await expect(budget.acquire('market', 1, ac.signal)).rejects.toThrow('task stopped');
  });

  it("caps a 429's Retry-After at maxPauseMs (a broken header must not freeze every read for days); a 418's ban is honoured in full", async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget({ clock, capacity: 5, windowMs: 1000 });
    const notices: unknown[] = [];
    budget.onPause((n) => notices.push(n));
    const start = clock.now();
    budget.penalize({ kind: 'rate_limit', retryAfterMs: 999_999_000 });
    expect(budget.stats().pausedUntil - start).toBe(300_000);
    expect(budget.paused).toBe(true);
    // Told once, as it began, with what the exchange asked for.
    budget.penalize({ kind: 'rate_limit', retryAfterMs: 999_999_000 });
    expect(notices).toEqual([{ kind: 'rate_limit', until: start + 300_000, retryAfterMs: 999_999_000 }]);
    const market = track(budget.acquire('market'));
    await clock.advance(299_999);
    expect(market.done).toBe(false);
    await clock.advance(1);
    expect(market.done && market.error === undefined).toBe(true);
    expect(budget.paused).toBe(false);
    budget.penalize({ kind: 'ban', retryAfterMs: 3 * 86_400_000 });
    expect(budget.stats().bannedUntil - clock.now()).toBe(3 * 86_400_000);
    expect(notices).toHaveLength(2);
    expect(new RateBudget({ clock, capacity: 5, maxPauseMs: 20_000 }).penalize({ kind: 'rate_limit', retryAfterMs: 60_000 })).toBeUndefined();
  });

  it('stopWaitingOnPauses: a call the pause holds fails at once, queued or asked for later; orders (not paused by a 429) still go out', async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget({ clock, capacity: 5, windowMs: 1000 });
    budget.penalize({ kind: 'rate_limit', retryAfterMs: 200_000 });
    const queued = [track(budget.acquire('market')), track(budget.acquire('account'))];
    await settle();
    expect(queued.some((q) => q.done)).toBe(false);
    budget.stopWaitingOnPauses();
    await settle();
    for (const q of queued) {
      expect(q.error).toBeInstanceOf(StoppedError);
      expect(String(q.error)).toMatch(/the exchange asked us to wait 200s more \(rate limit\); not waited for/);
    }
    await expect(budget.acquire('status')).rejects.toBeInstanceOf(StoppedError);
    await expect(budget.acquire('order')).resolves.toBeUndefined();
    // A ban that begins while stopping holds orders too: they fail at once as well.
    budget.penalize({ kind: 'ban', retryAfterMs: 60_000 });
    await expect(budget.acquire('order')).rejects.toBeInstanceOf(StoppedError);
    // Once the pause is over, calls go out again.
    await clock.advance(200_000);
    await expect(budget.acquire('market')).resolves.toBeUndefined();
    expect(clock.pending).toBe(0);
  });

  it('close rejects queued waiters and later acquires with StoppedError', async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget({ clock, capacity: 1, windowMs: 1000 });
    await budget.acquire('market');
    const queued = budget.acquire('market');
    budget.close();
    await expect(queued).rejects.toBeInstanceOf(StoppedError);
    await expect(budget.acquire('order')).rejects.toBeInstanceOf(StoppedError);
    expect(clock.pending).toBe(0);
  });

  it('when disabled, grants at once and only counts', async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget({ clock, capacity: 1, windowMs: 1000, enabled: false });
    for (let i = 0; i < 10; i++) await budget.acquire('market');
    budget.penalize({ kind: 'ban' });
    await budget.acquire('order');
    expect(budget.stats().byPriority.market.granted).toBe(10);
  });

  it('derives its capacity from ccxt rateLimit unless configured', () => {
    const clock = new VirtualClock();
    expect(defaultCapacity(1000, 50)).toBe(20);
    expect(defaultCapacity(60_000, 50)).toBe(1200);
    expect(defaultCapacity(1000, 2000)).toBe(1);
    expect(defaultCapacity(1000, undefined)).toBe(10);
    expect(RateBudget.fromConfig({ capacity: null, windowMs: 1000, enabled: true }, 50, clock).capacity).toBe(20);
    expect(RateBudget.fromConfig({ capacity: 7, windowMs: 1000, enabled: true }, 50, clock).capacity).toBe(7);
    expect(() => new RateBudget({ clock, capacity: 0 })).toThrow(/capacity/);
  });
});
