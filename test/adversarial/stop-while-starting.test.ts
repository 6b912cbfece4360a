import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { StoppedError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { localExample, REPO_ROOT, SIM_ENV, writeLocalExample } from './support/local-example.js';
import { spawnMisso } from './support/spawn-misso.js';

// Requests that never answer, with the client's timeout at 30 s: a stop must not wait for them.
const TIMEOUT_MS = 30_000;
const STOP_WITHIN_MS = 2_000;

const dir = mkdtempSync(join(tmpdir(), 'misso-stop-starting-'));
let server: SimServer;
beforeAll(async () => {
  server = await startSimServer({ port: 0, seed: 5, clock: new SystemClock() });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves once the server has received a request for `path` since the counters were reset. */
async function requested(path: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!Object.keys(server.counters.snapshot().requests).some((key) => key.includes(path))) {
    if (Date.now() > deadline) throw new Error(`no request for ${path}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Each stage of the start, hung: opening the session, the first reconciliation, the init update.
const STAGES = [
  { stage: 'opening the session', hang: 'hang:path=exchangeInfo', path: 'exchangeInfo' },
  { stage: 'the first reconciliation', hang: 'hang:path=openOrders', path: 'openOrders' },
  { stage: 'the init update', hang: 'hang:path=24hr', path: '24hr' },
];

describe('a stop while starting, with a request hung (timeout_ms: 30000)', () => {
  it.each(STAGES)('stop() during $stage returns within 2 s, and start() ends as stopped', async ({ hang, path }) => {
    server.faults.set(hang);
    server.counters.reset();
    const updater = await Updater.fromConfig(localExample(server.url, join(dir, `lib-${path}.db`), TIMEOUT_MS), {
      baseDir: REPO_ROOT,
      env: SIM_ENV,
      logger: silentLogger(),
    });
    const started = updater.start().then(
      () => null,
      (err: unknown) => err,
    );
    await requested(path);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await updater.stop();
    const outcome = await started;
    expect(Date.now() - t0).toBeLessThan(STOP_WITHIN_MS);
    expect(outcome).toBeInstanceOf(StoppedError);
    expect(updater.phase).toBe('stopped');
  });

  it.each([
    { how: 'SIGTERM', signal: 'SIGTERM' as const },
    { how: 'SIGINT', signal: 'SIGINT' as const },
  ])('misso run ends within 2 s of $how during the first reconciliation, with no retry logged after "updater stopped"', async ({ signal }) => {
    server.faults.set('hang:path=openOrders');
    server.counters.reset();
    const config = join(dir, `cli-${signal}.yaml`);
    writeLocalExample(config, server.url, join(dir, `cli-${signal}.db`), TIMEOUT_MS);
    let child: ChildProcess | undefined;
    const run = spawnMisso(['run', config, '--log-level', 'info'], { cwd: dir, env: SIM_ENV, onOutput: (_text, c) => (child = c) });
    await requested('openOrders');
    await new Promise((r) => setTimeout(r, 200));
    const sentAt = Date.now();
    child?.kill(signal);
    const result = await run;
    expect(result.exitedAt - sentAt).toBeLessThan(STOP_WITHIN_MS);
    const text = result.out + result.err;
    expect(text).toContain('updater stopped');
    expect(text.slice(text.indexOf('updater stopped'))).not.toMatch(/retrying/);
    expect(text).not.toMatch(/internal error|\n\s+at /);
    expect(result.code).toBe(0);
  });

  it('--for ends a start hung in the init update on time', async () => {
    server.faults.set('hang:path=24hr');
    server.counters.reset();
    const config = join(dir, 'cli-for.yaml');
    writeLocalExample(config, server.url, join(dir, 'cli-for.db'), TIMEOUT_MS);
    let startingAt = 0;
    const result = await spawnMisso(['run', config, '--for', '4', '--log-level', 'info'], {
      cwd: dir,
      env: SIM_ENV,
      onOutput: (text) => {
        if (startingAt === 0 && text.includes('misso: starting')) startingAt = Date.now();
      },
    });
    const text = result.out + result.err;
    expect(server.counters.snapshot().faults['hang'] ?? 0).toBeGreaterThan(0);
    // --for counts from about when "misso: starting" is printed.
    expect(result.exitedAt - startingAt).toBeLessThan(4_000 + STOP_WITHIN_MS);
    expect(text.slice(text.indexOf('updater stopped'))).not.toMatch(/retrying/);
    expect(result.code).toBe(0);
  });
});
