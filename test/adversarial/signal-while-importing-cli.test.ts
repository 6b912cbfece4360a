/**
 * `misso run` signalled while its own modules load (the engine and ccxt, about half a second in
 * use; held up here by module hooks): node's default handling ended the process silently with
 * 143 (SIGTERM) or 130 (SIGINT), where misso says nothing was started and exits 0, as it does for
 * a signal while the config loads.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_FROM_SOURCE } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-signal-importing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HOOKS = pathToFileURL(resolve(import.meta.dirname, 'fixtures/slow-run-register.mjs')).href;

function runSignalled(signal: NodeJS.Signals, mark: string): Promise<{ code: number | null; err: string; ms: number }> {
  const [tsx, tsxUrl, main] = CLI_FROM_SOURCE;
  const child = spawn(process.execPath, [tsx!, tsxUrl!, '--import', HOOKS, main!, 'run', '--for', '30'], {
    cwd: dir,
    env: { ...process.env, MISSO_TEST_LOADING: mark },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let sentAt = 0;
  const poll = setInterval(() => {
    if (sentAt !== 0 || !existsSync(mark)) return;
    sentAt = Date.now();
    child.kill(signal);
  }, 20);
  return new Promise((done) =>
    child.on('exit', (code) => {
      clearInterval(poll);
      done({ code, err, ms: Date.now() - sentAt });
    }),
  );
}

describe('misso run signalled while its modules load', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('a %s stops it at once, says so, exit 0', async (signal) => {
    const r = await runSignalled(signal, join(dir, `${signal}.mark`));
    expect(r.err).toContain(`misso: ${signal} received while misso was loading, stopping: nothing was started\n`);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(5_000);
  }, 30_000);
});
