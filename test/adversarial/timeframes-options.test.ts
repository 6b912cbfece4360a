import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Updater } from '../../src/engine/updater.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function check(name: string, lines: string[]): Promise<{ code: number; err: string; file: string }> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  let err = '';
  const code = await main(['check', file], { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) } });
  return { code, err, file };
}

describe('misso check validates timeframes and built-in option types', () => {
  it('refuses a timeframe the simulator does not offer, at its line', async () => {
    const r = await check('sim-7m', ['tasks:', '  t_update_candles: {freq: 60, timeframe: 7m}']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${r.file}:2:43: tasks.t_update_candles.timeframe: sim has no timeframe \`7m\``);
    expect(r.err).toContain('sim offers 1d, 4h, 1h, 15m, 5m, 1m');
  });

  it("checks a real exchange id against its ccxt class's own timeframes, offline", async () => {
    const bad = await check('binance-7m', ['exchange: {id: binanceusdm}', 'tasks:', '  t_update_candles: {timeframe: 7m}']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('tasks.t_update_candles.timeframe: binanceusdm has no timeframe `7m`');
    // 3m is Binance's, not the simulator's.
    const good = await check('binance-3m', ['exchange: {id: binanceusdm}', 'tasks:', '  t_update_candles: {timeframe: 3m}']);
    expect(good.err).toBe('');
    expect(good.code).toBe(0);
  });

  it("refuses the literal timeframe of get_ohlcv_data when the exchange lacks it", async () => {
    const r = await check('helper-7m', [
      'tasks:',
      '  t_update_template:',
      '    freq: 60',
      '    subtasks:',
      '      subtask_0: {type: async, modul: Misso.services.async_helper, method: get_ohlcv_data, input_args: [self.aftx, self.watch_list, 7m, 100], target_attr: ohlcs}',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('tasks.t_update_template.subtasks.subtask_0.input_args[2]: sim has no timeframe `7m`');
  });

  it("refuses a candle limit above the simulator's 1500 a request, at the input_args item and the limit option", async () => {
    const helper = (limit: number): string[] => [
      'tasks:',
      '  t_update_template:',
      '    freq: 60',
      '    subtasks:',
      `      subtask_0: {type: async, modul: Misso.services.async_helper, method: get_ohlcv_data, input_args: [self.aftx, self.watch_list, 1m, ${limit}], target_attr: ohlcs}`,
    ];
    const bad = await check('helper-5000', helper(5000));
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(
      `${bad.file}:5:137: tasks.t_update_template.subtasks.subtask_0.input_args[3]: sim answers at most 1500 candles a request, got a limit of 5000`,
    );
    expect(bad.err).toContain('write a limit of 1500 or less');
    expect(bad.err).not.toMatch(/\n\s+at /);
    expect((await check('helper-1500', helper(1500))).code).toBe(0);

    const candles = await check('candles-5000', ['tasks:', '  t_update_candles: {limit: 5000}']);
    expect(candles.code).toBe(2);
    expect(candles.err).toContain(`${candles.file}:2:29: tasks.t_update_candles.limit: sim answers at most 1500 candles a request, got a limit of 5000`);
  });

  it("does not check the candle limit of a ccxt exchange (binanceusdm's fetchOHLCV cuts a larger one to 1000)", async () => {
    const r = await check('binance-5000', [
      'exchange: {id: binanceusdm}',
      'tasks:',
      '  t_update_template:',
      '    freq: 60',
      '    subtasks:',
      '      subtask_0: {type: async, modul: Misso.services.async_helper, method: get_ohlcv_data, input_args: [self.aftx, self.watch_list, 1m, 5000], target_attr: ohlcs}',
    ]);
    expect(r.err).not.toContain('candles a request');
  });

  it('refuses built-in options of the wrong type', async () => {
    const r = await check('types', [
      'tasks:',
      '  t_update_candles: {limit: many, concurrency: 0}',
      '  t_update_balance: {currency: 5}',
      '  t_system_status: {message: [a, b]}',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('tasks.t_update_candles.limit: expected a whole number above 0, got "many"');
    expect(r.err).toContain('tasks.t_update_candles.concurrency: expected a whole number above 0, got 0');
    expect(r.err).toContain('tasks.t_update_balance.currency: expected a non-empty string, got 5');
    expect(r.err).toContain('tasks.t_system_status.message: expected a non-empty string, got a list');
  });
});

describe('at run time', () => {
  let current: Updater | null = null;
  afterEach(async () => {
    await current?.stop();
    current = null;
  });

  it("a usage error inside a task has its own kind, and each log line carries 'task' once", async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const { updater, clock } = await virtualUpdater({ tasks: {} }, { logger });
    current = updater;
    updater.registerTask(
      'candles_7m',
      async (rt) => {
        await rt.exchange.fetchOHLCV('BTC/USD:USD', '7m');
      },
      { freqSecs: 10 },
    );
    await startVirtual(updater, clock);
    await clock.advance(30_000);
    const status = updater.taskStatuses()['candles_7m']!;
    expect(status.failures).toBeGreaterThan(0);
    expect(status.lastError).toContain('7m');
    expect(status.lastErrorKind).toBe('usage');
    const failed = lines.filter((l) => l.includes('"task failed"'));
    expect(failed.length).toBeGreaterThan(0);
    for (const line of lines) expect(duplicateKeys(line), line).toEqual([]);
    expect(failed.every((l) => duplicateKeys(l).length === 0 && l.match(/"task":/g)?.length === 1)).toBe(true);
  });
});

/** Keys that occur more than once at the top level of one JSON log line (JSON.parse would hide them). */
function duplicateKeys(line: string): string[] {
  const seen = new Set<string>();
  const dupes: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(line.slice(i, j + 1)) as string;
        if (seen.has(key)) dupes.push(key);
        seen.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      depth += 1;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') {
      depth -= 1;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return dupes;
}
