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

  it('needs a tasks section', async () => {
    const error = (await loadConfigObject({}, testContext()).catch((e: unknown) => e)) as ConfigError;
    expect(error.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(['tasks: missing: this key is required']);
  });
});
