import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { SIM_ENV, writeLocalExample } from './support/local-example.js';
import { spawnMisso } from './support/spawn-misso.js';

const REFUSED = 'the exchange refused the credentials';

const dir = mkdtempSync(join(tmpdir(), 'misso-refused-cli-'));
let server: SimServer;
beforeAll(async () => {
  server = await startSimServer({ port: 0, seed: 3, clock: new SystemClock() });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const WRONG = [
  { what: 'a wrong secret', env: { ...SIM_ENV, MISSO_SIM_SECRET: 'not-the-secret' } },
  { what: 'a wrong key', env: { ...SIM_ENV, MISSO_SIM_API_KEY: 'not-the-key' } },
];

// A process per test: the integration project (the library's start: refused-credentials.test.ts).
describe('refused credentials at start, through misso run', () => {
  it.each(WRONG)('$what: misso run prints the reason without a stack and exits 1', async ({ env }) => {
    const config = join(dir, 'cli.yaml');
    writeLocalExample(config, server.url, join(dir, 'cli.db'), 2000);
    const result = await spawnMisso(['run', config, '--for', '30'], { cwd: dir, env });
    const text = result.out + result.err;
    expect(result.err).toContain(`misso: could not start: ${REFUSED}`);
    expect(text).not.toMatch(/internal error|\n\s+at /);
    // The secret itself is not what identifies the problem, and it is never printed.
    expect(text).not.toContain('not-the-secret');
    expect(result.code).toBe(1);
  });
});
