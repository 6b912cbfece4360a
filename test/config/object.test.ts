import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigObject } from '../../src/config/load.js';
import { FIXTURES, testContext } from './context.js';

describe('loadConfigObject', () => {
  it('validates and normalises an object in the YAML shape, None strings included', async () => {
    const input = {
      class_attributes: { watch_list: 'None', ohlcs: {} },
      tasks: {
        t_update_template: {
          freq: 60,
          subtasks: {
            subtask_0: { type: 'async', modul: './user-helper.mjs', method: 'double_it', input_args: ['self.watch_list', 2], target_attr: 'ohlcs' },
          },
        },
      },
    };
    const cfg = await loadConfigObject(input, testContext(), { baseDir: FIXTURES });
    expect(cfg.file).toBeNull();
    expect(cfg.baseDir).toBe(FIXTURES);
    expect(cfg.classAttributes['watch_list']).toBeNull();
    expect(cfg.tasks[0]?.subtasks[0]).toMatchObject({ modul: './user-helper.mjs', inputArgs: ['self.watch_list', 2] });
    expect(cfg.tasks[0]?.pos).toBeUndefined();
    expect(Object.isFrozen(cfg.classAttributes['ohlcs'])).toBe(true);
    expect(Object.isFrozen(input.class_attributes.ohlcs)).toBe(false);
    expect(input.class_attributes.watch_list).toBe('None');
  });

  it('names the path of each problem without line numbers', async () => {
    const error = await loadConfigObject({ tasks: { t_update_tickers: { freq: 'x' } }, loging: {} }, testContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.split('\n')).toEqual([
      '<config object>: loging: unknown key `loging` — did you mean `logging`?',
      '<config object>: tasks.t_update_tickers.freq: expected a number, got "x"',
      '2 problems: fix the entries above in the config object and try again',
    ]);
  });

  it('refuses a function, and a value that contains itself, at their paths (not a DOMException or a stack overflow)', async () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop['self'] = loop;
    const error = await loadConfigObject({ class_attributes: { make: () => 1, loop }, tasks: {} }, testContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.split('\n')).toEqual([
      '<config object>: class_attributes.loop.self: this value contains itself (a circular reference); a config is a tree',
      '<config object>: class_attributes.make: a function is not config data; give the updater such values in code once it is built (updater.state.set)',
      '2 problems: fix the entries above in the config object and try again',
    ]);
    // The same object twice (not inside itself) is a tree's two leaves, not a cycle.
    const shared = { x: 1 };
    await expect(loadConfigObject({ class_attributes: { a: shared, b: shared }, tasks: {} }, testContext())).resolves.toBeDefined();
  });

  it('needs a tasks section', async () => {
    const error = (await loadConfigObject({}, testContext()).catch((e: unknown) => e)) as ConfigError;
    expect(error.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(['tasks: missing: this key is required']);
  });
});
