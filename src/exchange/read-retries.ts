import { Backoff } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import { StoppedError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { RetryLog } from '../core/retry-log.js';
import { ScopedStore } from '../core/scoped-store.js';
import { errorKind, isWeather } from './classify.js';
import { camelName } from './gated-methods.js';

/**
 * Where read calls are retried: everything the code inside {@link withReadRetries} sends to the
 * exchange, through the session, is tried again on expected weather until it works or `signal`
 * aborts.
 */
export interface ReadRetryScope {
  clock: Clock;
  logger: Logger;
  /** Ends the retries (the updater stopping): the call then fails with a `StoppedError`. */
  signal: AbortSignal;
  /** First delay between tries. @defaultValue 500 */
  baseMs?: number;
  /** @defaultValue 5000 */
  maxMs?: number;
  /** Uniform [0,1) source for jitter. @defaultValue Math.random */
  random?: () => number;
  /** The warning of a failed try (logged at a decaying rate, see RetryLog). @defaultValue 'start: exchange call failed; retrying' */
  message?: string;
  /** The info line once a try works after failures and no other read of the scope is failing. @defaultValue 'start: exchange calls work again' */
  recovered?: string;
  /**
   * Where the scope's failed tries are logged: given by a caller that retries around the scope
   * too (the session's open), so both count as one run of failures. @defaultValue one per scope
   */
  log?: RetryLog;
  /** Called once, at the first retry of the scope (to notify the operator). */
  onFirstRetry?: (err: unknown) => void;
  /**
   * Called at every retry, with the error retried on (the caller may keep the last) and the call
   * retried: one object per call, the one {@link onRetryEnd} is given when it is retried no more.
   */
  onRetry?: (err: unknown, call: object) => void;
  /**
   * Called once a call that was retried is retried no more because it worked, or failed with
   * what is not retried (or after its scope ended). Not when a stop ended it: it was still retrying.
   */
  onRetryEnd?: (call: object) => void;
}

interface ActiveScope {
  scope: ReadRetryScope;
  active: boolean;
  retried: boolean;
  log: RetryLog;
  /**
   * The scope's reads being retried now. The scope's reads share its log: one that works while
   * another still fails must not say the calls work again (nor restart the log's decay).
   */
  failing: number;
}

const storage = new ScopedStore<ActiveScope>();

const READ_NAME = /^(fetch|load)|Get([A-Z0-9]|$)|_get(_|$)/;

/**
 * Runs `fn` so that every exchange read it makes through the session (`fetch*`, `load*` and
 * implicit GET endpoints) is retried with backoff on retryable errors. Writes (`createOrder`,
 * `cancelOrder`, …) are never retried here. Work that `fn` leaves running in the background
 * (resolutions it started) stops being retried once `fn` settles, and so does `fn` itself once
 * `signal` aborts: what it sends after that is sent once, like any call outside a scope.
 */
export async function withReadRetries<T>(scope: ReadRetryScope, fn: () => Promise<T>): Promise<T> {
  const log =
    scope.log ??
    new RetryLog({
      clock: scope.clock,
      logger: scope.logger,
      failing: scope.message ?? 'start: exchange call failed; retrying',
      recovered: scope.recovered ?? 'start: exchange calls work again',
    });
  const entry: ActiveScope = { scope, active: true, retried: false, log, failing: 0 };
  try {
    // A pass abandoned on its signal (a hung init task timed out) ends the scope, and the process's
    // promise hook with it; a read it still sends afterwards goes out once instead of being refused.
    return await storage.run(entry, fn, scope.signal);
  } finally {
    entry.active = false;
  }
}

/** Whether `method` is a read that {@link withReadRetries} may repeat. */
export function isRetriedRead(method: string): boolean {
  return READ_NAME.test(method) || READ_NAME.test(camelName(method));
}

/**
 * The session's hook: sends `call(args)` once, or, inside an active {@link withReadRetries} scope and
 * for a read, until it works, the error is not weather, or the scope's signal aborts.
 */
export async function sendWithReadRetries<T>(method: string, args: unknown[], call: (args: unknown[]) => Promise<T>): Promise<T> {
  const entry = storage.getStore();
  if (!entry?.active || !isRetriedRead(method)) return call(args);
  const { scope } = entry;
  const backoff = new Backoff({ baseMs: scope.baseMs ?? 500, maxMs: scope.maxMs ?? 5000, random: scope.random ?? Math.random });
  // This call, as the scope's callbacks tell it from the others.
  const retried = {};
  const ended = (): void => {
    if (backoff.attempt === 0) return;
    entry.failing--;
    scope.onRetryEnd?.(retried);
  };
  for (;;) {
    if (scope.signal.aborted) throw new StoppedError(`stopped: ${method} not sent`);
    try {
      // ccxt keeps a failed loadMarkets() promise and hands it out again: a retry must reload.
      const answer = await call(backoff.attempt > 0 && camelName(method) === 'loadMarkets' ? [true, ...args.slice(1)] : args);
      ended();
      // The calls work again once none of the scope's reads is failing.
      if (entry.failing === 0) entry.log.succeeded({ method });
      return answer;
    } catch (err: unknown) {
      const kind = errorKind(err);
      // Weather only (see isWeather); a 429/418's pause is waited out by the budget.
      if (!entry.active || !isWeather(err)) {
        ended();
        throw err;
      }
      // A stop while the call was out: say nothing more, the updater is gone.
      if (scope.signal.aborted) throw new StoppedError(`stopped: ${method} abandoned`);
      if (backoff.attempt === 0) entry.failing++;
      const delay = backoff.next();
      entry.log.failed({ method, kind, attempt: backoff.attempt, retryInMs: delay, err: err instanceof Error ? err.message : String(err) });
      scope.onRetry?.(err, retried);
      if (!entry.retried) {
        entry.retried = true;
        scope.onFirstRetry?.(err);
      }
      if (!(await scope.clock.sleep(delay, scope.signal))) throw new StoppedError(`stopped: ${method} not retried`);
    }
  }
}
