import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import type { Updater } from '../../src/engine/updater.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-user-kind-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(
  join(dir, 'kinds.mjs'),
  `export const t_with_options = { mode: 'periodic', options: ['symbol'], run: async () => {} };
export const t_feeds_throw = {
  mode: 'periodic',
  feeds: (config) => { throw new Error('no symbol given: ' + String(config.options.symbol)); },
  run: async () => {},
};
export class t_a_class { run() {} }
`,
);

/** Writes `yaml` as a config file of its own in the kinds' folder; returns its path. */
function configFile(name: string, yaml: string): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

describe("a user task kind used wrongly is a config problem at its line", () => {
  it('an option the kind does not list: unknown key at its line, with the near one', async () => {
    const file = configFile('options.yaml', 'tasks:\n  mine:\n    kind: ./kinds.mjs#t_with_options\n    freq: 5\n    symbl: BTC/USD:USD\n');
    const error = await virtualUpdater(null, { file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.split('\n')[0]).toBe(`${file}:5:5: tasks.mine.symbl: unknown key \`symbl\` — did you mean \`symbol\`?`);
  });

  it('the options it lists pass', async () => {
    const file = configFile('options-ok.yaml', 'tasks:\n  mine:\n    kind: ./kinds.mjs#t_with_options\n    freq: 5\n    symbol: BTC/USD:USD\n');
    const { updater } = await virtualUpdater(null, { file });
    current = updater;
    expect(updater.config.tasks[0]?.options).toEqual({ symbol: 'BTC/USD:USD' });
  });

  it('a kind that throws while the task is built (its feeds()): start() fails with a ConfigError at the task, not an internal error', async () => {
    const file = configFile('feeds.yaml', 'class_attributes:\n  watch_list: [BTC/USD:USD]\ntasks:\n  t_update_tickers: {freq: 5}\n  mine:\n    kind: ./kinds.mjs#t_feeds_throw\n    freq: 5\n');
    const { updater, clock } = await virtualUpdater(null, { file });
    current = updater;
    const error = await startVirtual(updater, clock).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as ConfigError).message.split('\n')).toEqual([
      `${file}:5:3: tasks.mine: task kind \`./kinds.mjs#t_feeds_throw\` threw while the task was built (its feeds(), which reads the task's options): no symbol given: undefined`,
      "1 problem: fix the task above, its options or its kind's code, and start again",
    ]);
    expect(updater.phase).toBe('faulted');
  });

  it('a kind that is no task kind, or no export at all: at the kind line', async () => {
    const file = configFile('kinds.yaml', 'tasks:\n  a:\n    kind: ./kinds.mjs#t_a_class\n  b:\n    kind: ./kinds.mjs#t_missing\n');
    const error = await virtualUpdater(null, { file }).catch((e: unknown) => e);
    expect((error as ConfigError).message.split('\n').slice(0, 2)).toEqual([
      `${file}:3:11: tasks.a.kind: cannot load task kind \`./kinds.mjs#t_a_class\`: ./kinds.mjs#t_a_class: a class is not a task kind; export an async function (one pass) or an object with mode and run()`,
      `${file}:5:11: tasks.b.kind: cannot load task kind \`./kinds.mjs#t_missing\`: ./kinds.mjs has no export 't_missing'`,
    ]);
  });
});
