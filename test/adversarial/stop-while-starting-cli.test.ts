import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { SIM_ENV, writeLocalExample } from './support/local-example.js';
import { spawnMisso } from './support/spawn-misso.js';

// Requests that never answer, with the client's timeout at 30 s: a stop must not wait for them.
const TIMEOUT_MS = 30_000;
const STOP_WITHIN_MS = 2_000;

const dir = mkdtempSync(join(tmpdir(), 'misso-stop-starting-cli-'));
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

// A process per test: the integration project (the library's own stops: stop-while-starting.test.ts).
describe('misso run stopped while starting, with a request hung (timeout_ms: 30000)', () => {
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
    // The operator's own stop: exit 0, and the run says it never got going.
    expect(result.err).toContain(`misso: never reached running: ${signal} stopped it before the start was done\n`);
    expect(result.code).toBe(0);
  });

  it('--for ends a start hung in the init update on time, exit 1: misso never reached running', async () => {
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
    // --for counts from about when "misso: starting" is printed; the hung request would hold it
    // 30 s. The stop's own bound is tested above; here a loaded machine gets twice that (CI 88
    // ended at 6011 ms with the suite and a review running beside it).
    expect(result.exitedAt - startingAt).toBeLessThan(4_000 + 2 * STOP_WITHIN_MS);
    expect(text.slice(text.indexOf('updater stopped'))).not.toMatch(/retrying/);
    // Nothing failed (a request hangs), but the run did none of the work it was given the time for.
    expect(result.err).toContain('misso: never reached running: --for 4 stopped it before the start was done; give --for more seconds');
    expect(result.code).toBe(1);
  });
});
