/**
 * `exchange.stream: on` insists on streaming: an exchange ccxt cannot stream is refused by
 * `misso check` (and before `misso run` contacts anything), at the key's line, with the way out.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

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
});
