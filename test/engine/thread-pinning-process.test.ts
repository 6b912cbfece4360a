/**
 * `process.cpu_affinity` on a real process: after the updater's start its event loop's thread
 * runs on `main`'s CPU alone, every other thread (V8's, libuv's, the journal's) on `others`, and
 * a thread started afterwards is moved off within one rescan; the stop puts them all back, and an
 * updater started after it in the same process pins again. It pins the test's own process,
 * so it runs in a process of its own (the integration project's forks). It needs Linux and two
 * CPUs, as CI's machine has (required there); elsewhere it checks that the start refuses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCpuList } from '../../src/core/thread-affinity.js';
import type { Updater } from '../../src/engine/updater.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const allowedOf = (tid: number | 'self'): string => /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/self/task/${tid}/status`, 'utf8'))?.[1] ?? '';
const threads = (): number[] => readdirSync('/proc/self/task').map(Number);
const ALL = process.platform === 'linux' ? allowedOf(process.pid) : '';
const usable = parseCpuList(ALL);

let updater: Updater | null = null;
let worker: Worker | null = null;
afterEach(async () => {
  await worker?.terminate();
  await updater?.stop();
  worker = updater = null;
});

describe('thread pinning in a running updater', () => {
  it('keeps the event loop alone on its CPU and moves a thread started later off it', async () => {
    // CI's machine has two: there the real pinning must run, not the refusal below.
    if (process.env['CI'] === 'true') expect(usable.length, 'CPUs this process may use').toBeGreaterThanOrEqual(2);
    if (usable.length < 2) {
      // One CPU (or not Linux): nothing to keep the event loop apart on, and the start says so.
      const lone = await virtualUpdater({ tasks: { t_update_tickers: { freq: 10 } }, process: { cpu_affinity: { main: [usable[0] ?? 0] } } });
      updater = lone.updater;
      await expect(startVirtual(lone.updater, lone.clock)).rejects.toThrow(/takes every CPU|needs Linux/);
      return;
    }
    const [others, main] = [usable[0]!, usable[1]!];
    const made = await virtualUpdater({ tasks: { t_update_tickers: { freq: 10 } }, process: { cpu_affinity: { main: [main], others: [others] } } });
    updater = made.updater;
    await startVirtual(made.updater, made.clock);
    expect(allowedOf(process.pid)).toBe(String(main));
    const rest = threads().filter((tid) => tid !== process.pid);
    expect(rest.length).toBeGreaterThan(2);
    expect(rest.map(allowedOf)).toEqual(rest.map(() => String(others)));
    // A worker made by the event loop's thread inherits its CPU until the next rescan.
    const before = new Set(threads());
    worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    await new Promise((resolve) => worker!.once('online', resolve));
    const born = threads().filter((tid) => !before.has(tid));
    expect(born.length).toBeGreaterThan(0);
    expect(born.some((tid) => allowedOf(tid) === String(main))).toBe(true);
    await advanceWithIo(made.clock, () => born.every((tid) => allowedOf(tid) === String(others)), 10_000, 500);
    expect(allowedOf(process.pid)).toBe(String(main));
    // The stop puts every thread back where it was; a new updater in this process pins again.
    await made.updater.stop();
    expect(threads().map(allowedOf)).toEqual(threads().map(() => ALL));
    const again = await virtualUpdater({ tasks: { t_update_tickers: { freq: 10 } }, process: { cpu_affinity: { main: [main] } } });
    updater = again.updater;
    await startVirtual(again.updater, again.clock);
    expect(allowedOf(process.pid)).toBe(String(main));
  });
});
