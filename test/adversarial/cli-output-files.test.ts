import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_FROM_SOURCE } from '../support/cli.js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/core/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-outfiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, [...CLI_FROM_SOURCE, 'run', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((r) => child.on('exit', (code) => r({ code, err })));
}

function config(name: string, logging = ''): string {
  const file = join(dir, name);
  writeFileSync(file, `${logging}tasks:\n  t_update_balance: {freq: 1}\n`);
  return file;
}

const NO_STACK = /\n\s+at /;

describe('the files misso run writes, and its flags, fail at start with exit 2 and no stack', () => {
  it('an unknown --log-level is a usage error, not an internal one', async () => {
    const r = await run([config('level.yaml'), '--log-level', 'loud', '--for', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--log-level takes one of trace, debug, info, warn, error, fatal, silent, not 'loud'");
    expect(r.err).not.toMatch(NO_STACK);
  }, 30_000);

  it('--state-out naming a directory is refused before the run, not after it', async () => {
    const target = join(dir, 'a-directory');
    mkdirSync(target);
    const r = await run([config('state.yaml'), '--state-out', target, '--for', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--state-out: '${target}' is a directory; name a file`);
    expect(r.err).not.toContain('starting');
    expect(r.err).not.toMatch(NO_STACK);
  }, 30_000);

  it('--state-out in a directory that does not exist yet creates it', async () => {
    const target = join(dir, 'new', 'deeper', 'state.json');
    const r = await run([config('state-new.yaml'), '--state-out', target, '--for', '1']);
    expect(r.code).toBe(0);
    expect(existsSync(target)).toBe(true);
  }, 30_000);

  it('a logging.file that is a directory is refused with the key and its line, not a crash of the logger thread', async () => {
    const r = await run([config('logdir.yaml', `logging: {file: ${dir}}\n`), '--for', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/logdir\.yaml:\d+:\d+: logging\.file: `[^`]+` is a directory, not a file/);
    expect(r.err).not.toMatch(NO_STACK);
  }, 30_000);

  it('a logging.file that cannot be created is refused at its line too, as the directory case is', async () => {
    const file = config('logproc.yaml', 'logging:\n  file: /proc/misso-no-such-dir/x.log\n');
    const r = await run([file, '--for', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:2:3: logging.file: cannot write '/proc/misso-no-such-dir/x.log': `);
    expect(r.err).not.toMatch(NO_STACK);
  }, 30_000);

  it('a log file that fills up is reported once on the terminal and the process goes on', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const logger = createLogger({ file: '/dev/full', silent: true });
      for (let i = 0; i < 50; i++) logger.info({ i }, 'a line for a full disk');
      logger.flush();
      for (let i = 0; i < 100 && !written.some((t) => t.includes('the log cannot be written')); i++) await new Promise((r) => setTimeout(r, 50));
      logger.info('still running');
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      spy.mockRestore();
    }
    expect(written.filter((t) => t.includes('misso: the log cannot be written (ENOSPC'))).toHaveLength(1);
  }, 30_000);
});
