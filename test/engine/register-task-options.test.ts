import { afterEach, describe, expect, it } from 'vitest';
import { StoppedError } from '../../src/core/errors.js';
import type { Updater } from '../../src/engine/updater.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// Review 25-B F11: `registerTask` took anything. A negative or NaN period made a hot loop (~570
// passes a second) reported healthy, '5' was coerced, a misspelt `freq` was ignored (the task ran
// once and stopped), and an empty name was accepted. A config's task gets all of these refused.

const CONFIG = {
  class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {} },
  exchange: { id: 'sim', stream: 'off' },
  tasks: { t_update_tickers: { name: 'update_tickers', freq: 10 } },
};

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

describe('registerTask checks its arguments as a config task is checked', () => {
  it('refuses a bad period, timeout, maximum age, option, name or kind with a TypeError or RangeError naming it, adding nothing', async () => {
    const { updater, clock } = await virtualUpdater(CONFIG);
    current = updater;
    const pass = async (): Promise<void> => undefined;
    const register = (name: unknown, options: unknown, kind: unknown = pass) => () =>
      updater.registerTask(name as string, kind as () => Promise<void>, options as { freqSecs: number });
    const refused: [unknown, unknown, typeof TypeError | typeof RangeError, RegExp][] = [
      ['t_a', { freqSecs: -1 }, RangeError, /registerTask\("t_a"\): freqSecs must be a number of seconds of at least 0\.1, or null .*, got -1$/],
      ['t_b', { freqSecs: NaN }, RangeError, /freqSecs must be .* got NaN$/],
      ['t_b', { freqSecs: Infinity }, RangeError, /freqSecs must be .* got Infinity$/],
      ['t_b', { freqSecs: 0 }, RangeError, /freqSecs must be .* at least 0\.1/],
      ['t_b', { freqSecs: 0.05 }, RangeError, /got 0\.05$/],
      ['t_c', { freqSecs: '5' }, TypeError, /freqSecs must be a number .* got "5"$/],
      ['t_f', { freq: 0.001 }, TypeError, /registerTask\("t_f"\): unknown option\(s\) freq; the options are freqSecs, timeoutSecs, maxAgeSecs, options \(freq: did you mean freqSecs\?\)/],
      ['t_f', { freqSecs: 5, timeout_secs: 3, color: 'red' }, TypeError, /unknown option\(s\) timeout_secs, color; .* \(timeout_secs: did you mean timeoutSecs\?\)$/],
      ['t_g', { freqSecs: 5, timeoutSecs: 0 }, RangeError, /timeoutSecs must be a number of seconds above 0, got 0$/],
      ['t_g', { freqSecs: 5, timeoutSecs: '30' }, TypeError, /timeoutSecs must be .* got "30"$/],
      ['t_g', { freqSecs: 5, maxAgeSecs: -3 }, RangeError, /maxAgeSecs must be .* got -3$/],
      ['t_g', { freqSecs: 5, options: [1] }, TypeError, /options\.options \(the kind's own options\) must be an object, got a list$/],
      ['t_g', 5, TypeError, /the options must be an object \{freqSecs\?, timeoutSecs\?, maxAgeSecs\?, options\?\}, got 5$/],
      ['t_g', null, TypeError, /the options must be an object/],
      ['', { freqSecs: 1 }, TypeError, /registerTask\(""\): a task name must be a non-blank string/],
      ['   ', { freqSecs: 1 }, TypeError, /a task name must be a non-blank string/],
      [42, { freqSecs: 1 }, TypeError, /registerTask\(42\): a task name must be a non-blank string/],
      ['update_tickers', { freqSecs: 1 }, TypeError, /a task named 'update_tickers' exists already/],
    ];
    for (const [name, options, type, message] of refused) {
      const call = register(name, options);
      expect(call, `${String(name)} ${JSON.stringify(options)}`).toThrow(type);
      expect(call).toThrow(message);
    }
    expect(register('t_k', { freqSecs: 1 }, 'not a kind')).toThrow(TypeError);
    // Nothing was added by a refused call: the names are free, the good forms are taken.
    const runs: Record<string, number> = { t_a: 0, t_b: 0, t_f: 0, t_null: 0 };
    const counting = (name: string) => async (): Promise<void> => void (runs[name]! += 1);
    updater.registerTask('t_a', counting('t_a'), { freqSecs: 0.1 });
    updater.registerTask('t_b', counting('t_b'), { freqSecs: 1, timeoutSecs: 5, maxAgeSecs: 10, options: {} });
    updater.registerTask('t_f', counting('t_f'));
    updater.registerTask('t_null', counting('t_null'), { freqSecs: null });
    expect(register('t_a', { freqSecs: 1 })).toThrow(/a task named 't_a' exists already/);
    await startVirtual(updater, clock);
    await clock.advance(3_000);
    // A period of 0.1 s is ten passes a second, not a spin; no period runs once.
    expect(runs['t_a']).toBeGreaterThanOrEqual(25);
    expect(runs['t_a']).toBeLessThanOrEqual(31);
    expect(runs['t_b']).toBeGreaterThanOrEqual(3);
    expect(runs['t_b']).toBeLessThanOrEqual(4);
    expect([runs['t_f'], runs['t_null']]).toEqual([1, 1]);
    expect(updater.taskStatuses()['t_b']).toMatchObject({ freqSecs: 1, ok: true });
    expect(register('t_late', { freqSecs: 1 })).toThrow(/registerTask\("t_late"\) must be called before start\(\)/);
    await updater.stop();
    expect(register('t_later', { freqSecs: 1 })).toThrow(StoppedError);
    expect(register('t_later', { freqSecs: 1 })).toThrow(/the updater was stopped; register tasks on a new Updater, before start\(\)/);
  });
});
