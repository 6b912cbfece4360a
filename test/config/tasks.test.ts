import { describe, expect, it } from 'vitest';
import { loadConfigFile, loadConfigText } from '../../src/config/load.js';
import { summarizeConfig } from '../../src/config/summary.js';
import { FIXTURES, testContext } from './context.js';
import { INLINE, fixture, lines, problemsOf, where } from './problems.js';

describe('task keys and kinds', () => {
  it('runs a kind more than once under free names, and loads a user task kind', async () => {
    const cfg = await loadConfigFile(fixture('user-kind.yaml'), testContext());
    expect(cfg.baseDir).toBe(FIXTURES);
    expect(cfg.tasks.map((t) => [t.key, t.kind, t.name, t.freqSecs])).toEqual([
      ['candles_5m', 't_update_template', 'candles_5m', 30],
      ['candles_1h', 't_update_template', 'candles_1h', 300],
      ['my_task', './my-tasks.ts#t_my_task', 'my_task', 15],
      ['t_system_status', 't_system_status', 't_system_status', 60],
    ]);
    expect(cfg.tasks[1]).toMatchObject({ timeoutSecs: 20, maxAgeSecs: 900 });
    expect(cfg.tasks[0]?.subtasks[0]?.inputArgs).toEqual(['self.aftx', 'self.watch_list', '5m', 200]);
    expect(cfg.tasks[0]?.subtasks[0]).toMatchObject({ targetSaveUpdate: false, returnValue: false });
    expect(cfg.tasks[2]?.options).toEqual({ threshold: 0.5, symbols: ['BTC/USD:USD'] });
    expect(cfg.tasks[3]?.options).toEqual({ message: 'capital {total_capital}' });
    expect(summarizeConfig(cfg)).toMatch(/^ {2}my_task +\.\/my-tasks\.ts#t_my_task +every 15s$/m);
  });

  it('reports a user task kind that its file does not export', async () => {
    const problems = await problemsOf(lines('tasks:', '  mine:', '    kind: ./my-tasks.ts#t_not_there'));
    expect(where(problems)).toEqual(['3:11 tasks.mine.kind']);
    expect(problems[0]?.message).toMatch(/^cannot load task kind `\.\/my-tasks\.ts#t_not_there`: .*no export t_not_there/);
  });

  it('reports a user task kind without its export name', async () => {
    const problems = await problemsOf(lines('tasks:', '  mine:', '    kind: ./my-tasks.ts'));
    expect(problems[0]?.message).toBe('`./my-tasks.ts` is not a task kind');
    expect(problems[0]?.hint).toBe('a user task kind is written `./file.ts#t_name`');
  });

  it('refuses two tasks with the same name', async () => {
    const problems = await problemsOf(lines('tasks:', '  t_update_tickers:', '    name: prices', '  t_update_balance:', '    name: prices'));
    expect(where(problems)).toEqual(['5:11 tasks.t_update_balance.name']);
    expect(problems[0]?.message).toBe('task name `prices` is already used by tasks.t_update_tickers');
  });

  it('refuses a blank task key or name, which status and notifications could not show', async () => {
    const problems = await problemsOf(lines('tasks:', '  "":', '    kind: t_update_tickers', '  " ":', '    kind: t_update_balance', '  t_get_open_positions:', '    name: "  "'));
    expect(problems.map((p) => `${p.line}:${p.col} ${p.message}`)).toEqual([
      '2:3 a task key may not be empty or blank',
      '4:3 a task key may not be empty or blank',
      '7:11 a task name may not be blank',
    ]);
  });

  it('refuses a watch_list that is not a list of symbols, which every market-data task read as none and reported ok', async () => {
    const text = await problemsOf(lines('class_attributes:', '  watch_list: BTC/USD:USD', 'tasks:', '  t_update_tickers: {freq: 1}'));
    expect(text.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message} — ${p.hint}`)).toEqual([
      '2:15 class_attributes.watch_list: expected a list of symbols (or None), got "BTC/USD:USD" — write it as a list: `watch_list: ["BTC/USD:USD"]`',
    ]);
    const item = await problemsOf(lines('class_attributes:', '  watch_list: ["BTC/USD:USD", 5]', 'tasks:', '  t_update_tickers: {freq: 1}'));
    expect(where(item)).toEqual(['2:31 class_attributes.watch_list[1]']);
    // None, a list and a map keyed by symbols stay valid.
    for (const ok of ['None', '["BTC/USD:USD"]', '{BTC/USD:USD: 1}']) {
      await loadConfigText(lines('class_attributes:', `  watch_list: ${ok}`, 'tasks:', '  t_update_tickers: {freq: 1}'), INLINE, testContext(), { baseDir: FIXTURES });
    }
  });

  it('refuses a second init task', async () => {
    const sub = '      s: {type: async, modul: Misso.services.async_helper, method: get_total_balance, input_args: [self.aftx], target_attr: total_capital}';
    const problems = await problemsOf(lines('tasks:', '  t_init_update:', '    subtasks:', sub, '  init_again:', '    kind: t_init_update', '    subtasks:', sub));
    expect(where(problems)).toEqual(['5:3 tasks.init_again']);
  });

  // The seed's template and init tasks are nothing but their subtasks: without any, the task
  // would be listed `every 5s`, report ok every pass, and do nothing.
  it('refuses a task that runs only subtasks and has none, naming the task', async () => {
    const problems = await problemsOf(
      lines('tasks:', '  t_update_template: {freq: 5}', '  spreads:', '    kind: t_update_template', '    subtasks: {}', '  t_init_update:', '    subtasks: None'),
    );
    expect(where(problems)).toEqual(['2:3 tasks.t_update_template', '5:15 tasks.spreads.subtasks', '7:15 tasks.t_init_update.subtasks']);
    expect(problems[0]?.message).toBe('task `t_update_template` (t_update_template) has no subtasks: it runs only its subtasks, so it would do nothing');
    expect(problems[1]?.message).toContain('task `spreads` (t_update_template) has no subtasks');
    expect(problems[0]?.hint).toMatch(/^add subtasks .*, or remove the task$/);
  });

  it('accepts a task of another kind without subtasks', async () => {
    await loadConfigText(lines('tasks:', '  t_update_tickers: {freq: 5}', '  t_shutdown: {}', '  t_system_status: {freq: 60}'), INLINE, testContext(), { baseDir: FIXTURES });
  });

  it('takes an empty task entry as all defaults', async () => {
    const cfg = await loadConfigText(lines('tasks:', '  t_shutdown:'), INLINE, testContext());
    expect(cfg.tasks[0]).toMatchObject({ key: 't_shutdown', kind: 't_shutdown', name: 't_shutdown', freqSecs: null, subtasks: [], options: {} });
    expect(cfg.tasks[0]?.pos).toEqual({ file: INLINE, line: 2, col: 3 });
  });

  it('checks kind-specific keys strictly when the context knows them', async () => {
    const ctx = testContext({ taskOptionKeys: (kind) => (kind === 't_system_status' ? new Set(['message']) : undefined) });
    const problems = await problemsOf(lines('tasks:', '  t_system_status:', '    freq: 60', '    mesage: hi', '    colour: red'), ctx);
    expect(where(problems)).toEqual(['4:5 tasks.t_system_status.mesage', '5:5 tasks.t_system_status.colour']);
    expect(problems[0]?.hint).toBe('did you mean `message`?');
    expect(problems[1]?.hint).toMatch(/^allowed here: kind, name, freq.*, message$/);
    const ok = await loadConfigText(lines('tasks:', '  t_system_status:', '    message: hi', '  t_update_tickers:', '    colour: red'), INLINE, ctx);
    expect(ok.tasks[1]?.options).toEqual({ colour: 'red' });
  });
});
