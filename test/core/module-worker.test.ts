/**
 * A worker thread from the sources (.ts) registers tsx found from the calling module, not from
 * the process's working directory: `tsx /checkout/src/cli.ts run` started from the bot's own
 * directory must still get its market-data thread.
 */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('startModuleWorker from the sources', () => {
  it('starts the thread when the working directory is outside the checkout', async () => {
    const tsx = `${root}node_modules/.bin/tsx`;
    const probe = `${root}test/support/module-worker-probe.ts`;
    const { stdout } = await promisify(execFile)(tsx, [probe], { cwd: tmpdir(), timeout: 20_000 });
    expect(stdout.trim()).toBe('thread up');
  });
});
