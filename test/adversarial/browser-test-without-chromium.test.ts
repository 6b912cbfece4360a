import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const VITEST = resolve(ROOT, 'node_modules/vitest/vitest.mjs');

/** Runs the dashboard's browser test file alone, as `npm test` would, with Chromium "missing". */
function runBrowserSuite(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [VITEST, 'run', 'test/http/dashboard.browser.test.ts'], {
    cwd: ROOT,
    env: { ...process.env, MISSO_CHROMIUM: '/nonexistent/chromium', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((r) => child.on('exit', (code) => r({ code, output })));
}

describe('npm test on a machine without Chromium (issue 8 item 21)', () => {
  it('skips the browser test with one line saying how to enable it', async () => {
    const r = await runBrowserSuite({ CI: '' });
    expect(r.code).toBe(0);
    const lines = r.output.split('\n').filter((l) => l.includes('no Chromium at /nonexistent/chromium'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('apt-get install chromium');
    expect(lines[0]).toContain('MISSO_CHROMIUM');
    expect(r.output).toMatch(/skipped/);
  }, 60_000);

  it('under CI=true it runs and fails when Chromium is missing', async () => {
    const r = await runBrowserSuite({ CI: 'true' });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('Chromium not found at /nonexistent/chromium');
  }, 60_000);
});
