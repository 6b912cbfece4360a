import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

/** Which CPUs the process's threads may run on (see {@link ThreadPinning}). */
export interface CpuAffinity {
  /** The event loop's thread: the strategy, the engine, every fill. */
  readonly main: readonly number[];
  /** Every other thread (V8's helpers, libuv's pool, the market-data and checkpoint threads). */
  readonly others: readonly number[];
}

/** How {@link ThreadPinning} reads `/proc` and sets a thread's CPUs; replaced in tests. */
export interface AffinityHost {
  /** The thread ids of this process (`/proc/self/task`). */
  threads(): Promise<number[]>;
  /** A thread's `Cpus_allowed_list`, or null once it has ended. */
  allowed(tid: number): Promise<string | null>;
  /** Sets one thread's CPUs, or every thread's of the process with `all`. */
  pin(tid: number, cpus: readonly number[], all?: boolean): Promise<void>;
}

const run = promisify(execFile);

/** Linux's `/proc` and util-linux's `taskset`: Node has no call for a thread's affinity. */
export const linuxAffinityHost: AffinityHost = {
  async threads() {
    return (await readdir('/proc/self/task')).map(Number);
  },
  async allowed(tid) {
    try {
      const status = await readFile(`/proc/self/task/${tid}/status`, 'utf8');
      return /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1] ?? null;
    } catch {
      return null;
    }
  },
  async pin(tid, cpus, all = false) {
    await run('taskset', [...(all ? ['-a'] : []), '-p', '-c', cpus.join(','), String(tid)]);
  },
};

/** `0-3,6` → [0, 1, 2, 3, 6]. */
export function parseCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(',')) {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || Number.isNaN(from)) continue;
    for (let cpu = from; cpu <= (to ?? from); cpu++) out.push(cpu);
  }
  return out;
}

function sameCpus(a: readonly number[], b: readonly number[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((cpu) => set.has(cpu));
}

/** Why an affinity cannot be applied here, or null: CPUs the process may not use. */
export function affinityProblem(affinity: CpuAffinity, allowedList: string): string | null {
  const allowed = new Set(parseCpuList(allowedList));
  const missing = [...affinity.main, ...affinity.others].filter((cpu) => !allowed.has(cpu));
  if (missing.length === 0) return null;
  return `CPU ${[...new Set(missing)].join(', ')} is not available to this process (it may use ${allowedList})`;
}

/**
 * Keeps the event loop's thread on CPUs of its own and every other thread of the process off
 * them, the way a latency-bound process is run on a trading host. The fill path is the main
 * thread's; on a small machine the venue's process, V8's GC helpers and the market-data thread
 * otherwise take its core in the middle of a burst of fills (BENCHMARKS.md, the fill path).
 *
 * Threads started later (a market-data thread replaced, libuv's pool growing) inherit the main
 * thread's CPUs from the thread that made them, so the process's threads are looked at again
 * every `rescanMs` and the new ones are moved off. Linux only.
 */
export class ThreadPinning {
  readonly #affinity: CpuAffinity;
  readonly #host: AffinityHost;
  readonly #pid: number;
  /** Threads already placed (the main thread among them). */
  readonly #placed = new Set<number>();
  #failing = false;

  constructor(affinity: CpuAffinity, host: AffinityHost = linuxAffinityHost, pid = process.pid) {
    this.#affinity = affinity;
    this.#host = host;
    this.#pid = pid;
  }

  /** Every thread of the process to `others`, then the main thread to `main`. */
  async apply(): Promise<void> {
    // taskset walks the threads one by one and fails on one that ends meanwhile: tried again.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#host.pin(this.#pid, this.#affinity.others, true);
        break;
      } catch (error: unknown) {
        if (attempt >= 3) throw error;
      }
    }
    await this.#host.pin(this.#pid, this.#affinity.main);
    this.#placed.clear();
    this.#placed.add(this.#pid);
    // A thread the main thread started meanwhile (libuv's pool, at the first read of /proc) took
    // the main thread's CPUs: each is looked at, none is taken as placed.
    await this.rescan();
  }

  /** Moves threads started since the last look off the main thread's CPUs; returns how many. */
  async rescan(): Promise<number> {
    const now = await this.#host.threads();
    const live = new Set(now);
    for (const tid of this.#placed) if (!live.has(tid)) this.#placed.delete(tid);
    let moved = 0;
    for (const tid of now) {
      if (this.#placed.has(tid)) continue;
      const allowed = await this.#host.allowed(tid);
      // Ended between the listing and the read.
      if (allowed === null) continue;
      if (!sameCpus(parseCpuList(allowed), this.#affinity.others)) {
        try {
          await this.#host.pin(tid, this.#affinity.others);
        } catch (error: unknown) {
          // Ended between the read and the pin: nothing to move.
          if ((await this.#host.allowed(tid)) === null) continue;
          throw error;
        }
        moved++;
      }
      this.#placed.add(tid);
    }
    return moved;
  }

  /** Every thread of the process back on `cpus` (what it had before {@link apply}). */
  async restore(cpus: readonly number[]): Promise<void> {
    await this.#host.pin(this.#pid, cpus, true);
    this.#placed.clear();
  }

  /** Rescans every `rescanMs` until `signal` aborts; a failure is logged once, not thrown. */
  async watch(clock: Clock, logger: Logger, signal: AbortSignal, rescanMs = 2_000): Promise<void> {
    while (await clock.sleep(rescanMs, signal)) {
      try {
        const moved = await this.rescan();
        if (moved > 0) logger.debug({ moved }, 'new threads moved off the main thread\'s CPUs');
        this.#failing = false;
      } catch (error: unknown) {
        if (!this.#failing) logger.warn({ err: (error as Error).message }, 'could not move a new thread off the main thread\'s CPUs; will retry');
        this.#failing = true;
      }
    }
  }
}
