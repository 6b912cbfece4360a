import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { localExample, REPO_ROOT, SIM_ENV } from './support/local-example.js';

// The faults of issue 8: half the requests answer 5xx, 5 % hang until the client's timeout,
// 10 % answer 429. Each start meets dozens of them before it is up.
const FAULTS = '5xx:0.5,hang:0.05,429:0.1';
const STARTS = 10;
const UP_WITHIN_MS = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'misso-start-faults-'));
let server: SimServer;
beforeAll(async () => {
  server = await startSimServer({ port: 0, seed: 11, clock: new SystemClock(), faults: FAULTS });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** True once `predicate()` holds, if it did so by `deadline` (epoch ms). */
async function heldBy(predicate: () => boolean, deadline: number): Promise<boolean> {
  for (;;) {
    if (predicate()) return Date.now() <= deadline;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Outcome {
  start: number;
  running: boolean;
  allUp: boolean;
  ms: number;
  error: string | null;
  down: string[];
}

interface Started {
  i: number;
  updater: Updater;
  startedAt: number;
  error: string | null;
}

/** One start under the faults of the moment. */
async function begin(i: number): Promise<Started> {
  const startedAt = Date.now();
  const updater = await Updater.fromConfig(localExample(server.url, join(dir, `journal-${i}.db`), 400), {
    baseDir: REPO_ROOT,
    env: SIM_ENV,
    logger: silentLogger(),
    // Quick retries keep the test short; the defaults (0.25 s doubling to 2 s) behave alike.
    startRetry: { baseMs: 50, maxMs: 400 },
  });
  let error: string | null = null;
  try {
    await updater.start();
  } catch (err: unknown) {
    error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  return { i, updater, startedAt, error };
}

/** Once running, every task must come up by itself within the bound, counted from the start. */
async function finish({ i, updater, startedAt, error }: Started): Promise<Outcome> {
  const running = updater.phase === 'running';
  const up = (): boolean => Object.values(updater.taskStatuses()).every((s) => s.ok === true);
  const allUp = running && (await heldBy(up, startedAt + UP_WITHIN_MS));
  const down = Object.entries(updater.taskStatuses())
    .filter(([, s]) => s.ok !== true)
    .map(([name, s]) => `${name}: ${s.lastError ?? s.state}`);
  await updater.stop();
  return { start: i, running, allUp, ms: Date.now() - startedAt, error, down };
}

describe('starting under exchange faults', () => {
  it(`${STARTS} of ${STARTS} starts of examples/binanceusdm-local.yaml reach running, and every task is up within 60 s`, async () => {
    const outcomes: Outcome[] = [];
    // Two at a time against the one faulty server: ten starts in about half the time.
    for (let i = 0; i < STARTS; i += 2) {
      server.faults.set(FAULTS);
      const started = await Promise.all([begin(i), begin(i + 1)]);
      // The weather clears once both have started, so that every task can show it came up (a
      // pass over 22 symbols' candles never gets through 50 % 5xx in one piece).
      server.faults.set('none');
      outcomes.push(...(await Promise.all(started.map(finish))));
    }
    const failed = outcomes.filter((o) => !o.running || !o.allUp || o.error !== null);
    expect(failed).toEqual([]);
    const counters = server.counters.snapshot();
    expect(counters.faults['5xx'] ?? 0).toBeGreaterThan(STARTS * 3);
  }, 240_000);
});
