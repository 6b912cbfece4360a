import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError, Updater, type MissoConfigInput } from '../../src/index.js';
import { silentLogger } from '../../src/core/logger.js';

// The type half is checked by `tsc --noEmit -p .` (test/ is in the project): an `unknown`
// parameter would make every @ts-expect-error below unused, which tsc reports as an error.
describe('Updater.fromConfig takes a typed config', () => {
  it('is typed by the schema: sections, words and numbers are checked at compile time', () => {
    expectTypeOf(Updater.fromConfig).parameter(0).toEqualTypeOf<MissoConfigInput>();
    expectTypeOf<MissoConfigInput>().not.toBeUnknown();
    expectTypeOf<{ tasks: { t_update_tickers: { freq: 5 } } }>().toExtend<MissoConfigInput>();
    expectTypeOf<{ 'x-defaults': { freq: 5 }; tasks: Record<string, null>; exchange: { id: 'sim'; seed: 7 } }>().toExtend<MissoConfigInput>();
    const wrong: MissoConfigInput[] = [
      // @ts-expect-error a misspelt section
      { taks: {} },
      // @ts-expect-error the tasks section is required
      { exchange: { id: 'sim' } },
      // @ts-expect-error on_stop is 'leave' or 'cancel_all'
      { orders: { on_stop: 'cancel' }, tasks: {} },
      // @ts-expect-error a freq is a number of seconds
      { tasks: { t_update_tickers: { freq: 'fast' } } },
      // @ts-expect-error a subtask's type is async or standard
      { tasks: { t: { subtasks: { s: { type: 'sync', modul: './m.js', method: 'f' } } } } },
    ];
    expect(wrong).toHaveLength(5);
  });

  it("still refuses a JavaScript caller's wrong config at run time, with the same messages", async () => {
    const untyped: unknown = { tasks: { t_update_tickers: { freq: 'x' } }, loging: {} };
    const error = await Updater.fromConfig(untyped as MissoConfigInput, { logger: silentLogger(), storagePath: ':memory:' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.split('\n')).toEqual([
      '<config object>: loging: unknown key `loging` — did you mean `logging`?',
      '<config object>: tasks.t_update_tickers.freq: expected a number, got "x"',
      '2 problems: fix the entries above in the config object and try again',
    ]);
  });
});
