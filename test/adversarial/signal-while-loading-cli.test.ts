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

/** Runs misso on the slow config and sends `signals` once the helper is loading. */
function runSignalled(signals: NodeJS.Signals[]): Promise<{ code: number | null; err: string; ms: number }> {
  let sent = false;
  let sentAt = 0;
  const onOutput = (text: string, child: ChildProcess): void => {
    if (sent || !text.includes('slow helper loading')) return;
    sent = true;
    sentAt = Date.now();
    signals.forEach((s, i) => setTimeout(() => child.kill(s), 100 + i * 300));
  };
  return spawnMisso(['run', CONFIG], { cwd: dir, onOutput }).then((r) => ({ code: r.code, err: r.err, ms: r.exitedAt - sentAt }));
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
