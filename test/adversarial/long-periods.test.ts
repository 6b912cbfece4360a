import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_FROM_SOURCE } from '../support/cli.js';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-long-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.useRealTimers());

const DAYS_30 = 30 * 24 * 3600 * 1000;

describe('periods longer than setTimeout can hold (2^31-1 ms, about 24.8 days)', () => {
  it('SystemClock.sleep of 30 days does not end after 1 ms', async () => {
    vi.useFakeTimers();
    let done: boolean | undefined;
    void new SystemClock().sleep(DAYS_30).then((d) => (done = d));
    await vi.advanceTimersByTimeAsync(25 * 24 * 3600 * 1000);
    expect(done).toBeUndefined();
    await vi.advanceTimersByTimeAsync(5 * 24 * 3600 * 1000);
    expect(done).toBe(true);
  });

  it('a long sleep can still be aborted', async () => {
    vi.useFakeTimers();
    const abort = new AbortController();
    const sleeping = new SystemClock().sleep(DAYS_30, abort.signal);
    await vi.advanceTimersByTimeAsync(2 ** 31);
    abort.abort();
    expect(await sleeping).toBe(false);
  });

  it('a task with freq of 29 days runs once, not once a millisecond', async () => {
    const file = join(dir, 'long.yaml');
    const out = join(dir, 'state.json');
    writeFileSync(file, 'tasks:\n  t_update_balance: {freq: 2500000}\n');
    const child = spawn(process.execPath, [...CLI_FROM_SOURCE, 'run', file, '--for', '3', '--state-out', out], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.resume();
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(err).not.toContain('TimeoutOverflowWarning');
    const state = JSON.parse(readFileSync(out, 'utf8')) as { tasks: Record<string, { runs: number; failures: number }> };
    expect(state.tasks['t_update_balance']).toMatchObject({ runs: 1, failures: 0 });
  }, 30_000);
});
