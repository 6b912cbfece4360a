import { Backoff } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { classifyError, isWeather } from '../exchange/classify.js';

/** Where {@link retryWeather} runs. */
export interface WeatherRetryScope {
  clock: Clock;
  logger: Logger;
  /** No try starts, and no wait ends, after this instant (clock ms). */
  deadlineAt: number;
  /** First wait between tries; doubles up to `maxMs`. @defaultValue 500 */
  baseMs?: number;
  /** @defaultValue 5000 */
  maxMs?: number;
}

/**
 * Calls `fn` until it works, fails with something that is not weather, or the next try would
 * start past `deadlineAt`; then the last error is thrown. A rate limit's own wait (Retry-After,
 * "banned until") is honoured when it is longer than the backoff's.
 */
export async function retryWeather<T>(scope: WeatherRetryScope, what: string, fn: () => Promise<T>): Promise<T> {
  const { clock, logger, deadlineAt } = scope;
  const backoff = new Backoff({ baseMs: scope.baseMs ?? 500, maxMs: scope.maxMs ?? 5000 });
  for (;;) {
    try {
      return await fn();
    } catch (error: unknown) {
      if (!isWeather(error)) throw error;
      const delay = Math.max(backoff.next(), classifyError(error, clock.now()).retryAfterMs ?? 0);
      if (clock.now() + delay > deadlineAt) throw error;
      logger.warn({ err: coerceError(error).message, retryInMs: delay }, `${what} failed; retrying`);
      await clock.sleep(delay);
    }
  }
}
