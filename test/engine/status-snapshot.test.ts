import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { buildSnapshot } from '../../src/engine/status.js';
import { PRICES_SHOWN } from '../../src/http/types.js';
import { StateStore } from '../../src/state/state-store.js';

function snapshotWithPrices(n: number) {
  const clock = new VirtualClock();
  const lastPrice = Object.fromEntries(Array.from({ length: n }, (_, i) => [`S${i}/USD:USD`, 100 + i]));
  return buildSnapshot({
    name: 'x',
    exchangeId: 'sim',
    startedAt: 0,
    now: clock.now(),
    phase: 'running',
    readiness: { config: true, exchange: true, journal: true, init_update: true },
    tasks: {},
    state: new StateStore({ last_price: lastPrice }, clock),
    orderStats: null,
    session: null,
    restarts: 0,
  });
}

describe('the status snapshot: prices', () => {
  it('holds every watch-list price (nine here: it used to stop at eight), and says how many there are', () => {
    const s = snapshotWithPrices(9);
    expect(Object.keys(s.prices)).toHaveLength(9);
    expect(s.prices['S8/USD:USD']).toBe(108);
    expect(s.pricesTotal).toBe(9);
  });

  it('cuts a runaway last_price at the documented cap, and the count shows the cut', () => {
    const s = snapshotWithPrices(PRICES_SHOWN + 100);
    expect(Object.keys(s.prices)).toHaveLength(PRICES_SHOWN);
    expect(s.pricesTotal).toBe(PRICES_SHOWN + 100);
  });
});

describe('the status snapshot: streams', () => {
  const base = { name: 'orders', phase: 'up' as const, fresh: true, lastMessageAt: null, messages: 0, reconnects: 1, stalls: 1, stallAfterMs: 30_000, lagMs: null, maxLagMs: null };
  const streamsOf = (held: boolean) => {
    const clock = new VirtualClock();
    return buildSnapshot({
      name: 'x', exchangeId: 'sim', startedAt: 0, now: clock.now(), phase: 'running',
      readiness: { config: true, exchange: true, journal: true, init_update: true },
      tasks: {}, state: new StateStore({}, clock), orderStats: null, session: null, restarts: 0,
      streams: [{ ...base, lastError: 'stalled: an order we sent was not echoed in 30s', held }],
    }).streams;
  };

  it('a stream connected again whose stall is not closed (not proven, not held) is not up, and says why', () => {
    expect(streamsOf(false)).toMatchObject([{ name: 'orders', phase: 'up', up: false, lastError: 'stalled: an order we sent was not echoed in 30s' }]);
  });

  it('once its recovery is told it is up, with no error', () => {
    expect(streamsOf(true)).toMatchObject([{ name: 'orders', up: true, lastError: null }]);
  });
});
