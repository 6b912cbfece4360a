import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import type { Updater } from '../../src/engine/updater.js';
import { WatchListShapeError } from '../../src/index.js';
import { StateStore } from '../../src/state/state-store.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// A strategy's own `state.set('watch_list', 'BTC/USD:USD', …)` was stored: every task reading the
// watch list afterwards failed or fetched nothing, far from the write. The write is refused at
// the call, state unchanged.
const WATCH = ['BTC/USD:USD', 'ETH/USD:USD'];

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error: unknown) {
    return error;
  }
  return undefined;
}

describe("a write of watch_list in a shape the tasks cannot read", () => {
  it('is refused with a WatchListShapeError (a TypeError) naming the shape expected, nothing written or announced', () => {
    const clock = new VirtualClock(1000);
    const state = new StateStore({ watch_list: WATCH }, clock);
    const changes: unknown[] = [];
    state.on('change', (c) => changes.push(c));
    const cases: [unknown, string][] = [
      ['BTC/USD:USD', 'got a string'],
      [5, 'got a number'],
      [['BTC/USD:USD', 7], 'got a list whose item 1 is 7'],
      [['BTC/USD:USD', ''], 'got a list whose item 1 is ""'],
      [[{ symbol: 'BTC/USD:USD' }], 'got a list whose item 0 is a map'],
      [new Map([['BTC/USD:USD', 1]]), 'got a map'],
      [true, 'got a boolean'],
    ];
    for (const [value, got] of cases) {
      for (const write of [() => state.set('watch_list', value, 'strategy'), () => state.define('watch_list', value, 'strategy')]) {
        const error = thrown(write);
        expect(error).toBeInstanceOf(WatchListShapeError);
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toBe(
          `strategy cannot write 'watch_list': \`watch_list\` must be a list of symbols (or None), ${got}; write a list of symbols (e.g. ["BTC/USD:USD"]), a map keyed by them, or null`,
        );
      }
    }
    expect(thrown(() => state.setKeys('watch_list', 'x' as never, [], 'strategy'))).toBeInstanceOf(WatchListShapeError);
    expect(state.get('watch_list')).toEqual(WATCH);
    expect(state.meta('watch_list')).toMatchObject({ updatedAt: null, source: 'config' });
    expect(changes).toEqual([]);
  });

  it('a list of symbols, a map keyed by them and null are written; other attributes are not checked', () => {
    const state = new StateStore({ watch_list: WATCH, note: null }, new VirtualClock(1000));
    state.set('watch_list', ['SOL/USD:USD'], 'strategy');
    expect(state.get('watch_list')).toEqual(['SOL/USD:USD']);
    state.set('watch_list', null, 'strategy');
    expect(state.get('watch_list')).toBeNull();
    state.set('watch_list', { 'BTC/USD:USD': [70_000, 60_000] }, 'strategy');
    state.merge('watch_list', { 'ETH/USD:USD': [4000, 3000] }, 'strategy');
    expect(Object.keys(state.get<Record<string, unknown>>('watch_list'))).toEqual(['BTC/USD:USD', 'ETH/USD:USD']);
    state.set('watch_list', [], 'strategy');
    state.set('note', 'BTC/USD:USD', 'strategy');
    expect(state.get('note')).toBe('BTC/USD:USD');
  });

  it("through the updater: the strategy's wrong write throws, the engine's tasks keep reading the list", async () => {
    const { updater, clock } = await virtualUpdater({
      class_attributes: { watch_list: WATCH, last_price: {} },
      exchange: { id: 'sim', stream: 'off' },
      tasks: { t_update_tickers: { freq: 10 } },
    });
    current = updater;
    await startVirtual(updater, clock);
    expect(() => updater.state.set('watch_list', 'BTC/USD:USD', 'strategy')).toThrow(WatchListShapeError);
    const before = updater.state.meta('last_price')!.updatedAt!;
    await advanceWithIo(clock, () => updater.state.meta('last_price')!.updatedAt! > before, 30_000, 1000);
    expect(updater.taskStatuses()['t_update_tickers']).toMatchObject({ ok: true, failures: 0 });
    expect(Object.keys(updater.state.get<Record<string, number>>('last_price')).sort()).toEqual(WATCH);
    // A strategy's list of symbols is written, as ever.
    updater.state.set('watch_list', ['BTC/USD:USD'], 'strategy');
    expect(updater.state.meta('watch_list')?.source).toBe('strategy');
  });
});
