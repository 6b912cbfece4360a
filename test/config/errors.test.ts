import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigFile, loadConfigText } from '../../src/config/load.js';
import { UserError } from '../../src/core/errors.js';
import { FIXTURES, testContext } from './context.js';
import { bracedTextHint } from '../../src/config/yaml-syntax.js';
import { BASE, INLINE, broken, fixture, lines, problemsOf, where } from './problems.js';

const SUB = 'tasks.t_update_template.subtasks.subtask_0';

describe('a valid base', () => {
  it('loads, so every failure below is caused by the one line broken', async () => {
    const cfg = await loadConfigText(BASE, INLINE, testContext(), { baseDir: FIXTURES });
    expect(cfg.tasks.map((t) => t.name)).toEqual(['update_ohlcv']);
  });
});

describe('YAML syntax', () => {
  it('reports an unclosed flow sequence at its position, with no path', async () => {
    const problems = await problemsOf(lines('tasks:', '  t_shutdown:', '    input_args: [1, 2', 'x: 1'));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.path).toBe('');
    expect(problems[0]?.message).toMatch(/^YAML: /);
    expect(problems[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it('reports the first syntax error only, with how many followed, and says to quote an unquoted ${VAR} inside {…}', async () => {
    // The parser loses its way at `${`: every later token of the file was an error of its own (32 lines).
    const problems = await problemsOf(
      lines('notify:', '  telegram: {token: ${TELEGRAM_TOKEN}, chat_id: 1}', 'class_attributes:', '  watch_list: None', 'tasks:', '  t_update_tickers: {freq: 10}'),
    );
    expect(problems).toHaveLength(1);
    expect(where(problems)).toEqual(['2:22 ']);
    expect(problems[0]?.message).toMatch(/^YAML: .+ \(\d+ more YAML errors after it, most likely caused by this one\)$/);
    expect(problems[0]?.hint).toBe('a value starting with `{` or `${` opens a map in YAML; quote it: `token: "${TELEGRAM_TOKEN}"`');
  });

  it('says to quote a message that starts with a {placeholder}', async () => {
    const problems = await problemsOf(lines('class_attributes: {total_capital: 0}', 'tasks:', '  t_system_status:', '    message: {total_capital} USD  # the summary', '    freq: 60'));
    expect(problems).toHaveLength(1);
    expect(where(problems)).toEqual(['4:30 ']);
    expect(problems[0]?.message).toMatch(/^YAML: [^(]+$/);
    expect(problems[0]?.hint).toBe('a value starting with `{` or `${` opens a map in YAML; quote it: `message: "{total_capital} USD"`');
    // Written alone, `{total_capital}` is valid YAML, a map: the type error says what the quotes would change.
    const alone = await problemsOf(
      lines('class_attributes: {total_capital: 0}', 'tasks:', '  t_system_status:', '    message: {total_capital}', '    freq: 60'),
      testContext({ taskOptionTypes: (kind) => (kind === 't_system_status' ? { message: 'string' } : undefined) }),
    );
    expect(alone[0]).toMatchObject({ path: 'tasks.t_system_status.message', message: 'expected a non-empty string, got a map' });
    expect(alone[0]?.hint).toBe('a value starting with `{` opens a map in YAML; quote it to write text: `"{total_capital}"`');
    const name = await problemsOf(lines('tasks:', '  t_update_tickers: {name: {tickers}}'));
    expect(name[0]).toMatchObject({ path: 'tasks.t_update_tickers.name', message: 'expected a string, got a map', hint: 'a value starting with `{` opens a map in YAML; quote it to write text: `"{tickers}"`' });
  });

  it('never quotes a credential back in the hint (only a ${VAR} reference, which names no secret)', async () => {
    const SECRET = 'Sup3rS3cretValue42';
    const broken = await problemsOf(lines('exchange:', `  secret: {${SECRET}}xyz`, 'tasks:', '  t_update_tickers: {freq: 10}'));
    expect(broken).toHaveLength(1);
    expect(broken[0]?.hint).toBe('a value starting with `{` or `${` opens a map in YAML; quote it');
    const asMap = await problemsOf(lines('exchange:', `  secret: {${SECRET}}`, 'tasks:', '  t_update_tickers: {freq: 10}'));
    expect(asMap.map((p) => p.path)).toEqual(['exchange.secret']);
    // In a section that may hold secrets, the type error's hint says to quote without quoting.
    expect(bracedTextHint({ [SECRET]: null }, true)).toBe('a value starting with `{` opens a map in YAML; quote the text to write it as text');
    expect(bracedTextHint({ [SECRET]: null })).toContain(SECRET);
    for (const p of [...broken, ...asMap]) expect(JSON.stringify(p)).not.toContain(SECRET);
    const reference = await problemsOf(lines('exchange: {id: sim, secret: ${MY_SECRET}, apiKey: x}', 'tasks:', '  t_update_tickers: {freq: 10}'));
    expect(reference[0]?.hint).toContain('`secret: "${MY_SECRET}"`');
  });

  it('gives no quoting hint for a syntax error elsewhere, nor for a map meant as one', async () => {
    const unclosed = await problemsOf(lines('tasks:', '  t_shutdown:', '    input_args: [1, 2', 'x: 1'));
    expect(unclosed[0]?.hint).toBeUndefined();
    const comma = await problemsOf(lines('notify:', '  telegram: {token: "x" chat_id: 1}', 'tasks:', '  t_update_tickers: {freq: 10}'));
    expect(comma).toHaveLength(1);
    expect(comma[0]?.hint).toBeUndefined();
  });

  it('reports a duplicated key at the second occurrence', async () => {
    const problems = await problemsOf(lines('tasks:', '  t_update_tickers:', '    freq: 10', '  t_update_tickers:', '    freq: 20'));
    expect(where(problems)).toEqual(['4:3 tasks.t_update_tickers']);
    expect(problems[0]?.message).toMatch(/unique/);
  });

  it('says what to do with an empty file', async () => {
    const problems = await problemsOf('# nothing yet\n');
    expect(problems).toEqual([
      { file: INLINE, line: 1, col: 1, path: '', message: 'the config is empty', hint: 'a config needs at least a `tasks:` section' },
    ]);
  });
});

describe('unknown keys', () => {
  it('points at a mistyped subtask key and suggests the right one', async () => {
    const problems = await problemsOf(broken('        target_attr: ohlcs', '        targt_attr: ohlcs'));
    expect(where(problems)).toEqual([`19:9 ${SUB}.targt_attr`]);
    expect(problems[0]?.message).toBe('unknown key `targt_attr`');
    expect(problems[0]?.hint).toBe('did you mean `target_attr`?');
  });

  it('a subtask without target_attr is refused with the way to drop a result on purpose; None is accepted (review 26, seed F2)', async () => {
    const problems = await problemsOf(broken('        target_attr: ohlcs\n        target_save_update: False\n', ''));
    expect(problems.map((p) => [p.path, p.message, p.hint])).toEqual([
      [`${SUB}.target_attr`, 'missing: this key is required', 'the attribute the result is stored in (`ohlcs`), or `None` to drop the result on purpose'],
    ]);
    const dropped = await loadConfigText(broken('        target_attr: ohlcs\n        target_save_update: False\n', '        target_attr: None\n'), INLINE, testContext(), { baseDir: FIXTURES });
    expect(dropped.tasks[0]?.subtasks[0]?.targetAttr).toBeNull();
  });

  it('catches a mistyped top-level section', async () => {
    const problems = await problemsOf(`${BASE}exchnage:\n  id: sim\n`);
    expect(where(problems)).toEqual(['22:1 exchnage']);
    expect(problems[0]?.hint).toBe('did you mean `exchange`?');
  });

  it('catches unknown keys inside the new sections', async () => {
    const problems = await problemsOf(`${BASE}logging:\n  levle: debug\norders:\n  on_stop: leave\n  cancel: 1\n`);
    expect(where(problems)).toEqual(['23:3 logging.levle', '26:3 orders.cancel']);
    expect(problems[0]?.hint).toBe('did you mean `level`?');
    expect(problems[1]?.hint).toMatch(/^allowed here: on_stop, unknown_orders/);
  });

  it('catches a near-miss of a common task key, which would otherwise become an option', async () => {
    const problems = await problemsOf(broken('    freq: 60', '    freqq: 60'));
    expect(where(problems)).toEqual(['8:5 tasks.t_update_template.freqq']);
    expect(problems[0]?.hint).toBe('did you mean `freq`?');
  });
});

describe('task kinds', () => {
  it('rejects a task key that is no kind, suggesting the closest', async () => {
    const problems = await problemsOf(lines('tasks:', '  t_get_open_position:', '    freq: 30'));
    expect(where(problems)).toEqual(['2:3 tasks.t_get_open_position']);
    expect(problems[0]?.message).toBe('unknown task kind `t_get_open_position`');
    expect(problems[0]?.hint).toBe('did you mean `t_get_open_positions`?');
  });

  it('explains `kind:` when a free-form key is not a kind', async () => {
    const problems = await problemsOf(lines('tasks:', '  my_candles:', '    freq: 30'));
    expect(problems[0]?.hint).toMatch(/add `kind: <a known kind>`/);
  });

  it('points at a mistyped `kind:` value', async () => {
    const problems = await problemsOf(lines('tasks:', '  candles_5m:', '    kind: t_update_templat', '    freq: 30'));
    expect(where(problems)).toEqual(['3:11 tasks.candles_5m.kind']);
    expect(problems[0]?.hint).toBe('did you mean `t_update_template`?');
  });
});

describe('modules and methods', () => {
  it('reports a modul that cannot be loaded, with the built-in name it was probably meant to be', async () => {
    const problems = await problemsOf(broken('modul: Misso.services.async_helper', 'modul: Misso.services.asynchelper'));
    expect(where(problems)).toEqual([`12:16 ${SUB}.modul`]);
    expect(problems[0]?.message).toMatch(/^cannot load module `Misso.services.asynchelper`: /);
    expect(problems[0]?.hint).toBe('did you mean `Misso.services.async_helper`?');
  });

  it('reports a missing relative module file and one that throws while loading', async () => {
    const missing = await problemsOf(broken('modul: Misso.services.async_helper', 'modul: ./no-such-helper.mjs'));
    expect(where(missing)).toEqual([`12:16 ${SUB}.modul`]);
    expect(missing[0]?.message).toMatch(/no file/);
    const throwing = await problemsOf(broken('modul: Misso.services.async_helper', 'modul: ./broken-module.mjs'));
    expect(throwing[0]?.message).toMatch(/broken at import/);
  });

  it('reports a method the module does not export, with a did-you-mean', async () => {
    const problems = await problemsOf(broken('method: get_ohlcv_data', 'method: get_ohlc_data'));
    expect(where(problems)).toEqual([`13:17 ${SUB}.method`]);
    expect(problems[0]?.message).toBe('module `Misso.services.async_helper` has no export `get_ohlc_data`');
    expect(problems[0]?.hint).toBe('did you mean `get_ohlcv_data`?');
  });

  it('reports an export that is not a function', async () => {
    const problems = await problemsOf(broken('method: get_ohlcv_data', 'method: DEFAULT_TIMEFRAME'));
    expect(problems[0]?.message).toBe('`Misso.services.async_helper.DEFAULT_TIMEFRAME` is not a function (it is a string)');
  });

  it('checks shared_attributes builders the same way, but knows the seed\'s queue.Queue', async () => {
    const ok = await loadConfigText(
      `${BASE}shared_attributes:\n  pending_orders: {modul: queue, function: Queue}\n  doubler: {modul: ./user-helper.mjs, function: double_it}\n`,
      INLINE,
      testContext(),
      { baseDir: FIXTURES },
    );
    expect(Object.keys(ok.sharedAttributes)).toEqual(['pending_orders', 'doubler']);
    const problems = await problemsOf(`${BASE}shared_attributes:\n  doubler: {modul: ./user-helper.mjs, function: double}\n`);
    expect(where(problems)).toEqual(['23:49 shared_attributes.doubler.function']);
    expect(problems[0]?.hint).toBe('did you mean `double_it`?');
  });
});

describe('self. references', () => {
  it('rejects an attribute that is neither declared nor built in, suggesting a declared one', async () => {
    const problems = await problemsOf(broken('- self.watch_list', '- self.watchlist'));
    expect(where(problems)).toEqual([`16:13 ${SUB}.input_args[1]`]);
    expect(problems[0]?.message).toBe('`self.watchlist` is neither in class_attributes nor a built-in attribute');
    expect(problems[0]?.hint).toBe('did you mean `watch_list`?');
  });

  it('suggests declaring an attribute that resembles nothing', async () => {
    const problems = await problemsOf(broken('- self.watch_list', '- self.zzz_unrelated'));
    expect(problems[0]?.hint).toBe('declare `zzz_unrelated` under class_attributes');
  });

  it('checks only the first segment of self.a.b, and accepts built-ins and targets of other subtasks', async () => {
    const text = broken('- self.watch_list', '- self.ohlcs.BTC/USD:USD').replace(
      '- self.aftx',
      '- self.aftx\n          - self.pending_orders\n          - self.first_update\n          - self.made_by_later_task',
    );
    const withTarget = `${text}  t_init_update:\n    subtasks:\n      s:\n        type: standard\n        modul: Misso.services.helper\n        method: parse_is_open_orders\n        target_attr: made_by_later_task\n`;
    const cfg = await loadConfigText(withTarget, INLINE, testContext(), { baseDir: FIXTURES });
    expect(cfg.tasks[0]?.subtasks[0]?.inputArgs).toContain('self.ohlcs.BTC/USD:USD');
  });

  it('checks a task\'s out and rejects malformed references', async () => {
    const problems = await problemsOf(
      lines('class_attributes:', '  last_price: {}', 'tasks:', '  t_update_tickers:', '    freq: 10', '    out: self.last_pric', '    input_args: [self.]'),
    );
    expect(where(problems)).toEqual(['6:10 tasks.t_update_tickers.out', '7:18 tasks.t_update_tickers.input_args[0]']);
    expect(problems[0]?.hint).toBe('did you mean `last_price`?');
    expect(problems[1]?.message).toBe('`self.` is not a valid reference');
  });

  it('wants target_attr without self.', async () => {
    const problems = await problemsOf(broken('target_attr: ohlcs', 'target_attr: self.ohlcs'));
    expect(where(problems)).toEqual([`19:22 ${SUB}.target_attr`]);
    expect(problems[0]?.hint).toBe('write `ohlcs`, without `self.`');
  });
});

describe('wrong types', () => {
  it('names what was expected and what the file has', async () => {
    const problems = await problemsOf(broken('freq: 60', 'freq: sixty'));
    expect(where(problems)).toEqual(['8:11 tasks.t_update_template.freq']);
    expect(problems[0]?.message).toBe('expected a number, got "sixty"');
  });

  it('says null for a YAML null, and None only where the file says None', async () => {
    for (const [written, shown] of [['null', 'null'], ['~', 'null'], ['', 'null'], ['None', 'None']] as const) {
      const problems = await problemsOf(broken('type: async', `type: ${written}`));
      expect(where(problems)).toEqual([`11:${written === '' ? 9 : 15} ${SUB}.type`]);
      expect(problems[0]?.message).toBe(`expected one of \`async\`, \`standard\`, got ${shown}`);
    }
  });

  it("names YAML's binary and timestamp values for what they are, not as maps", async () => {
    const problems = await problemsOf(lines('class_attributes: !!binary aGVsbG8=', 'tasks: {}'));
    expect(problems[0]?.message).toBe('expected a map, got binary data');
    const dated = await problemsOf(lines('class_attributes: {x: 1}', 'tasks:', '  t_update_tickers: {freq: !!timestamp 2026-11-28}'));
    expect(dated[0]?.message).toBe('expected a number, got a date');
  });

  it('hints at quotes around a number', async () => {
    const problems = await problemsOf(broken('freq: 60', 'freq: "60"'));
    expect(problems[0]?.hint).toBe('write the number without quotes');
  });

  it('gives a period written with a unit in the key\'s own unit: seconds for freq and *_secs, milliseconds for *_ms', async () => {
    for (const [written, hint] of [
      ['"10s"', 'freq is in seconds: write 10'],
      ['1m', 'freq is in seconds: write 60'],
      ['1.5 min', 'freq is in seconds: write 90'],
      ['500ms', 'freq is in seconds: write 0.5'],
      ['2h', 'freq is in seconds: write 7200'],
    ]) {
      const problems = await problemsOf(broken('freq: 60', `freq: ${written}`));
      expect(problems[0]).toMatchObject({ path: 'tasks.t_update_template.freq', message: expect.stringMatching(/^expected a number, got "/), hint });
    }
    const other = await problemsOf(lines('exchange: {id: sim, timeout_ms: 5s}', 'tasks:', '  t_update_tickers: {freq: 10, max_age_secs: 2m}'));
    expect(other.map((p) => [p.path, p.hint])).toEqual([
      ['exchange.timeout_ms', 'timeout_ms is in milliseconds: write 5000'],
      ['tasks.t_update_tickers.max_age_secs', 'max_age_secs is in seconds: write 120'],
    ]);
    // A word that is no unit gets no guess.
    expect((await problemsOf(broken('freq: 60', 'freq: 10x')))[0]?.hint).toBeUndefined();
  });

  it('rejects a zero, negative or sub-0.1 s period', async () => {
    for (const freq of ['0', '-5', '0.0001']) {
      const problems = await problemsOf(broken('freq: 60', `freq: ${freq}`));
      expect(problems[0]?.message).toBe('must be at least 0.1');
    }
  });

  it('says a required enum key is missing rather than "got undefined"', async () => {
    const problems = await problemsOf(broken('        type: async\n', ''));
    const missing = problems.find((p) => p.path === `${SUB}.type`);
    expect(missing?.message).toBe('missing: this key is required');
    expect(missing?.hint).toBe('`async` awaits the method, `standard` is a plain call');
  });

  it('tells a required key written misspelt once, at the misspelt key', async () => {
    const problems = await problemsOf(broken('type: async', 'typ: async'));
    expect(problems.map((p) => [p.path, p.message, p.hint])).toEqual([[`${SUB}.typ`, 'unknown key `typ`', 'did you mean `type`?']]);
  });

  it('refuses type: standard on an async method, which a plain call would run without waiting (review 26, seed F3)', async () => {
    const problems = await problemsOf(broken('type: async', 'type: standard'));
    expect(where(problems)).toEqual([`11:15 ${SUB}.type`]);
    expect(problems[0]?.message).toBe('`Misso.services.async_helper.get_ohlcv_data` is async: `type: standard` would call it without waiting for it');
    expect(problems[0]?.hint).toBe('set `type: async`');
  });

  it('lists enum values and suggests the closest', async () => {
    const problems = await problemsOf(broken('type: async', 'type: asnyc'));
    expect(where(problems)).toEqual([`11:15 ${SUB}.type`]);
    expect(problems[0]?.message).toBe('expected one of `async`, `standard`, got "asnyc"');
    expect(problems[0]?.hint).toBe('did you mean `async`?');
  });

  it('quotes a wrong enum value in every section (exchange too) and gives the next step', async () => {
    const problems = await problemsOf(`${BASE}exchange:\n  stream: yes\norders:\n  on_stop: yes\n`);
    expect(where(problems)).toEqual(['23:11 exchange.stream', '25:12 orders.on_stop']);
    expect(problems.map((p) => p.message)).toEqual(['expected one of `auto`, `on`, `off`, got "yes"', 'expected one of `leave`, `cancel_all`, got "yes"']);
    expect(problems[0]?.hint).toBe('`auto` (the default) streams what the exchange can and polls the rest, `on` insists on streaming, `off` polls everything');
    expect(problems[1]?.hint).toBe('`leave` (the default) keeps open orders at stop, `cancel_all` cancels them');
  });

  it('names the market data thread key and its two values', async () => {
    const problems = await problemsOf(`${BASE}exchange:\n  market_data_thread: wroker\n`);
    expect(where(problems)).toEqual(['23:23 exchange.market_data_thread']);
    expect(problems[0]?.message).toBe('expected one of `worker`, `main`, got "wroker"');
    expect(problems[0]?.hint).toBe('did you mean `worker`?');
  });

  it('checks process.cpu_affinity: CPU numbers, a main list, and no CPU in both lists', async () => {
    const problems = await problemsOf(`${BASE}process:\n  cpu_afinity: {main: [1]}\n`);
    expect(where(problems)).toEqual(['23:3 process.cpu_afinity']);
    expect(problems[0]?.hint).toBe('did you mean `cpu_affinity`?');
    const values = await problemsOf(`${BASE}process:\n  cpu_affinity:\n    main: []\n    others: [-1]\n`);
    expect(where(values)).toEqual(['24:11 process.cpu_affinity.main', '25:14 process.cpu_affinity.others[0]']);
    const shared = await problemsOf(`${BASE}process:\n  cpu_affinity:\n    main: [1, 2]\n    others: [0, 2]\n`);
    expect(where(shared)).toEqual(['25:13 process.cpu_affinity.others']);
    expect(shared[0]?.message).toBe("CPU 2 is in `main` too: the main thread's CPUs must be its own");
    expect(shared[0]?.hint).toBe('take it out of one list, or leave `others` out (every CPU not in `main`)');
  });

  it('reads a bare true/false given for an enum as the word probably meant', async () => {
    const problems = await problemsOf(`${BASE}exchange:\n  stream: true\norders:\n  on_stop: false\n`);
    expect(where(problems)).toEqual(['23:11 exchange.stream', '25:12 orders.on_stop']);
    expect(problems.map((p) => [p.message, p.hint])).toEqual([
      ['expected one of `auto`, `on`, `off`, got true', 'did you mean `on`?'],
      ['expected one of `leave`, `cancel_all`, got false', '`leave` (the default) keeps open orders at stop, `cancel_all` cancels them'],
    ]);
  });

  it('does not quote a long value in a secret-bearing section, even for an enum key', async () => {
    const pasted = 'k'.repeat(64);
    const problems = await problemsOf(`${BASE}exchange:\n  stream: ${pasted}\n`);
    expect(where(problems)).toEqual(['23:11 exchange.stream']);
    expect(problems[0]?.message).toBe('expected one of `auto`, `on`, `off`, got a 64-character string');
    expect(JSON.stringify(problems)).not.toContain(pasted.slice(0, 17));
  });

  it('wants booleans and lists where the seed has them', async () => {
    const problems = await problemsOf(broken('target_save_update: False', 'target_save_update: no').replace('return_value: True', 'return_value: 1'));
    expect(where(problems)).toEqual([`20:29 ${SUB}.target_save_update`, `21:23 ${SUB}.return_value`]);
    expect(problems[0]?.message).toBe('expected True or False, got "no"');
  });

  it('reports a missing required key at the entry that lacks it', async () => {
    const problems = await problemsOf(broken('        method: get_ohlcv_data\n', ''));
    expect(where(problems)).toEqual([`10:7 ${SUB}.method`]);
    expect(problems[0]?.message).toBe('missing: this key is required');
  });
});

describe('target_save_update', () => {
  it('refuses to merge into an attribute initialised to a non-dict', async () => {
    const problems = await problemsOf(broken('target_attr: ohlcs', 'target_attr: closed_trades').replace('target_save_update: False', 'target_save_update: True'));
    expect(where(problems)).toEqual([`20:29 ${SUB}.target_save_update`]);
    expect(problems[0]?.message).toBe('`target_save_update: True` merges into a dict, but `closed_trades` starts as a list');
    expect(problems[0]?.hint).toMatch(/initialise `closed_trades: \{\}`/);
  });

  it('says what the file wrote for an attribute initialised to nothing: None as None, ~ as null', async () => {
    const merge = (text: string): string => text.replace('target_attr: ohlcs', 'target_attr: watch_list').replace('target_save_update: False', 'target_save_update: True');
    const none = await problemsOf(merge(BASE));
    expect(none[0]?.message).toBe('`target_save_update: True` merges into a dict, but `watch_list` starts as None');
    const tilde = await problemsOf(merge(broken('watch_list: None', 'watch_list: ~')));
    expect(tilde[0]?.message).toBe('`target_save_update: True` merges into a dict, but `watch_list` starts as null');
  });

  it('accepts a merge into a dict', async () => {
    const cfg = await loadConfigText(broken('target_save_update: False', 'target_save_update: True'), INLINE, testContext(), { baseDir: FIXTURES });
    expect(cfg.tasks[0]?.subtasks[0]?.targetSaveUpdate).toBe(true);
  });
});

describe('the report', () => {
  it('lists every problem at once, in file order, and ends with the next step', async () => {
    const error = await loadConfigFile(fixture('many-errors.yaml'), testContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(UserError);
    const configError = error as ConfigError;
    expect(configError.exitCode).toBe(2);
    // `fucntion` is told once, at its line, not again as a missing `function`.
    expect(where(configError.problems)).toEqual([
      '7:5 shared_attributes.pending_orders.fucntion',
      '9:3 tasks.t_update_tickerz',
      '12:11 tasks.t_update_tickers.freq',
      '13:3 tasks.t_update_balanse',
      '20:17 tasks.t_init_update.subtasks.subtask_0.method',
      '23:13 tasks.t_init_update.subtasks.subtask_0.input_args[1]',
      '26:3 logging.file_name',
    ]);
    const text = configError.message.split('\n');
    expect(text).toHaveLength(8);
    expect(text[2]).toBe(
      `${fixture('many-errors.yaml')}:12:11: tasks.t_update_tickers.freq: expected a number, got "10s" — freq is in seconds: write 10`,
    );
    expect(text[4]).toBe(
      `${fixture('many-errors.yaml')}:20:17: tasks.t_init_update.subtasks.subtask_0.method: module \`Misso.services.async_helper\` has no export \`get_filtered_watchlist\` — did you mean \`get_filtered_watch_list\`?`,
    );
    expect(text[7]).toBe(`7 problems: fix the lines above and run \`misso check ${fixture('many-errors.yaml')}\` again`);
  });

  it('says so when the file does not exist', async () => {
    const error = await loadConfigFile(fixture('nope.yaml'), testContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`${fixture('nope.yaml')}: cannot read the config: no such file\n1 problem: check the path and try again`);
  });
});
