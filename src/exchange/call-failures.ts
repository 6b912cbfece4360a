import type { Exchange } from 'ccxt';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { RateBudget } from './budget.js';
import { attachKind, classifyError } from './classify.js';
import { resyncClock } from './resync-clock.js';
import type { ErrorKind } from './types.js';

const ERROR_KINDS: readonly ErrorKind[] = [
  'retryable',
  'rate_limit',
  'nonce',
  'auth',
  'invalid_order',
  'insufficient_funds',
  'not_found',
  'not_supported',
  'usage',
  'unknown',
];

/**
 * What a failed exchange call does to its session, decided once at the boundary: the error is
 * classified and carries its kind from then on; it is counted; a rate limit or a ban pauses the
 * account's {@link RateBudget}; an `InvalidNonce` resyncs the clock (one resync at a time);
 * refused credentials are logged with the next step. The caller rethrows the original error.
 */
export class CallFailures {
  /** Failed calls per classified kind. */
  readonly counts = Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>;
  /** Clock resyncs after `InvalidNonce`, and how many of them worked. */
  readonly resyncs = { attempted: 0, ok: 0 };
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #budget: RateBudget;
  #resyncing: Promise<void> | undefined;

  constructor(deps: { clock: Clock; logger: Logger; budget: RateBudget }) {
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#budget = deps.budget;
  }

  /** Handles the failure of `method`, sent to `instance`. */
  async handle(err: unknown, method: string, instance: Exchange): Promise<void> {
    const c = classifyError(err, this.#clock.now());
    attachKind(err, c.kind);
    this.counts[c.kind]++;
    if (c.kind === 'rate_limit') {
      const kind = c.ban ? 'ban' : 'rate_limit';
      this.#budget.penalize(c.retryAfterMs === undefined ? { kind } : { kind, retryAfterMs: c.retryAfterMs });
      this.#logger.warn(
        { method, error: c.name, retryAfterMs: c.retryAfterMs, ban: c.ban === true },
        c.ban
          ? 'exchange banned this IP: every call waits until the ban ends; lower rate_budget.capacity or stop other bots on this IP'
          : 'exchange rate limit hit: status, account and market calls pause; orders still go out',
      );
    } else if (c.kind === 'nonce') {
      await this.#resync(instance);
    } else if (c.kind === 'auth') {
      this.#logger.error(
        { method, error: c.name, detail: c.message },
        'exchange refused our credentials: check the apiKey/secret environment variables, the key permissions and its IP whitelist',
      );
    }
  }

  #resync(instance: Exchange): Promise<void> {
    this.#resyncing ??= (async () => {
      try {
        await this.#budget.acquire('account');
      } catch {
        return; // closing
      }
      this.resyncs.attempted++;
      const result = await resyncClock(instance);
      if (result.ok) this.resyncs.ok++;
      this.#logger.warn(
        { ...result },
        result.ok
          ? 'InvalidNonce: resynced the clock offset with the exchange'
          : 'InvalidNonce: could not resync the clock offset; check this machine\'s time sync (NTP)',
      );
    })().finally(() => {
      this.#resyncing = undefined;
    });
    return this.#resyncing;
  }
}
