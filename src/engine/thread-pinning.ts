import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { affinityProblem, linuxAffinityHost, parseCpuList, ThreadPinning, type AffinityHost } from '../core/thread-affinity.js';
import { ConfigError } from '../config/config-error.js';
import type { MissoConfig } from '../config/types.js';

const NEXT_STEP = 'Fix `process.cpu_affinity` in the config, or take it out to let the kernel place the threads.';

/**
 * The CPUs the process had before its first pin: an updater started after another one stopped
 * in the same process is checked against them, not against the main thread's CPUs it left.
 */
const processCpus = new WeakMap<AffinityHost, string | null>();

/** Undoes {@link pinThreads} at the stop. */
export interface PinnedThreads {
  /** Waits for the rescans to end (the stop signal), then puts every thread back on the CPUs it had. */
  restore(): Promise<void>;
}

/**
 * Applies `process.cpu_affinity` at the start (see {@link ThreadPinning}) and keeps new threads
 * off the main thread's CPUs until `signal` aborts. A setting this machine cannot honour (not
 * Linux, a CPU the process may not use, no `taskset`) stops the start with the config's
 * position, as any other config error.
 */
export async function pinThreads(
  config: MissoConfig,
  deps: { clock: Clock; logger: Logger; signal: AbortSignal },
  host: AffinityHost = linuxAffinityHost,
  platform: string = process.platform,
): Promise<PinnedThreads | null> {
  const wanted = config.process.cpuAffinity;
  if (wanted === null) return null;
  const refuse = (message: string, hint: string): ConfigError => {
    const at = wanted.pos ?? { file: config.file ?? '<config object>', line: 0, col: 0 };
    return new ConfigError([{ ...at, path: 'process.cpu_affinity', message, hint }], NEXT_STEP);
  };
  if (platform !== 'linux') throw refuse(`pinning threads needs Linux (this is ${platform})`, 'remove `process.cpu_affinity` here');
  if (!processCpus.has(host)) processCpus.set(host, await host.allowed(process.pid));
  const allowedList = processCpus.get(host) ?? null;
  if (allowedList === null) throw refuse('this process\'s CPUs cannot be read from /proc', 'is /proc mounted?');
  const processList = parseCpuList(allowedList);
  const others = wanted.others ?? processList.filter((cpu) => !wanted.main.includes(cpu));
  if (others.length === 0) throw refuse(`\`main\` takes every CPU this process may use (${allowedList})`, 'leave at least one CPU for the other threads');
  const affinity = { main: wanted.main, others };
  const problem = affinityProblem(affinity, allowedList);
  if (problem !== null) throw refuse(problem, 'use CPUs of that list (`nproc`, or the container\'s cpuset)');
  const pinning = new ThreadPinning(affinity, host);
  try {
    await pinning.apply();
  } catch (error: unknown) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw refuse(
      missing ? 'pinning threads needs `taskset`, which is not installed' : `taskset failed: ${(error as Error).message.trim()}`,
      missing ? 'install util-linux (`apt-get install util-linux`)' : 'check the CPUs and the process\'s permissions',
    );
  }
  deps.logger.info({ main: affinity.main, others }, 'threads pinned: the event loop on its own CPUs, every other thread off them');
  const watching = pinning.watch(deps.clock, deps.logger, deps.signal);
  return {
    async restore() {
      await watching;
      await pinning.restore(processList);
    },
  };
}
