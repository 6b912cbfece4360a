import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnMisso } from './support/spawn-misso.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-signal-loading-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A helper whose top level waits (for a service it reads at import): the config load waits up to
// the module load timeout (30 s), which is when a process manager's SIGTERM comes.
writeFileSync(join(dir, 'slow.mjs'), 'process.stderr.write("slow helper loading\\n");\nawait new Promise(() => setInterval(() => undefined, 1000));\nexport function f() {\n  return 1;\n}\n');
const CONFIG = join(dir, 'slow.yaml');
writeFileSync(CONFIG, 'class_attributes: {a: None}\ntasks:\n  t1: {kind: t_update_template, freq: 1, subtasks: {s: {type: standard, modul: ./slow.mjs, method: f, input_args: [], target_attr: a}}}\n');

/** Runs misso (`run`, or `check`) on the slow config and sends `signals` once the helper is loading. */
function runSignalled(signals: NodeJS.Signals[], command: 'run' | 'check' = 'run'): Promise<{ code: number | null; err: string; ms: number }> {
  let sent = false;
  let sentAt = 0;
  const onOutput = (text: string, child: ChildProcess): void => {
    if (sent || !text.includes('slow helper loading')) return;
    sent = true;
    sentAt = Date.now();
    signals.forEach((s, i) => setTimeout(() => child.kill(s), 100 + i * 300));
  };
  return spawnMisso([command, CONFIG], { cwd: dir, onOutput }).then((r) => ({ code: r.code, err: r.err, ms: r.exitedAt - sentAt }));
}

describe('misso run signalled while its config loads (a helper module still importing)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('a first %s stops it at once, says so, exit 0 (node killed it silently with 143 / 130)', async (signal) => {
    const r = await runSignalled([signal]);
    expect(r.err).toContain(`misso: ${signal} received while the config was loading, stopping: nothing was started\n`);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(3_000);
    expect(r.err).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('a second signal forces the exit, 130', async () => {
    const r = await runSignalled(['SIGTERM', 'SIGTERM']);
    // The first one ends it, exit 0, unless the second comes before the process is gone: it forces it then.
    expect([0, 130]).toContain(r.code);
    expect(r.err).toContain('misso: SIGTERM received while the config was loading');
  }, 30_000);
});

describe('misso check signalled while a helper module loads', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('a %s ends it at once, said, not validated (exit %i): it was ignored until the load timeout', async (signal, code) => {
    const r = await runSignalled([signal], 'check');
    expect(r.err).toContain(`misso: ${signal} received while misso check was reading the config, stopping: nothing was started\n`);
    expect(r.code).toBe(code);
    expect(r.ms).toBeLessThan(3_000);
  }, 30_000);

  it('a helper that ends the process while it loads (process.exit(0)) does not pass for valid: exit 2, said', async () => {
    writeFileSync(join(dir, 'exits.mjs'), 'process.exit(0);\nexport function f() {\n  return 1;\n}\n');
    const config = join(dir, 'exits.yaml');
    writeFileSync(config, 'class_attributes: {a: None}\ntasks:\n  t1: {kind: t_update_template, freq: 1, subtasks: {s: {type: standard, modul: ./exits.mjs, method: f, input_args: [], target_attr: a}}}\n');
    const r = await spawnMisso(['check', config], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toContain('misso check: a module the config loads ended the process (process.exit) before the check finished: the config was not validated');
  }, 30_000);
});
