import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_FROM_SOURCE } from '../support/cli.js';
import { afterAll, describe, expect, it } from 'vitest';

const FIXTURE = join(import.meta.dirname, 'fixtures/leaky-helper.mjs');
const dir = mkdtempSync(join(tmpdir(), 'misso-partial-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a secret cut short is still a secret', () => {
  it('an error description cut inside the API key shows none of it in the log, the terminal or --state-out', async () => {
    const key = `key${randomBytes(16).toString('hex')}`;
    const file = join(dir, 'partial.yaml');
    const log = join(dir, 'misso.log');
    const stateOut = join(dir, 'state.json');
    writeFileSync(
      file,
      [
        'exchange: {id: sim, apiKey: "${MISSO_TEST_KEY}", secret: "${MISSO_TEST_SECRET}"}',
        `logging: {level: debug, file: ${log}}`,
        'tasks:',
        '  t_update_template:',
        '    freq: 1',
        '    subtasks:',
        `      s0: {type: standard, modul: ${FIXTURE}, method: throwsKeyAtTheCut, input_args: [], target_attr: None}`,
        '',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [...CLI_FROM_SOURCE, 'run', file, '--for', '3', '--state-out', stateOut], {
      cwd: dir,
      env: { ...process.env, MISSO_TEST_KEY: key, MISSO_TEST_SECRET: `sec${randomBytes(16).toString('hex')}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
    const head = key.slice(0, 8);
    const state = readFileSync(stateOut, 'utf8');
    // The cut happened where the test put it: the error is there, its key scrubbed.
    expect(state).toContain('apikey=[redacted]…');
    for (const [name, text] of Object.entries({ output, log: readFileSync(log, 'utf8'), state })) {
      expect(text.includes(head), `the key's head in ${name}`).toBe(false);
    }
  }, 30_000);
});
