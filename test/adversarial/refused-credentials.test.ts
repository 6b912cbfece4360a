import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { StartupError, UserError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { localExample, REPO_ROOT, SIM_ENV } from './support/local-example.js';

const REFUSED = 'the exchange refused the credentials';

const dir = mkdtempSync(join(tmpdir(), 'misso-refused-'));
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

// `misso run` with the same credentials, in a process: refused-credentials-cli.test.ts.
describe('refused credentials at start', () => {
  it.each(WRONG)('$what: start() fails with a StartupError saying so, and the updater is faulted', async ({ env }) => {
    const updater = await Updater.fromConfig(localExample(server.url, join(dir, `lib-${env.MISSO_SIM_API_KEY}.db`), 2000), {
      baseDir: REPO_ROOT,
      env,
      logger: silentLogger(),
    });
    const error = await updater.start().then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toContain(REFUSED);
    expect(updater.phase).toBe('faulted');
  });

  it('no credentials at all: a UserError (exit 2) saying the config gives none and what to add, not that the exchange refused them', async () => {
    const config = localExample(server.url, join(dir, 'lib-nokey.db'), 2000) as unknown as { exchange: Record<string, unknown> };
    delete config.exchange['apiKey'];
    delete config.exchange['secret'];
    const updater = await Updater.fromConfig(config as never, { baseDir: REPO_ROOT, env: {}, logger: silentLogger() });
    const error = await updater.start().then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/requires "apiKey" credential: the config gives no credentials, and misso reads the account's open orders at every start/);
    expect((error as Error).message).toContain('add `apiKey: ${YOUR_KEY_VAR}` and `secret: ${YOUR_SECRET_VAR}` under `exchange:`');
    expect((error as Error).message).not.toContain(REFUSED);
  });
});

