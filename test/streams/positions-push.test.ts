/**
 * What a positions push does to `positions` and its keys' times, which decide whether a REST
 * answer asked before the push may overwrite it (t_get_open_positions): a closed position's
 * removal time survives later pushes on other symbols, and in hedge mode one side closing does
 * not remove the other side that is still open.
 */
import type { Position } from 'ccxt';
import { describe, expect, it } from 'vitest';
import type { TaskConfig } from '../../src/config/types.js';
import { VirtualClock } from '../../src/core/clock.js';
import { StateStore } from '../../src/state/state-store.js';
import { accountPushStream } from '../../src/streams/account-streams.js';
import type { StreamContext } from '../../src/streams/stream-context.js';

const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';

function rig() {
  const clock = new VirtualClock(1_000);
  const state = new StateStore({ positions: {} }, clock);
  const asked: string[] = [];
  const spec = accountPushStream({ state, restSoon: (t: string) => asked.push(t) } as unknown as StreamContext, 'positions', { name: 'positions', out: null, options: {} } as unknown as TaskConfig);
  const push = (...ps: Partial<Position>[]): void => spec.apply(ps as Position[]);
  const held = (): Record<string, Position> => state.get<Record<string, Position>>('positions');
  return { clock, state, push, held, asked };
}

describe('positions pushes', () => {
  it("a closed position's removal time survives a later push on another symbol", async () => {
    const r = rig();
    r.push({ symbol: ETH, side: 'long', contracts: 1 }, { symbol: BTC, side: 'long', contracts: 1 });
    await r.clock.advance(1);
    const asked = r.clock.now();
    await r.clock.advance(1);
    r.push({ symbol: ETH, side: 'long', contracts: 0 });
    await r.clock.advance(1);
    r.push({ symbol: BTC, side: 'long', contracts: 2 });
    expect(Object.keys(r.held())).toEqual([BTC]);
    expect(r.state.keyUpdatedAt('positions', ETH)).toBeGreaterThan(asked);
    expect(r.state.isKeyFresh('positions', ETH)).toBe(false);
  });

  it('hedge mode: one side closing leaves the other open; both open, the larger stands', () => {
    const r = rig();
    r.push({ symbol: ETH, side: 'long', contracts: 1 }, { symbol: ETH, side: 'short', contracts: 0 });
    expect(r.held()[ETH]).toMatchObject({ side: 'long', contracts: 1 });
    r.push({ symbol: ETH, side: 'short', contracts: 0.5 });
    expect(r.held()[ETH]).toMatchObject({ side: 'long', contracts: 1 });
    r.push({ symbol: ETH, side: 'short', contracts: 2 });
    expect(r.held()[ETH]).toMatchObject({ side: 'short', contracts: 2 });
    expect(r.asked).toEqual([]);
    r.push({ symbol: ETH, side: 'short', contracts: 0 });
    expect(r.held()[ETH]).toBeUndefined();
    // The long may still be open (the entry held only the larger side): REST is asked at once.
    expect(r.asked).toEqual(['positions']);
  });
});
