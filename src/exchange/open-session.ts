import { Backoff } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import { coerceError, StartupError, StoppedError, UserError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { MissoConfig } from '../config/types.js';
import type { Exchange } from 'ccxt';
import { errorKind } from './classify.js';
import { createExchangeSession, type ExchangeSessionOptions, type ManagedExchangeSession } from './session.js';

/** How {@link openSessionWithRetry} waits, and whom it tells. */
export interface OpenSessionRetry {
  /** Ends the retries (the updater stopping): the open then fails with a `StoppedError`. */
  signal: AbortSignal;
  /** First delay between tries; it doubles up to `maxMs`. @defaultValue 1000 */
  baseMs?: number;
  /** @defaultValue 30000 */
  maxMs?: number;
  /** Called once, on the first failure that will be retried (the operator's one notification). */
  onFirstFailure?: (err: Error) => void;
}

/**
 * Opens the exchange session. An exchange that cannot be reached is expected weather: it is
 * retried with backoff (1 s doubling to 30 s) until it answers or `signal` aborts. Refused
 * credentials, an exchange that cannot be used, or a config mistake end the open at once with a
 * `StartupError` (or the `UserError`) naming the next step.
 */
export async function openSessionWithRetry(options: ExchangeSessionOptions, retry: OpenSessionRetry): Promise<ManagedExchangeSession> {
  const { clock, logger } = options;
  const backoff = new Backoff({ baseMs: retry.baseMs ?? 1000, maxMs: retry.maxMs ?? 30_000 });
  for (;;) {
    try {
      return await createExchangeSession(options);
    } catch (err: unknown) {
      if (err instanceof UserError) throw err;
      const e = coerceError(err);
      const kind = errorKind(err);
      if (kind === 'auth') {
        throw new StartupError(`the exchange refused the credentials (${e.message}); check exchange.apiKey and exchange.secret`);
      }
      if (kind === 'not_supported') throw new StartupError(`the exchange cannot be used: ${e.message}`);
      const delay = backoff.next();
      logger.warn({ attempt: backoff.attempt, kind, err: e.message, retryInMs: delay }, 'exchange unreachable at start; retrying');
      if (backoff.attempt === 1) retry.onFirstFailure?.(e);
      if (!(await clock.sleep(delay, retry.signal))) throw new StoppedError('stopped while connecting to the exchange');
    }
  }
}

/** The session options for a config: its exchange, and rebuild backoff capped by its shortest task period. */
export function sessionOptionsFor(config: MissoConfig, deps: { clock: Clock; logger: Logger; factory?: () => Promise<Exchange> }): ExchangeSessionOptions {
  // A rebuild that keeps failing retries with backoff; capping it at the shortest task period
  // keeps recovery after an outage within a couple of periods instead of up to 30 s.
  const periods = config.tasks.flatMap((t) => (t.freqSecs === null ? [] : [t.freqSecs * 1000]));
  return { config: config.exchange, ...deps, rebuildMaxDelayMs: Math.max(1000, Math.min(30_000, ...periods)) };
}
