import { Backoff } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import { coerceError, StartupError, StoppedError, UserError } from '../core/errors.js';
import { RetryLog } from '../core/retry-log.js';
import type { Logger } from '../core/logger.js';
import type { MissoConfig } from '../config/types.js';
import type { Exchange } from 'ccxt';
import { errorKind } from './classify.js';
import { withReadRetries, type ReadRetryScope } from './read-retries.js';
import { createExchangeSession, type ExchangeSessionOptions, type ManagedExchangeSession } from './session.js';

/** How {@link openSessionWithRetry} waits, and whom it tells. */
export interface OpenSessionRetry {
  /** Ends the retries (the updater stopping): the open then fails with a `StoppedError`. */
  signal: AbortSignal;
  /** First delay between tries; it doubles up to `maxMs`. @defaultValue 250 */
  baseMs?: number;
  /** @defaultValue 2000 */
  maxMs?: number;
  /** Uniform [0,1) source for jitter. @defaultValue Math.random */
  random?: () => number;
  /** Called once, on the first failure that will be retried (the operator's one notification). */
  onFirstFailure?: (err: Error) => void;
  /** Called once the session opens after {@link onFirstFailure} was called, with how long since (ms): the notice that closes it. */
  onConnectedAfterFailure?: (afterMs: number) => void;
  /** Called on every failure that will be retried, markets' loads included (`call`: see ReadRetryScope.onRetry). */
  onRetry?: (err: Error, call: object) => void;
  /** Called once a call that was retried works (or fails for good); see ReadRetryScope.onRetryEnd. */
  onRetryEnd?: (call: object) => void;
}

/**
 * Opens the exchange session. An exchange that cannot be reached is expected weather: it is
 * retried with backoff (0.25 s doubling to 2 s) until it answers or `signal` aborts. Refused
 * credentials, an exchange that cannot be used, or a config mistake end the open at once with a
 * `StartupError` (or the `UserError`) naming the next step. A session that opens after the stop
 * is closed at once.
 */
export async function openSessionWithRetry(options: ExchangeSessionOptions, retry: OpenSessionRetry): Promise<ManagedExchangeSession> {
  const { clock, logger } = options;
  const baseMs = retry.baseMs ?? 250;
  const maxMs = retry.maxMs ?? 2000;
  const random = retry.random ?? Math.random;
  const backoff = new Backoff({ baseMs, maxMs, random });
  let told = false;
  let firstFailureAt = 0;
  const tell = (err: unknown): void => {
    if (told) return;
    told = true;
    firstFailureAt = clock.now();
    retry.onFirstFailure?.(coerceError(err));
  };
  // Loading markets is retried call by call (with a reload: ccxt keeps a failed promise); this
  // loop covers the rest, such as building the client. Both log their failed tries as one run,
  // at a decaying rate (an exchange down for an hour is ~70 lines, not one every 2 s).
  const log = new RetryLog({ clock, logger, failing: 'exchange unreachable at start; retrying', recovered: 'exchange reachable at start; connected' });
  const onRetry = (err: unknown, call: object): void => retry.onRetry?.(coerceError(err), call);
  const onRetryEnd = (call: object): void => retry.onRetryEnd?.(call);
  const scope: ReadRetryScope = { clock, logger, signal: retry.signal, baseMs, maxMs, random, log, onFirstRetry: tell, onRetry, onRetryEnd };
  // This loop's own tries (building the client), as one retried call.
  const opening = {};
  for (;;) {
    let session: ManagedExchangeSession;
    try {
      session = await withReadRetries(scope, () => createExchangeSession(options));
    } catch (err: unknown) {
      // A mistake (the config's, or a factory's that gave no exchange) is not weather.
      if (err instanceof UserError || err instanceof StoppedError || err instanceof StartupError) throw err;
      const e = coerceError(err);
      const kind = errorKind(err);
      if (kind === 'auth' || kind === 'not_supported') {
        onRetryEnd(opening);
        throw startFailure(err);
      }
      // The answer (or its timeout) came after a stop: nothing more to say or try.
      if (retry.signal.aborted) throw new StoppedError('stopped while connecting to the exchange');
      const delay = backoff.next();
      log.failed({ attempt: backoff.attempt, kind, err: e.message, retryInMs: delay });
      onRetry(e, opening);
      tell(e);
      if (!(await clock.sleep(delay, retry.signal))) throw new StoppedError('stopped while connecting to the exchange');
      continue;
    }
    // The stop came while the session was being opened, and found none to close.
    if (retry.signal.aborted) {
      await session.close({ drainTimeoutMs: 0 });
      throw new StoppedError('stopped while connecting to the exchange');
    }
    log.succeeded();
    onRetryEnd(opening);
    if (told) retry.onConnectedAfterFailure?.(clock.now() - firstFailureAt);
    return session;
  }
}

/** The session options for a config: its exchange, and rebuild backoff capped by its shortest task period. */
export function sessionOptionsFor(
  config: MissoConfig,
  deps: { clock: Clock; logger: Logger; factory?: (() => Promise<Exchange>) | undefined },
): ExchangeSessionOptions {
  // A rebuild that keeps failing retries with backoff; capping it at the shortest task period
  // keeps recovery after an outage within a couple of periods instead of up to 30 s.
  const periods = config.tasks.flatMap((t) => (t.freqSecs === null ? [] : [t.freqSecs * 1000]));
  const { factory, ...rest } = deps;
  return { config: config.exchange, ...rest, ...(factory ? { factory } : {}), rebuildMaxDelayMs: Math.max(1000, Math.min(30_000, ...periods)) };
}

/**
 * What a failed start reports: refused credentials and an unusable exchange become a
 * `StartupError` with the operator's next step (the CLI prints it without a stack); anything
 * else is returned as it is.
 */
export function startFailure(err: unknown): unknown {
  if (err instanceof StartupError || err instanceof StoppedError || err instanceof UserError) return err;
  const kind = errorKind(err);
  const message = coerceError(err).message;
  // ccxt's own refusal before any request: the config gave no key at all.
  if (kind === 'auth' && /requires "\w+" credential/.test(message)) {
    return new UserError(
      `${message}: the config gives no credentials, and misso reads the account's open orders at every start (its order journal is reconciled with them); ` +
        'add `apiKey: ${YOUR_KEY_VAR}` and `secret: ${YOUR_SECRET_VAR}` under `exchange:` (read from the environment)',
    );
  }
  if (kind === 'auth') {
    return new StartupError(
      `the exchange refused the credentials (${message}); check exchange.apiKey and exchange.secret, the key's permissions and its IP whitelist`,
    );
  }
  if (kind === 'not_supported') return new StartupError(`the exchange cannot be used: ${message}`);
  return err;
}
