/**
 * `exchange.stream: on` insists on streaming: an exchange ccxt cannot stream, or whose ccxt.pro
 * class lacks a watch method a configured task needs, is refused by `misso check` (and before
 * `misso run` contacts anything), at the line of the key, with the way out.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigText } from '../../src/config/load.js';
import { STREAM_FEEDS } from '../../src/config/stream-feeds.js';
import { configContext } from '../../src/engine/config-context.js';
import { Updater } from '../../src/engine/updater.js';
import { BUILTIN_TASK_KINDS } from '../../src/tasks/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-stream-mode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(command: 'check' | 'run', name: string, lines: string[]): Promise<{ code: number; err: string; file: string }> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  let err = '';
  const args = command === 'run' ? ['run', file, '--for', '1'] : ['check', file];
  const code = await main(args, { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) } });
  return { code, err, file };
}

describe('exchange.stream', () => {
  it('stream: on for an exchange without a ccxt.pro class is refused at its line, offline', async () => {
    const lines = ['exchange:', '  id: bitflyer', '  stream: on', 'tasks:', '  t_update_tickers: {freq: 5}'];
    for (const command of ['check', 'run'] as const) {
      const r = await cli(command, `bitflyer-on-${command}`, lines);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${r.file}:3:11: exchange.stream: bitflyer cannot stream (ccxt has no websocket class for it)`);
      expect(r.err).toContain('stream: auto');
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  it('stream: auto and off for the same exchange pass the check; on passes where ccxt.pro has the class', async () => {
    for (const [name, lines] of [
      ['bitflyer-auto', ['exchange: {id: bitflyer, stream: auto}', 'tasks:', '  t_update_tickers: {freq: 5}']],
      ['bitflyer-off', ['exchange: {id: bitflyer, stream: off}', 'tasks:', '  t_update_tickers: {freq: 5}']],
      ['binance-on', ['exchange: {id: binanceusdm, stream: on}', 'tasks:', '  t_update_tickers: {freq: 5}']],
      ['sim-on', ['exchange: {id: sim, stream: on}', 'tasks:', '  t_update_tickers: {freq: 5}']],
    ] as const) {
      const r = await cli('check', name, [...lines]);
      expect({ name, err: r.err, code: r.code }).toEqual({ name, err: '', code: 0 });
    }
  });

  it('stall_after_secs below 1 s is refused at its line: a 1 s push cadence would count as stalls forever', async () => {
    const r = await cli('check', 'stall-tiny', ['tasks:', '  t_update_tickers: {freq: 5, stall_after_secs: 0.2}']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${r.file}:2:49: tasks.t_update_tickers.stall_after_secs: must be at least 1`);
    const ok = await cli('check', 'stall-one', ['tasks:', '  t_update_tickers: {freq: 5, stall_after_secs: 1}']);
    expect({ err: ok.err, code: ok.code }).toEqual({ err: '', code: 0 });
  });

  it('reconcile_secs below the task\'s freq is refused at its line: REST would still run at every freq tick', async () => {
    const r = await cli('check', 'reconcile-short', ['tasks:', '  t_update_tickers: {freq: 30, reconcile_secs: 10}']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${r.file}:2:48: tasks.t_update_tickers.reconcile_secs: must be at least the task's freq (30)`);
    const ok = await cli('check', 'reconcile-long', ['tasks:', '  t_update_tickers: {freq: 30, reconcile_secs: 30}']);
    expect({ err: ok.err, code: ok.code }).toEqual({ err: '', code: 0 });
  });

  it('stall_after_secs and reconcile_secs on a task no stream feeds are refused at their lines, a helper\'s template included; on an order task they pass', async () => {
    const r = await cli('check', 'stream-settings-idle', [
      'tasks:',
      '  t_system_status: {freq: 60, stall_after_secs: 5}',
      '  t_execute_orders: {stall_after_secs: 7, reconcile_secs: 900}',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${r.file}:2:49: tasks.t_system_status.stall_after_secs: stall_after_secs does nothing here: no stream feeds t_system_status`);
    expect(r.err).toContain(`${r.file}:3:40: tasks.t_execute_orders.stall_after_secs: stall_after_secs does nothing here`);
    expect(r.err).toContain(`${r.file}:3:59: tasks.t_execute_orders.reconcile_secs: reconcile_secs does nothing here`);
    expect(r.err).toContain('it applies to the tasks a stream feeds: t_update_tickers, t_update_candles,');
    // A template whose helper answers from the tickers stream's cache does not set its limit.
    const helper = await cli('check', 'stream-settings-helper', [
      'class_attributes: {watch_list: None, last_price: {}}',
      'tasks:',
      '  t_update_open_orders: {freq: 120, stall_after_secs: 5}',
      '  prices:',
      '    kind: t_update_template',
      '    freq: 10',
      '    stall_after_secs: 20',
      '    subtasks: {s: {type: async, modul: Misso.services.async_helper, method: get_last_prices_from_watch_list, input_args: [self.aftx, self.watch_list], target_attr: last_price}}',
    ]);
    expect(helper.code).toBe(2);
    expect(helper.err).toContain(`${helper.file}:7:23: tasks.prices.stall_after_secs: stall_after_secs does nothing here: no stream feeds t_update_template`);
    expect(helper.err).not.toContain('tasks.t_update_open_orders.stall_after_secs');
  });

  // coinex's ccxt.pro class has watchTickers and watchBalance, but neither watchPositions nor watchOHLCVForSymbols.
  const COINEX = (stream: string): string[] => [
    'class_attributes: {watch_list: None, ohlcs: {}}', //                       1
    `exchange: {id: coinex, stream: ${stream}}`, //                              2
    'tasks:', //                                                                  3
    '  t_update_tickers: {freq: 5}', //                                           4
    '  t_update_balance: {freq: 30}', //                                          5
    '  t_get_open_positions:', //                                                 6
    '    name: get_positions', //                                                 7
    '    freq: 30', //                                                            8
    '  t_update_template:', //                                                    9
    '    name: update_ohlcv', //                                                  10
    '    freq: 60', //                                                            11
    '    subtasks:', //                                                           12
    '      subtask_0:', //                                                        13
    '        type: async', //                                                     14
    '        modul: Misso.services.async_helper', //                              15
    '        method: get_ohlcv_data', //                                          16
    '        input_args: [self.aftx, self.watch_list, 1m, 1000]', //              17
    '        target_attr: ohlcs', //                                              18
  ];

  it('stream: on where the ccxt.pro class lacks a watch method a task needs is refused at that task, offline', async () => {
    const has = new ccxt.pro.coinex().has;
    expect([has['watchPositions'], has['watchOHLCVForSymbols'], Boolean(has['watchTickers']), Boolean(has['watchBalance'])]).toEqual([undefined, undefined, true, true]);
    for (const command of ['check', 'run'] as const) {
      const r = await cli(command, `coinex-on-${command}`, COINEX('on'));
      expect(r.code).toBe(2);
      const next = ' — use `stream: auto` (polls what cannot stream) or `stream: off`';
      expect(r.err.split('\n')).toEqual([
        `${r.file}:7:11: tasks.t_get_open_positions.name: exchange.stream is on, but coinex has no watchPositions, which this task's positions stream needs${next}`,
        `${r.file}:16:17: tasks.t_update_template.subtasks.subtask_0.method: exchange.stream is on, but coinex has no watchOHLCVForSymbols, which \`get_ohlcv_data\` answers from (the candles stream)${next}`,
        `2 problems: fix the lines above and run \`misso check ${r.file}\` again`,
        '',
      ]);
    }
  });

  it('stream: auto and off with the same exchange and tasks pass: what cannot stream polls', async () => {
    for (const mode of ['auto', 'off']) {
      const r = await cli('check', `coinex-${mode}`, COINEX(mode));
      expect({ mode, err: r.err, code: r.code }).toEqual({ mode, err: '', code: 0 });
    }
  });

  it('a task without a name is refused at its key; Updater.fromConfig refuses the same config object', async () => {
    const r = await cli('check', 'bitvavo-balance', ['exchange: {id: bitvavo, stream: on}', 'tasks:', '  t_update_tickers: {freq: 5}', '  t_update_balance: {freq: 30}']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${r.file}:4:3: tasks.t_update_balance: exchange.stream is on, but bitvavo has no watchBalance`);
    expect(r.err).toContain('1 problem:');

    const error = await Updater.fromConfig({ exchange: { id: 'bitvavo', stream: 'on' }, tasks: { t_update_balance: { freq: 30 } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('<config object>: tasks.t_update_balance: exchange.stream is on, but bitvavo has no watchBalance');
  });

  it('every stream the engine starts is checked: each task kind and helper that starts one is refused where its method is missing', async () => {
    const ctx = configContext(new Map(Object.entries(BUILTIN_TASK_KINDS)));
    // A real ccxt.pro class lacking each method (checked below, so a ccxt upgrade that adds one shows here).
    const lacking: Record<string, string> = {
      watchTickers: 'alpaca',
      watchOHLCVForSymbols: 'coinex',
      watchOrders: 'bitopro',
      watchBalance: 'bitvavo',
      watchPositions: 'bitvavo',
      watchMyTrades: 'bydfi',
    };
    const problemsOf = async (text: string): Promise<string[]> => {
      const error = await loadConfigText(text, 'c.yaml', ctx).then(() => null, (e: unknown) => e);
      if (error === null) return [];
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
    };
    for (const [stream, feed] of Object.entries(STREAM_FEEDS)) {
      const id = lacking[feed.method]!;
      const Pro = (ccxt.pro as unknown as Record<string, new () => { has: Record<string, unknown> }>)[id]!;
      expect({ id, has: new Pro().has[feed.method] ?? false }).toEqual({ id, has: false });
      for (const kind of feed.kinds) {
        const problems = await problemsOf(`exchange: {id: ${id}, stream: on}\ntasks:\n  ${kind}: {freq: 30}\n`);
        // The trades stream is optional (fills also come with each order's update): never refused.
        const refused = `3:3 tasks.${kind}: exchange.stream is on, but ${id} has no ${feed.method}, which this task's ${stream} stream needs`;
        expect(problems.filter((p) => p.includes(feed.method))).toEqual(feed.optional ? [] : [refused]);
      }
      for (const helper of feed.helpers) {
        const problems = await problemsOf(
          `class_attributes: {watch_list: None, out: {}}\nexchange: {id: ${id}, stream: on}\ntasks:\n  t_update_template:\n    freq: 30\n    subtasks:\n      s0: {type: async, modul: Misso.services.async_helper, method: ${helper}, input_args: [self.aftx, self.watch_list], target_attr: out}\n`,
        );
        expect(problems).toEqual([`7:69 tasks.t_update_template.subtasks.s0.method: exchange.stream is on, but ${id} has no ${feed.method}, which \`${helper}\` answers from (the ${stream} stream)`]);
      }
    }
    expect(Object.values(STREAM_FEEDS).filter((f) => f.optional).map((f) => f.method)).toEqual(['watchMyTrades']);
  });
});
