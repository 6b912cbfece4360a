/**
 * `process.cpu_affinity`: the event loop's thread on CPUs of its own, every other thread off them,
 * and threads started later moved off too. A host that records what would be run stands in for
 * `/proc` and `taskset` (test/engine/thread-pinning-process.test.ts pins a real process).
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { affinityProblem, parseCpuList, ThreadPinning, type AffinityHost } from '../../src/core/thread-affinity.js';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigText } from '../../src/config/load.js';
import { pinThreads } from '../../src/engine/thread-pinning.js';
import { testContext } from '../config/context.js';

const PID = process.pid;
const pin = (host: AffinityHost, tid: number, cpus: number[]): Promise<void> => host.pin(tid, cpus);

/** Threads with their CPU lists, as `taskset` would leave them. */
class FakeHost implements AffinityHost {
  readonly cpus = new Map<number, string>();
  readonly calls: string[] = [];
  failWith: NodeJS.ErrnoException | null = null;

  constructor(tids: number[], allowed = '0-3') {
    for (const tid of tids) this.cpus.set(tid, allowed);
  }
  async threads(): Promise<number[]> {
    return [...this.cpus.keys()];
  }
  async allowed(tid: number): Promise<string | null> {
    return this.cpus.get(tid) ?? null;
  }
  async pin(tid: number, cpus: readonly number[], all = false): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.calls.push(`${all ? '-a ' : ''}${cpus.join(',')} ${tid}`);
    for (const t of all ? [...this.cpus.keys()] : [tid]) this.cpus.set(t, cpus.join(','));
  }
}

describe('cpu lists', () => {
  it('reads ranges and single CPUs as the kernel writes them', () => {
    expect(parseCpuList('0-3,6')).toEqual([0, 1, 2, 3, 6]);
    expect(parseCpuList('1')).toEqual([1]);
  });

  it('names the CPUs the process may not use', () => {
    expect(affinityProblem({ main: [1], others: [0] }, '0-1')).toBeNull();
    expect(affinityProblem({ main: [3], others: [0, 4] }, '0-1')).toBe('CPU 3, 4 is not available to this process (it may use 0-1)');
  });
});

describe('ThreadPinning', () => {
  it('puts every thread on others, then the main thread alone on main', async () => {
    const host = new FakeHost([PID, PID + 1, PID + 2]);
    await new ThreadPinning({ main: [3], others: [0, 1, 2] }, host).apply();
    expect(host.calls).toEqual([`-a 0,1,2 ${PID}`, `3 ${PID}`]);
    expect(host.cpus.get(PID)).toBe('3');
    expect(host.cpus.get(PID + 1)).toBe('0,1,2');
  });

  it('moves a thread the main thread started while it was being pinned', async () => {
    const host = new FakeHost([PID, PID + 1]);
    const pin = host.pin.bind(host);
    // libuv's pool starting at the first read of /proc, after the main thread got its CPU.
    host.pin = async (tid, cpus, all) => {
      await pin(tid, cpus, all);
      if (!all && tid === PID) host.cpus.set(PID + 2, cpus.join(','));
    };
    await new ThreadPinning({ main: [1], others: [0] }, host).apply();
    expect(host.cpus.get(PID + 2)).toBe('0');
    expect(host.cpus.get(PID)).toBe('1');
  });

  it('moves a thread started later off the main CPUs, once, and leaves the placed ones alone', async () => {
    const host = new FakeHost([PID, PID + 1]);
    const pinning = new ThreadPinning({ main: [1], others: [0] }, host);
    await pinning.apply();
    // A worker made by the main thread inherits the main thread's CPUs.
    host.cpus.set(PID + 7, '1');
    // One that already runs on others (the kernel's range spelling) needs nothing.
    host.cpus.set(PID + 8, '0');
    expect(await pinning.rescan()).toBe(1);
    expect(host.cpus.get(PID + 7)).toBe('0');
    expect(host.cpus.get(PID)).toBe('1');
    expect(await pinning.rescan()).toBe(0);
    expect(host.calls).toHaveLength(3);
  });

  it('skips a thread that ends before its pin, tries the whole-process pin again, and puts every thread back', async () => {
    const host = new FakeHost([PID, PID + 1]);
    const pin = host.pin.bind(host);
    let wholeFailures = 1;
    host.pin = async (tid, cpus, all) => {
      // taskset walking the threads meets one that ended.
      if (all && wholeFailures-- > 0) throw new Error(`taskset: failed to set pid ${PID + 9}'s affinity: No such process`);
      if (tid === PID + 3) {
        host.cpus.delete(tid);
        throw new Error(`taskset: failed to get pid ${tid}'s affinity: No such process`);
      }
      await pin(tid, cpus, all);
    };
    const pinning = new ThreadPinning({ main: [1], others: [0] }, host);
    await pinning.apply();
    expect(host.cpus.get(PID)).toBe('1');
    host.cpus.set(PID + 3, '1');
    expect(await pinning.rescan()).toBe(0);
    await pinning.restore([0, 1, 2, 3]);
    expect([...host.cpus.values()]).toEqual(['0,1,2,3', '0,1,2,3']);
  });

  it('compares CPU sets, not their spelling', async () => {
    const host = new FakeHost([PID]);
    const pinning = new ThreadPinning({ main: [3], others: [0, 1, 2] }, host);
    await pinning.apply();
    host.cpus.set(PID + 1, '0-2');
    expect(await pinning.rescan()).toBe(0);
  });

  it('keeps rescanning on the clock until stopped, and survives a failing rescan', async () => {
    const clock = new VirtualClock(0);
    const host = new FakeHost([PID]);
    const pinning = new ThreadPinning({ main: [1], others: [0] }, host);
    await pinning.apply();
    const stop = new AbortController();
    const watching = pinning.watch(clock, silentLogger(), stop.signal, 2_000);
    host.failWith = Object.assign(new Error('taskset: failed'), { code: 'EPERM' });
    host.cpus.set(PID + 1, '1');
    await clock.advance(2_000);
    expect(host.cpus.get(PID + 1)).toBe('1');
    host.failWith = null;
    await clock.advance(2_000);
    expect(host.cpus.get(PID + 1)).toBe('0');
    stop.abort();
    await watching;
  });
});

describe('pinThreads (the updater\'s start)', () => {
  const yaml = (affinity: string): string => `tasks:\n  t_update_tickers:\n    freq: 10\nprocess:\n  cpu_affinity: ${affinity}\n`;
  const load = (affinity: string) => loadConfigText(yaml(affinity), 'misso.yaml', testContext());
  const deps = () => ({ clock: new VirtualClock(0), logger: silentLogger(), signal: AbortSignal.abort() });

  it('defaults others to every allowed CPU not in main', async () => {
    const host = new FakeHost([PID, PID + 1], '0-3');
    await pinThreads(await load('{main: [2]}'), deps(), host, 'linux');
    expect(host.calls).toEqual([`-a 0,1,3 ${PID}`, `2 ${PID}`]);
  });

  it('refuses what this machine cannot do at the config\'s line, with the next step', async () => {
    const cases: [string, FakeHost, string, RegExp][] = [
      ['{main: [5], others: [0]}', new FakeHost([PID], '0-1'), 'linux', /misso\.yaml:5:3: process\.cpu_affinity: CPU 5 is not available to this process \(it may use 0-1\)/],
      ['{main: [0, 1]}', new FakeHost([PID], '0-1'), 'linux', /`main` takes every CPU this process may use \(0-1\)/],
      ['{main: [1]}', new FakeHost([PID], '0-1'), 'darwin', /pinning threads needs Linux \(this is darwin\)/],
    ];
    for (const [affinity, host, platform, message] of cases) {
      const error = await pinThreads(await load(affinity), deps(), host, platform).catch((e: unknown) => e);
      expect(error, affinity).toBeInstanceOf(ConfigError);
      expect((error as Error).message, affinity).toMatch(message);
      expect((error as Error).message, affinity).toMatch(/take it out to let the kernel place the threads/);
      expect(host.calls, affinity).toEqual([]);
    }
  });

  it('says to install taskset when it is missing', async () => {
    const host = new FakeHost([PID], '0-1');
    host.failWith = Object.assign(new Error('spawn taskset ENOENT'), { code: 'ENOENT' });
    const error = await pinThreads(await load('{main: [1]}'), deps(), host, 'linux').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/needs `taskset`, which is not installed — install util-linux/);
  });

  it('checks a second start against the CPUs the process had, and the stop puts them back', async () => {
    const host = new FakeHost([PID, PID + 1], '0-1');
    const config = await load('{main: [1]}');
    const stop = new AbortController();
    const first = await pinThreads(config, { clock: new VirtualClock(0), logger: silentLogger(), signal: stop.signal }, host, 'linux');
    expect(host.cpus.get(PID)).toBe('1');
    stop.abort();
    await first!.restore();
    expect(host.cpus.get(PID)).toBe('0,1');
    // Even had the stop not put them back, the check is against the process's own CPUs.
    await pin(host, PID, [1]);
    const second = await pinThreads(config, deps(), host, 'linux');
    expect(second).not.toBeNull();
    expect(host.cpus.get(PID)).toBe('1');
    expect(host.cpus.get(PID + 1)).toBe('0');
  });

  it('does nothing without the setting', async () => {
    const host = new FakeHost([PID], '0-1');
    await pinThreads(await loadConfigText('tasks:\n  t_update_tickers:\n    freq: 10\n', 'misso.yaml', testContext()), deps(), host, 'linux');
    expect(host.calls).toEqual([]);
  });
});
