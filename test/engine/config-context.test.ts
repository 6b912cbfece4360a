import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigText } from '../../src/config/load.js';
import { configContext } from '../../src/engine/config-context.js';
import { BUILTIN_TASK_KINDS } from '../../src/tasks/registry.js';

const ctx = configContext(new Map(Object.entries(BUILTIN_TASK_KINDS)));

async function problems(text: string, baseDir = process.cwd()): Promise<string[]> {
  try {
    await loadConfigText(text, 'c.yaml', ctx, { baseDir });
    return [];
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
  }
}

describe("the engine's config context", () => {
  it('refuses a user task kind export that the task host could not run, at its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'misso-kinds-'));
    writeFileSync(
      join(dir, 'k.mjs'),
      'export const notfn = 1;\nexport const half = { mode: "periodic" };\nexport const badmode = { mode: "sometimes", run: async () => {} };\nexport class K {}\nexport async function good() {}\nexport const fast = { mode: "periodic", defaultFreqSecs: 0.0001, run: async () => {} };\n',
    );
    const task = (name: string, i: number): string => `  t${i}: {kind: ./k.mjs#${name}, freq: 1}`;
    const out = await problems(['tasks:', ...['notfn', 'half', 'badmode', 'K', 'good', 'fast'].map(task)].join('\n') + '\n', dir);
    expect(out).toEqual([
      '2:14 tasks.t0.kind: cannot load task kind `./k.mjs#notfn`: ./k.mjs#notfn: a task kind is an async function or an object with mode and run()',
      '3:14 tasks.t1.kind: cannot load task kind `./k.mjs#half`: ./k.mjs#half: a task kind is an async function or an object with mode and run()',
      '4:14 tasks.t2.kind: cannot load task kind `./k.mjs#badmode`: ./k.mjs#badmode: mode must be periodic, once or service, not sometimes',
      '5:14 tasks.t3.kind: cannot load task kind `./k.mjs#K`: ./k.mjs#K: a class is not a task kind; export an async function (one pass) or an object with mode and run()',
      '7:14 tasks.t5.kind: cannot load task kind `./k.mjs#fast`: ./k.mjs#fast: defaultFreqSecs must be at least 0.1, not 0.0001',
    ]);
  });

  it('resolves the built-in helper modules and knows their methods', async () => {
    const ok = await problems(
      'class_attributes: {watch_list: None}\ntasks:\n  t_update_template:\n    freq: 5\n    subtasks:\n      s0: {type: async, modul: Misso.services.async_helper, method: get_ohlcv_data, input_args: [self.aftx, self.watch_list, 1m, 10], target_attr: ohlcs}\n',
    );
    expect(ok).toEqual([]);
    const bad = await problems(
      'tasks:\n  t_update_template:\n    freq: 5\n    subtasks:\n      s0: {type: standard, modul: Misso.services.helper, method: parse_is_open_order, input_args: [], target_attr: x}\n',
    );
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/^5:\d+ tasks\.t_update_template\.subtasks\.s0\.method: .*parse_is_open_order.*parse_is_open_orders/);
  });

  it("refuses fewer arguments than a helper's leading parameters without defaults", async () => {
    const out = await problems(
      'class_attributes: {ohlcs: {}}\ntasks:\n  t_update_template:\n    freq: 5\n    subtasks:\n      s0: {type: async, modul: Misso.services.async_helper, method: get_ohlcv_data, input_args: [self.aftx], target_attr: ohlcs}\n',
    );
    expect(out).toEqual([
      expect.stringMatching(/^6:\d+ tasks\.t_update_template\.subtasks\.s0\.input_args: `Misso\.services\.async_helper\.get_ohlcv_data` takes at least 2 arguments, got 1 \(input_args lists its parameters in order: exchange, wl, timeframe, limit, concurrency \(the exchange is `self\.aftx`\)\)$/),
    ]);
  });

  it("refuses get_filtered_watch_list's filter with a wrong rule word at the class attribute it starts as (a run refused it only at its first pass, retried as if transient)", async () => {
    const config = (filter: string) =>
      `class_attributes:\n  watch_list_filter: ${filter}\n  wl_restricted: []\ntasks:\n  t_init_update:\n    name: i\n    subtasks:\n      s0: {type: async, modul: Misso.services.async_helper, method: get_filtered_watch_list, input_args: [self.aftx, self.watch_list_filter, self.wl_restricted], target_attr: watch_list}\n`;
    expect(await problems(config('{info.volumeUsd24h: {value: 2000000, type: greater_equal, value_type: float}}'))).toEqual([
      expect.stringMatching(/^2:\d+ class_attributes\.watch_list_filter: watch_list_filter\.info\.volumeUsd24h\.type: unknown operator 'greater_equal'; use one of greater_or_equal, /),
    ]);
    expect(await problems(config('{info.volumeUsd24h: {value: 2000000, type: greater_or_equal, value_type: double}}'))).toEqual([
      expect.stringMatching(/^2:\d+ class_attributes\.watch_list_filter: .*value_type: unknown value type 'double'/),
    ]);
    expect(await problems(config('{info.volumeUsd24h: {value: 2000000, type: greater_or_equal, value_type: float}}'))).toEqual([]);
    expect(await problems(config('None'))).toEqual([]);
  });

  it('refuses a built-in helper written without input_args (or with None) as called with none, at its method', async () => {
    const sub = (extra: string) => `class_attributes: {x: 0}\ntasks:\n  t_init_update:\n    name: i\n    subtasks:\n      s1: {type: async, modul: Misso.services.async_helper, method: get_total_balance, target_attr: x${extra}}\n`;
    expect(await problems(sub(''))).toEqual([
      expect.stringMatching(/^6:\d+ tasks\.t_init_update\.subtasks\.s1\.method: `Misso\.services\.async_helper\.get_total_balance` takes at least 1 argument, got 0 \(input_args lists its parameters in order: exchange, currency \(the exchange is `self\.aftx`\)\)$/),
    ]);
    expect(await problems(sub(', input_args: None'))).toEqual([expect.stringMatching(/^6:\d+ tasks\.t_init_update\.subtasks\.s1\.input_args: .* takes at least 1 argument, got 0/)]);
    expect(await problems(sub(', input_args: [self.aftx]'))).toEqual([]);
  });

  // Python refused a call with more arguments than the function takes; JavaScript drops the
  // extra ones without a word, so `get_total_balance(self.aftx, 1m, 1000)` would run as if the
  // config meant something by them. The count includes defaulted parameters (`currency = 'USD'`).
  it('refuses more arguments than a built-in helper takes, naming its parameters', async () => {
    const sub = (method: string, args: string): string =>
      `class_attributes: {ohlcs: {}}\ntasks:\n  t_update_template:\n    freq: 5\n    subtasks:\n      s0: {type: async, modul: Misso.services.async_helper, method: ${method}, input_args: [${args}], target_attr: ohlcs}\n`;
    expect(await problems(sub('get_total_balance', 'self.aftx, a, b, c, d, e'))).toEqual([
      expect.stringMatching(
        /^6:\d+ tasks\.t_update_template\.subtasks\.s0\.input_args: `Misso\.services\.async_helper\.get_total_balance` takes at most 2 arguments \(exchange, currency\), got 6 \(remove the last 4 arguments from input_args\)$/,
      ),
    ]);
    // Every declared parameter may be given, a defaulted one too.
    expect(await problems(sub('get_total_balance', 'self.aftx, USDT'))).toEqual([]);
    expect(await problems(sub('get_ohlcv_data', 'self.aftx, self.watch_list, 1m, 100, 4'))).toEqual([]);
    expect(await problems(sub('get_ohlcv_data', 'self.aftx, self.watch_list, 1m, 100, 4, 9'))).toEqual([
      expect.stringMatching(/takes at most 5 arguments \(exchange, wl, timeframe, limit, concurrency\), got 6 \(remove the last argument from input_args\)$/),
    ]);
  });

  it("leaves a user module's extra arguments alone: its function may take more than it declares", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'misso-args-'));
    writeFileSync(join(dir, 'h.mjs'), 'export function pass(...args) { return args.length; }\nexport function one(a) { return arguments.length + a; }\n');
    const text = (method: string): string =>
      `class_attributes: {n: 0}\ntasks:\n  t_update_template:\n    freq: 5\n    subtasks:\n      s0: {type: standard, modul: ./h.mjs, method: ${method}, input_args: [1, 2, 3], target_attr: n}\n`;
    expect(await problems(text('pass'), dir)).toEqual([]);
    expect(await problems(text('one'), dir)).toEqual([]);
  });

  it('refuses a template or init task without subtasks', async () => {
    expect(await problems('tasks:\n  t_update_template: {freq: 5}\n  t_init_update: {freq: None}\n')).toEqual([
      expect.stringMatching(/^2:3 tasks\.t_update_template: task `t_update_template` \(t_update_template\) has no subtasks/),
      expect.stringMatching(/^3:3 tasks\.t_init_update: task `t_init_update` \(t_init_update\) has no subtasks/),
    ]);
  });

  it("checks the simulator's knobs and suggests the right spelling", async () => {
    const out = await problems('exchange:\n  seed: 3\n  latencyMs: 5\n  visibility_delay_ms: -1\ntasks: {}\n');
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^3:3 exchange\.latencyMs: unknown simulator knob .*latency_ms/);
    expect(out[1]).toMatch(/^4:\d+ exchange\.visibility_delay_ms: /);
  });

  it("refuses a simulator visibility_delay_ms not below orders.visibility_window_secs, which would make a lost order's resend a second order", async () => {
    expect(await problems('exchange:\n  visibility_delay_ms: 64000\ntasks: {}\n')).toEqual([]);
    // Never hidden: nothing to outwait, whatever the window.
    expect(await problems('exchange:\n  visibility_delay_ms: 0\norders: {visibility_window_secs: 0}\ntasks: {}\n')).toEqual([]);
    expect(await problems('exchange:\n  visibility_delay_ms: 65000\ntasks: {}\n')).toEqual([
      expect.stringMatching(/^2:\d+ exchange\.visibility_delay_ms: the simulator hides a new order for 65000 ms, not less than orders\.visibility_window_secs \(65 s\): .*second order \(keep visibility_delay_ms below 65000, or raise orders\.visibility_window_secs above 65\)$/),
    ]);
    const out = await problems('exchange:\n  visibility_delay_ms: 5000\norders: {visibility_window_secs: 3}\ntasks: {}\n');
    expect(out).toEqual([expect.stringMatching(/^2:\d+ exchange\.visibility_delay_ms: .*\(3 s\)/)]);
  });

  it('accepts the simulator knob liquidation (on or off) and refuses a value that is not true or false', async () => {
    expect(await problems('exchange:\n  id: sim\n  liquidation: false\ntasks: {}\n')).toEqual([]);
    expect(await problems('exchange:\n  liquidation: true\n  funding: true\ntasks: {}\n')).toEqual([]);
    const bad = await problems('exchange:\n  liquidation: sometimes\ntasks: {}\n');
    expect(bad).toHaveLength(1);
    expect(bad).toEqual(['2:16 exchange.liquidation: expected True or False, got "sometimes"']);
    const typo = await problems('exchange:\n  liquidations: false\ntasks: {}\n');
    expect(typo).toEqual([expect.stringMatching(/^2:3 exchange\.liquidations: unknown simulator knob .*`liquidation`/)]);
  });

  it("words a simulator knob's wrong value like any other key's, at the element", async () => {
    const out = await problems('exchange:\n  silent_streams: [tickers, tickrs]\n  latency_ms: fast\ntasks: {}\n');
    expect(out).toEqual([
      '2:29 exchange.silent_streams[1]: expected one of `tickers`, `candles`, `orders`, `trades`, `balance`, `positions`, `orderbook`, got "tickrs" (did you mean `tickers`?)',
      '3:15 exchange.latency_ms: expected a number or a map, got "fast"',
    ]);
  });

  it("knows ccxt's exchange ids and each task kind's options", async () => {
    const out = await problems('exchange: {id: binanceusdn}\ntasks:\n  t_update_candles: {freq: 60, timeframe: 1m, limt: 100}\n');
    expect(out.some((p) => /exchange\.id: .*binanceusdm/.test(p))).toBe(true);
    expect(out.some((p) => /tasks\.t_update_candles\.limt: .*limit/.test(p))).toBe(true);
  });
});
