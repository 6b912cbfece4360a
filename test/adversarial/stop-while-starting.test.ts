import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { StoppedError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { localExample, REPO_ROOT, SIM_ENV } from './support/local-example.js';

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

// The same stops through `misso run` (signals, --for): stop-while-starting-cli.test.ts.
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
});
