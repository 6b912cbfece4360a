import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import type { StateChange } from '../../src/state/state-store.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// Review 26 (seed) F7: the seed's t_get_open_positions wrote `self.is_open_positions`; misso's
// writes `positions`, and `state.get('is_open_positions')` answered undefined without a word.

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

const config = (extra: Record<string, unknown> = {}, tasks: Record<string, unknown> = {}) => ({
  class_attributes: { watch_list: ['BTC/USD:USD'], seen: null, ...extra },
  exchange: { id: 'sim', stream: 'off' },
  tasks: {
    t_update_tickers: { freq: 1 },
    t_get_open_positions: { freq: 1 },
    t_execute_orders: { freq: 0.5 },
    ...tasks,
  },
});

describe("the seed's is_open_positions", () => {
  it('reads as positions (value, age, change events), in self. arguments too, and refuses a write naming positions', async () => {
    const { updater, clock } = await virtualUpdater(config());
    current = updater;
    await startVirtual(updater, clock);
    const order = updater.pendingOrders.put({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, type: 'market' });
    const events: StateChange[] = [];
    updater.state.on('change', (c) => c.name === 'is_open_positions' && events.push(c));
    await clock.advance(3_000);
    const positions = updater.state.get<Record<string, { contracts: number }>>('positions');
    expect(positions['BTC/USD:USD']?.contracts).toBeGreaterThan(0);
    expect(updater.state.get('is_open_positions')).toBe(positions);
    expect(updater.state.meta('is_open_positions')).toEqual(updater.state.meta('positions'));
    expect(updater.state.has('is_open_positions')).toBe(true);
    // A subtask's `self.is_open_positions` argument reads it too.
    expect(updater.state.resolvePath('is_open_positions.BTC/USD:USD')).toBe(positions['BTC/USD:USD']);
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)?.value).toBe(updater.state.get('positions'));
    // The seed's Order fields, read-only, under their seed names.
    expect(order.status).toBe('closed');
    expect([order.is_processed, order.is_partially_filled, order.opened_at, order.closed_at]).toEqual([order.processed, false, order.openedAt, order.closedAt]);
    expect(order.closed_at).toBeGreaterThan(0);
    expect(() => ((order as unknown as { is_processed: boolean }).is_processed = true)).toThrow(TypeError);
    expect(() => updater.state.set('is_open_positions', {}, 'strategy')).toThrow("'is_open_positions' is the seed's name for 'positions', which misso writes: write 'positions' instead");
  });

  it('is an attribute of its own where the config declares it, or where the task writes it (out)', async () => {
    const own = await virtualUpdater(config({ is_open_positions: { mine: 1 } }));
    expect(own.updater.state.get('is_open_positions')).toEqual({ mine: 1 });
    const out = await virtualUpdater(config({}, { t_get_open_positions: { freq: 1, out: 'is_open_positions' } }));
    current = out.updater;
    await startVirtual(out.updater, out.clock);
    out.updater.pendingOrders.put({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, type: 'market' });
    await out.clock.advance(3_000);
    expect(Object.keys(out.updater.state.get<Record<string, unknown>>('is_open_positions'))).toEqual(['BTC/USD:USD']);
    expect(out.updater.state.get('positions')).toEqual({});
  });
});
