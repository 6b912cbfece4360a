import type { RateBudgetStats } from '../exchange/budget.js';
import type { SessionHealth } from '../exchange/types.js';

/**
 * How long a restart may be under way before the exchange counts as not ready: a routine rebuild
 * (drain up to twice the timeout, reconnect, load the markets, reconcile) takes a few seconds to
 * tens of seconds on a busy host, and must not make `/readyz` flap.
 */
export const RESTART_GRACE_MS = 30_000;

/**
 * Network-class failures in a row (network, 5xx, timeouts, with no answer between them) after
 * which the exchange counts as not ready: the task host rebuilds the session after as many.
 */
export const FAILED_CALLS_NOT_READY = 5;

/**
 * ... and for how long no call was answered: the tasks' calls run side by side, so a blip of a
 * second fails five of them at once, and that is not an exchange that is down.
 */
export const FAILING_FOR_NOT_READY_MS = 10_000;

/**
 * Why the `exchange` readiness flag is false, or null when it holds. The flag is false before
 * the session is open; while a restart has been under way for {@link RESTART_GRACE_MS} or more
 * (calls wait at its gate meanwhile); and while the last {@link FAILED_CALLS_NOT_READY} or more
 * exchange calls all failed with network-class errors, none answered for
 * {@link FAILING_FOR_NOT_READY_MS} or more.
 */
export function exchangeNotReady(health: SessionHealth | null, now: number): string | null {
  if (health === null) return 'the exchange session is not open yet';
  const why: string[] = [];
  const { restartingSince, failedRebuilds, lastRebuildError } = health;
  if (restartingSince !== null && now - restartingSince >= RESTART_GRACE_MS) {
    const rebuilds = failedRebuilds === 0 ? 'no rebuild attempt failed yet' : `${attempts(failedRebuilds, 'rebuild attempt')} failed, last: ${lastRebuildError ?? 'unknown error'}`;
    why.push(`session restarting since ${clockTime(restartingSince)} (${secs(now - restartingSince)}; ${rebuilds})`);
  }
  const failingFor = health.failingSince === null ? 0 : now - health.failingSince;
  if (health.failedCalls >= FAILED_CALLS_NOT_READY && failingFor >= FAILING_FOR_NOT_READY_MS) {
    const since = health.failingSince === null ? '' : ` since ${clockTime(health.failingSince)}`;
    why.push(`the last ${health.failedCalls} exchange calls failed${since} (last: ${health.lastCallError ?? 'unknown error'})`);
  }
  return why.length === 0 ? null : why.join('; ');
}

/**
 * What the exchange has made calls wait for since `since`: its ban (every call), or a 429's pause
 * (reads); null when neither reached past `since`. A task's timeout says so, since a pass that
 * waited out a ban is not a hung pass.
 */
export function exchangeWaitSince(budget: Pick<RateBudgetStats, 'pausedUntil' | 'bannedUntil'> | undefined, since: number, now: number): string | null {
  if (!budget) return null;
  const tense = (until: number): string => (until > now ? 'holds' : 'held');
  if (budget.bannedUntil > since) return `the exchange's ban ${tense(budget.bannedUntil)} every call until ${clockTime(budget.bannedUntil)}`;
  if (budget.pausedUntil > since) return `the exchange's rate limit ${tense(budget.pausedUntil)} reads until ${clockTime(budget.pausedUntil)}`;
  return null;
}

function attempts(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function secs(ms: number): string {
  return `for ${Math.round(ms / 1000)} s`;
}

/** UTC, to the second: `2023-11-14T22:13:20Z`. */
function clockTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
