import { describe, expect, it, vi } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { MissingReferenceError, resolveArgs } from '../../src/tasks/args.js';
import { StateStore } from '../../src/state/state-store.js';
import { runSubtask } from '../../src/tasks/subtask.js';
import type { SubtaskConfig } from '../../src/config/types.js';

function sub(partial: Partial<SubtaskConfig>): SubtaskConfig {
  return { key: 'subtask_0', type: 'async', modul: 'm', method: 'f', inputArgs: [], targetAttr: null, targetSaveUpdate: false, returnValue: false, ...partial };
}

describe('argument resolution', () => {
  it('reads self. references at call time, nested paths, and passes literals through', () => {
    const clock = new VirtualClock();
    const state = new StateStore({ watch_list: ['A'], filter: { info: { min: 5 } } }, clock);
    const args = ['self.watch_list', 'self.filter.info.min', '1m', 1000, null, 'selfish'];
    expect(resolveArgs(args, state)).toEqual([['A'], 5, '1m', 1000, null, 'selfish']);
    state.set('watch_list', ['B', 'C'], 'test');
    expect(resolveArgs(args, state)[0]).toEqual(['B', 'C']);
  });

  it('names the missing attribute', () => {
    const state = new StateStore({}, new VirtualClock());
    expect(() => resolveArgs(['self.nope'], state)).toThrow(/no attribute 'nope'/);
  });

  it('a key missing below the attribute fails, naming the reference, the key and the place; a key holding None is passed as null', () => {
    const state = new StateStore(
      { cfg: { set: null, list: ['a', 'b'], n: 5, 'info.volumeUsd24h': { value: 2 } }, watch_list: ['A'] },
      new VirtualClock(),
    );
    const pos = { file: 'c.yaml', line: 14, col: 11 };
    expect(() => resolveArgs(['1m', 'self.cfg.nope.deeper'], state, [null, pos])).toThrow(
      "c.yaml:14:11: input_args[1] `self.cfg.nope.deeper`: cfg has no key 'nope' (its keys: set, list, n, info.volumeUsd24h); fix the reference",
    );
    const thrown = ((): unknown => {
      try {
        return resolveArgs(['self.cfg.nope.deeper'], state);
      } catch (error: unknown) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(MissingReferenceError);
    expect(thrown).toMatchObject({ reference: 'self.cfg.nope.deeper', missingKey: 'nope', pos: null });
    // None the config set is a value: passed as null. Below it, nothing is there.
    expect(resolveArgs(['self.cfg.set'], state)).toEqual([null]);
    expect(() => resolveArgs(['self.cfg.set.x'], state)).toThrow("`self.cfg.set.x`: cfg.set is None, so it has no key 'x'");
    // A list's items by index; past its end, and a number's keys, are missing.
    expect(resolveArgs(['self.cfg.list.1', 'self.watch_list.0'], state)).toEqual(['b', 'A']);
    expect(() => resolveArgs(['self.cfg.list.2'], state)).toThrow("cfg.list is a list of 2, it has no item '2'");
    expect(() => resolveArgs(['self.cfg.list.length'], state)).toThrow("it has no item 'length'");
    expect(() => resolveArgs(['self.cfg.n.x'], state)).toThrow("cfg.n is a number (5), it has no key 'x'");
    expect(() => resolveArgs(['self.cfg.toString'], state)).toThrow("cfg has no key 'toString'");
    // A key with dots of its own (the seed's filter rules) is read whole.
    expect(resolveArgs(['self.cfg.info.volumeUsd24h.value'], state)).toEqual([2]);
  });

  it('a dict holding both `a` and `a.b`: the reading that reaches the end of the path is taken (review 27 of the diff)', () => {
    const state = new StateStore({ f: { info: 'plain', 'info.volumeUsd24h': { value: 7 }, deep: { x: 1 }, 'deep.y': 2 } }, new VirtualClock());
    expect(resolveArgs(['self.f.info.volumeUsd24h.value', 'self.f.info', 'self.f.deep.x', 'self.f.deep.y'], state)).toEqual([7, 'plain', 1, 2]);
    // Missing by every reading: told where the shortest one stopped.
    expect(() => resolveArgs(['self.f.info.volumeUsd24h.nope'], state)).toThrow("f.info is a string");
  });

  it('a later subtask sees what an earlier one stored', async () => {
    const state = new StateStore({ watch_list: null, prices: null }, new VirtualClock());
    await runSubtask({ config: sub({ targetAttr: 'watch_list' }), fn: async () => ['X', 'Y'] }, state, 't');
    await runSubtask(
      { config: sub({ inputArgs: ['self.watch_list'], targetAttr: 'prices' }), fn: async (wl) => Object.fromEntries((wl as string[]).map((s) => [s, 1])) },
      state,
      't',
    );
    expect(state.get('prices')).toEqual({ X: 1, Y: 1 });
  });
});

describe('target_attr and target_save_update', () => {
  it('assigns, and returns the value only with return_value', async () => {
    const state = new StateStore({ a: 0 }, new VirtualClock());
    expect(await runSubtask({ config: sub({ targetAttr: 'a' }), fn: async () => 7 }, state, 't')).toBeUndefined();
    expect(state.get('a')).toBe(7);
    expect(await runSubtask({ config: sub({ targetAttr: 'a', returnValue: true }), fn: async () => 8 }, state, 't')).toBe(8);
  });

  it('merges key by key into a new dict, leaving the one read before as it was (values are read-only)', async () => {
    const state = new StateStore({ ohlcs: { A: [1] } }, new VirtualClock());
    const before = state.get('ohlcs');
    await runSubtask({ config: sub({ targetAttr: 'ohlcs', targetSaveUpdate: true }), fn: async () => ({ B: [2] }) }, state, 't');
    expect(state.get('ohlcs')).toEqual({ A: [1], B: [2] });
    expect(before).toEqual({ A: [1] });
    // The held values are carried over, not copied.
    expect(state.get<Record<string, number[]>>('ohlcs')['A']).toBe((before as Record<string, number[]>)['A']);
    expect(Object.isFrozen(state.get('ohlcs'))).toBe(true);
  });

  it('refuses to merge into a non-dict, and a non-dict result', async () => {
    const state = new StateStore({ n: 3, d: {} }, new VirtualClock());
    await expect(runSubtask({ config: sub({ targetAttr: 'n', targetSaveUpdate: true }), fn: async () => ({ x: 1 }) }, state, 't')).rejects.toThrow(
      /holds a number, not a dict/,
    );
    await expect(runSubtask({ config: sub({ targetAttr: 'd', targetSaveUpdate: true }), fn: async () => [1] }, state, 't')).rejects.toThrow(
      /list into 'd'/,
    );
  });

  it('a standard subtask is called plainly and a promise from it is an error', async () => {
    const state = new StateStore({ x: 0 }, new VirtualClock());
    await runSubtask({ config: sub({ type: 'standard', targetAttr: 'x' }), fn: () => 4 }, state, 't');
    expect(state.get('x')).toBe(4);
    await expect(runSubtask({ config: sub({ type: 'standard', targetAttr: 'x' }), fn: async () => 5 }, state, 't')).rejects.toThrow(/type: async/);
  });
});

describe('staleness as data', () => {
  it('records when each value and each dict key was written', async () => {
    const clock = new VirtualClock(1_000_000);
    const state = new StateStore({ last_price: {} }, clock);
    state.setMaxAge('last_price', 3000);
    expect(state.isStale('last_price')).toBe(false); // one period of grace to produce it
    await clock.advance(3001);
    expect(state.isStale('last_price')).toBe(true);
    state.merge('last_price', { A: 1 }, 'tickers');
    expect(state.isStale('last_price')).toBe(false);
    await clock.advance(2000);
    state.merge('last_price', { B: 2 }, 'tickers');
    expect(state.meta('last_price')).toMatchObject({ updatedAt: 1_005_001, source: 'tickers', maxAgeMs: 3000 });
    await clock.advance(1500);
    expect(state.isKeyFresh('last_price', 'A')).toBe(false);
    expect(state.isKeyFresh('last_price', 'B')).toBe(true);
    expect(state.isKeyFresh('last_price', 'C')).toBe(false);
    expect(state.isStale('last_price')).toBe(false);
    await clock.advance(2000);
    expect(state.isStale('last_price')).toBe(true);
  });

  it("dates a merged key by when its value was true (a streamed price's event time), never later than now", async () => {
    const clock = new VirtualClock(1_000_000);
    const state = new StateStore({ last_price: {} }, clock);
    state.setMaxAge('last_price', 3000);
    state.merge('last_price', { A: 1, B: 2 }, 'ws');
    await clock.advance(1000);
    // A arrived 2.5 s after its event; B's time says the future (a clock offset not known); C was not written.
    state.merge('last_price', { A: 3, B: 4 }, 'ws', { A: 1_001_000 - 2500, B: 1_001_000 + 9000, C: 1_001_000 });
    expect(state.keyUpdatedAt('last_price', 'A')).toBe(998_500);
    expect(state.keyUpdatedAt('last_price', 'B')).toBe(1_001_000);
    expect(state.keyUpdatedAt('last_price', 'C')).toBeNull();
    // The attribute was written now.
    expect(state.meta('last_price')?.updatedAt).toBe(1_001_000);
    await clock.advance(1000);
    expect(state.isKeyFresh('last_price', 'A')).toBe(false);
    expect(state.isKeyFresh('last_price', 'B')).toBe(true);
    // Into an attribute that holds nothing yet, the same.
    state.merge('fresh', { X: 1 }, 'ws', { X: clock.now() - 700 });
    expect(state.keyUpdatedAt('fresh', 'X')).toBe(clock.now() - 700);
  });

  it('emits a change event for every write', () => {
    const state = new StateStore({ a: 1 }, new VirtualClock());
    const seen: string[] = [];
    state.on('change', (c) => seen.push(`${c.name}=${JSON.stringify(c.value)}@${c.source}`));
    state.set('a', 2, 'x');
    state.merge('b', { k: 1 }, 'y');
    expect(seen).toEqual(['a=2@x', 'b={"k":1}@y']);
  });

  it('announce() tells listeners of an in-place change without making the value fresh', async () => {
    const clock = new VirtualClock(1_000);
    const state = new StateStore({ open_orders: {} }, clock);
    state.setMaxAge('open_orders', 1000);
    state.touch('open_orders', 'update_open_orders');
    await clock.advance(1500);
    expect(state.isStale('open_orders')).toBe(true);
    const seen: string[] = [];
    state.on('change', (c) => seen.push(`${c.name}@${c.source}:${c.at}`));
    state.announce('open_orders', 'orders');
    expect(seen).toEqual(['open_orders@orders:2500']);
    expect(state.isStale('open_orders')).toBe(true);
    expect(state.meta('open_orders')).toMatchObject({ updatedAt: 1000, source: 'update_open_orders' });
  });
});

describe('the engine\'s live objects in state', () => {
  it('a task cannot replace the exchange or the order queue through the state store, which left every self.aftx subtask failing far from the cause', () => {
    const state = new StateStore({ total_capital: 0 }, new VirtualClock());
    const exchange = { fetchBalance: () => ({}) };
    state.define('aftx', exchange);
    state.define('pending_orders', []);
    expect(() => state.set('aftx', 5, 'my_task')).toThrow("my_task cannot write 'aftx': it is the engine's own live object");
    expect(() => state.merge('pending_orders', { a: 1 }, 'my_task')).toThrow(/cannot write 'pending_orders'/);
    expect(() => state.set('exchange', null, 'my_task')).toThrow(TypeError);
    expect(state.get('aftx')).toBe(exchange);
    // The engine still (re)defines them, as a session restart does, and state is still state.
    state.define('aftx', { fetchBalance: () => ({}) });
    state.set('total_capital', 5, 'my_task');
    expect(state.get('total_capital')).toBe(5);
  });
});

describe('values are read-only to whoever reads them (review 25-B F7)', () => {
  it('a write to what get() returned throws a TypeError and changes nothing: not the value, its time, nor its freshness', async () => {
    const clock = new VirtualClock();
    const state = new StateStore({ last_price: {}, watch_list: ['BTC/USD:USD'], candles: {} }, clock);
    state.setMaxAge('last_price', 10_000);
    state.merge('last_price', { 'BTC/USD:USD': 64_653.8, 'ETH/USD:USD': 3_070 }, 'ws');
    const writtenAt = clock.now();
    const heard: string[] = [];
    state.on('change', (c) => heard.push(c.name));
    await clock.advance(9_000);
    const lp = state.get<Record<string, number>>('last_price');
    expect(() => {
      // @ts-expect-error the value is read-only: the compiler refuses the write too
      lp['BTC/USD:USD'] = 1;
    }).toThrow(TypeError);
    expect(() => {
      // @ts-expect-error read-only
      delete lp['ETH/USD:USD'];
    }).toThrow(TypeError);
    expect(() => Object.assign(lp, { 'SOL/USD:USD': 1 })).toThrow(TypeError);
    expect(state.get('last_price')).toEqual({ 'BTC/USD:USD': 64_653.8, 'ETH/USD:USD': 3_070 });
    expect(heard).toEqual([]);
    expect(state.meta('last_price')).toMatchObject({ source: 'ws', updatedAt: writtenAt });
    // Its freshness is still the price's own: stale once its age passes, not renewed by the write.
    await clock.advance(2_000);
    expect(state.isKeyFresh('last_price', 'BTC/USD:USD')).toBe(false);
    // Lists and nested values too, from the config's initial values as from any write.
    expect(() => (state.get<string[]>('watch_list') as string[]).push('X')).toThrow(TypeError);
    state.set('candles', { 'BTC/USD:USD': [[1, 2, 3, 4, 5, 6]] }, 't');
    const rows = state.get<Record<string, number[][]>>('candles')['BTC/USD:USD']!;
    expect(() => (rows as number[][]).push([7])).toThrow(TypeError);
    // A row of numbers only is read-only in the type, not frozen (frozen, V8 boxes its numbers:
    // a candle window would take twice the memory).
    expect(Object.isFrozen(rows[0])).toBe(false);
    expect(() => state.set('levels', { up: [], tags: ['a', 1] }, 't')).not.toThrow();
    expect(() => (state.get<{ up: number[] }>('levels').up as number[]).push(1)).toThrow(TypeError);
    expect(() => (state.get<{ tags: unknown[] }>('levels').tags as unknown[]).push(1)).toThrow(TypeError);
    // The way to change a value: write a new one, which is announced and dated.
    state.set('last_price', { ...state.get<Record<string, number>>('last_price'), 'BTC/USD:USD': 65_000 }, 'strategy');
    expect(state.get('last_price')).toMatchObject({ 'BTC/USD:USD': 65_000 });
    expect(heard).toEqual(['candles', 'levels', 'last_price']);
  });

  it('freezes plain data only: class instances (an Order, a Map, a Date) and the engine\'s live objects are left as they are', () => {
    const state = new StateStore({}, new VirtualClock());
    const when = new Date(0);
    const seen = new Map([['a', 1]]);
    state.set('mixed', { when, seen, list: [{ a: 1 }] }, 't');
    expect(Object.isFrozen(when)).toBe(false);
    seen.set('b', 2);
    expect(Object.isFrozen(state.get<{ list: { a: number }[] }>('mixed').list[0])).toBe(true);
    const live = { queue: [] as number[] };
    state.define('pending_orders', live);
    expect(Object.isFrozen(state.get('pending_orders'))).toBe(false);
  });

  it('a merge of one key into a big dict copies the dict once and does not walk the values it keeps', () => {
    const state = new StateStore({}, new VirtualClock());
    const windows: Record<string, number[][]> = {};
    for (let i = 0; i < 200; i++) windows[`S${i}`] = Array.from({ length: 100 }, (_, t) => [t, 1, 2, 0.5, 1.5, 10]);
    state.set('ohlcs', windows, 't');
    const isFrozen = vi.spyOn(Object, 'isFrozen');
    try {
      state.merge('ohlcs', { S0: [[100, 1, 2, 0.5, 1.5, 10]] }, 't');
      // The new dict, its new window and that window's row; each of the 199 kept windows is checked once.
      expect(isFrozen.mock.calls.length).toBeLessThan(210);
    } finally {
      isFrozen.mockRestore();
    }
    expect(state.get<Record<string, number[][]>>('ohlcs')['S1']).toBe(windows['S1']);
  });
});

describe('type: standard on an async function (review 26, seed F3)', () => {
  it('is refused before the call, so nothing it would do happens; a plain function answering a promise still fails after', async () => {
    const state = new StateStore({ a: 0 }, new VirtualClock());
    let placed = 0;
    const asyncFn = async (): Promise<number> => ++placed;
    await expect(runSubtask({ config: sub({ type: 'standard', targetAttr: 'a', method: 'place' }), fn: asyncFn }, state, 't')).rejects.toThrow("m.place is async: set 'type: async' on subtask_0");
    expect(placed).toBe(0);
    const promising = (): Promise<number> => Promise.resolve(++placed);
    await expect(runSubtask({ config: sub({ type: 'standard', targetAttr: 'a' }), fn: promising }, state, 't')).rejects.toThrow('returned a promise');
    expect([placed, state.get('a')]).toEqual([1, 0]);
  });
});
