/** `misso check` on the simulator's `liquidation` knob: true or false is accepted, anything else refused at its line. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as inProcess } from '../support/cli-in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-check-liq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, exchange: string): string {
  const file = join(dir, name);
  writeFileSync(file, `exchange:\n  id: sim\n${exchange}tasks:\n  t_update_tickers: {freq: 10}\n`);
  return file;
}

describe('misso check: the liquidation knob', () => {
  it('accepts liquidation: false and liquidation: true', async () => {
    for (const value of ['false', 'true']) {
      const r = await inProcess(['check', config(`ok-${value}.yaml`, `  liquidation: ${value}\n`)]);
      expect({ value, code: r.code, err: r.err }).toEqual({ value, code: 0, err: '' });
    }
  });

  it('refuses a value that is not true or false, and a misspelt knob, at their lines (exit 2)', async () => {
    const file = config('bad.yaml', '  liquidation: never\n  liquidaton: false\n');
    const r = await inProcess(['check', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:3:16: exchange.liquidation: expected True or False, got "never"`);
    expect(r.err).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:3: exchange\\.liquidaton: unknown simulator knob.*liquidation`));
  });
});
