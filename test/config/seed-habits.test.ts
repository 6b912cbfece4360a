import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigText } from '../../src/config/load.js';
import { VirtualClock } from '../../src/core/clock.js';
import { configContext } from '../../src/engine/config-context.js';
import { taskKindTable } from '../../src/engine/task-kinds.js';
import { StateStore } from '../../src/state/state-store.js';
import { renderTemplate } from '../../src/tasks/template.js';

// Review 26 (seed) F10 and F11: a seed user's Python-side names got next steps that misled
// (`npm install threading`, "no file" for a .py that is there, "declare `self`"), two template
// tasks under one key got no way out, and `{x[0]}` was sent to Telegram as written.

const dir = mkdtempSync(join(tmpdir(), 'misso-seed-habits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function problems(text: string): Promise<[string, string, string | undefined][]> {
  const error = await loadConfigText(text, join(dir, 'c.yaml'), configContext(taskKindTable()), { baseDir: dir }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems.map((p) => [`${p.line} ${p.path}`, p.message, p.hint]);
}

describe("a seed user's Python habits in a config", () => {
  it('a .py helper, a Python module path and a Python module are named as Python, with no npm install', async () => {
    writeFileSync(join(dir, 'myhelp.py'), 'def f():\n    return 1\n');
    const found = await problems(
      [
        'class_attributes: {watch_list: ["BTC/USD:USD"], x: 0}',
        'shared_attributes:',
        '  lock: {modul: threading, function: Lock}',
        'tasks:',
        '  t_update_template:',
        '    freq: 5',
        '    subtasks:',
        '      s0: {type: async, modul: ./myhelp.py, method: f, input_args: [], target_attr: x}',
        '      s1: {type: async, modul: Misso.services.custom_helper, method: f, input_args: [], target_attr: x}',
        '',
      ].join('\n'),
    );
    expect(found.map(([at]) => at)).toEqual(['3 shared_attributes.lock.modul', '8 tasks.t_update_template.subtasks.s0.modul', '9 tasks.t_update_template.subtasks.s1.modul']);
    expect(found[0]?.[1]).toContain('`threading` is a Python module, not a package misso can load');
    expect(found[1]?.[1]).toContain('./myhelp.py is a Python module: misso loads JavaScript or TypeScript');
    expect(found[1]?.[2]).toBe('port the helper to ./myhelp.ts (or .js, .mjs), exporting the same function names');
    expect(found[2]?.[1]).toContain('`Misso.services.custom_helper` is a Python module');
    expect(found.map(([, m, h]) => `${m} ${h ?? ''}`).join('\n')).not.toContain('npm install');
  });

  it('pending_orders built from another module is told to be the order queue, and nothing else is said of its line', async () => {
    const found = await problems('shared_attributes:\n  pending_orders: {modul: multiprocessing, function: Queue}\ntasks: {t_update_tickers: {freq: 10}}\n');
    expect(found).toEqual([['2 shared_attributes.pending_orders.modul', '`pending_orders` is the order queue, which misso builds', 'write `pending_orders: {modul: queue, function: Queue}`']]);
  });

  it('a second task under the same key is told how to write two tasks of one kind', async () => {
    const found = await problems('tasks:\n  t_update_tickers: {freq: 10}\n  t_update_tickers: {freq: 20}\n');
    expect(found).toEqual([['3 tasks.t_update_tickers', 'YAML: map keys must be unique', 'two tasks of one kind: give this one a key of its own and `kind: t_update_tickers`']]);
  });

  it('{self.x} and {x[0]} in a message are refused with the form misso reads, which renders the item', async () => {
    const found = await problems(
      'class_attributes: {total_capital: 0, unit_value_factors: [3, 4]}\ntasks:\n  t_system_status: {freq: 60, message: "cap {self.total_capital} max {unit_value_factors[1]}"}\n',
    );
    expect(found).toEqual([
      ['3 tasks.t_system_status.message', 'placeholder `{self.total_capital}` names an attribute with `self.`', 'write `{total_capital}`, without `self.`'],
      ['3 tasks.t_system_status.message', '`{unit_value_factors[1]}` is no placeholder misso reads: it would be sent as written', 'write `{unit_value_factors.1}` for item 1 of a list'],
    ]);
    const state = new StateStore({ total_capital: 10, unit_value_factors: [3, 4.5] }, new VirtualClock());
    expect(renderTemplate('cap {total_capital} max {unit_value_factors.1}', state)).toBe('cap 10 max 4.50');
  });
});
