import type { StatusSnapshot } from './types.js';

/** The verdict behind `/readyz`. */
export interface Readiness {
  ready: boolean;
  /** One line per reason the updater is not ready; empty when ready. */
  reasons: string[];
  /** Tasks whose last run failed (or that were marked down). */
  downTasks: string[];
  /** Readiness flags that are false. */
  unmetFlags: string[];
}

/**
 * Decides readiness from a snapshot: the engine says it is ready, it is running, every named
 * flag holds (a false one is named with the engine's reason, when it gives one), and no task is
 * down. A task that has not run yet (`ok: null`) is not counted as down here; the engine's
 * `init_update` flag covers the start. A routine exchange restart is not a reason either: it is
 * brief, and would make the probe flap; the engine turns the `exchange` flag false only once a
 * restart outlasts its grace or the exchange stops answering.
 */
export function evaluateReadiness(snapshot: StatusSnapshot): Readiness {
  const reasons: string[] = [];
  if (snapshot.phase !== 'running') reasons.push(`phase is ${snapshot.phase}, not running`);
  const unmetFlags = Object.entries(snapshot.readiness)
    .filter(([, ok]) => !ok)
    .map(([flag]) => flag);
  for (const flag of unmetFlags) {
    const why = snapshot.readinessReasons?.[flag as keyof StatusSnapshot['readiness']];
    reasons.push(`readiness flag ${flag} is false${why ? `: ${why}` : ''}`);
  }
  const downTasks: string[] = [];
  for (const [name, task] of Object.entries(snapshot.tasks)) {
    if (task.ok !== false) continue;
    downTasks.push(name);
    const why = task.lastError ? `: ${task.lastError}` : '';
    reasons.push(`task ${name} is down (${task.consecutiveFailures} consecutive failures)${why}`);
  }
  // Only when nothing above says why.
  if (!snapshot.ready && reasons.length === 0) reasons.push('the engine reports not ready');
  return { ready: reasons.length === 0, reasons, downTasks, unmetFlags };
}
