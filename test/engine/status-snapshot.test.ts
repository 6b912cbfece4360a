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
