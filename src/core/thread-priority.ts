import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** How far below the engine's own thread a helper thread runs: nice 10 more. */
export const HELPER_THREAD_NICE = 10;

/** The calling thread's kernel thread id (Linux), or null elsewhere. */
export function osThreadId(): number | null {
  if (process.platform !== 'linux') return null;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/**
 * Lowers the calling thread's CPU priority by `by` nice steps (at most to 19), leaving the
 * process's other threads as they are. For a helper thread (the market-data thread): on a
 * contended core Linux then runs the engine's main thread first, which applies fills and sends
 * orders. Linux only, where a nice value belongs to a thread; elsewhere, or when the kernel
 * refuses, nothing changes. Returns the thread's id, or null when nothing was changed.
 */
export function lowerThreadPriority(by = HELPER_THREAD_NICE): number | null {
  const tid = osThreadId();
  if (tid === null) return null;
  try {
    setPriority(tid, Math.min(19, getPriority(tid) + by));
    return tid;
  } catch {
    return null;
  }
}
