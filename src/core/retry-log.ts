import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

/** What {@link RetryLog} says, and how often. */
export interface RetryLogOptions {
  clock: Clock;
  logger: Logger;
  /** The warning of a failed try, e.g. 'exchange unreachable at start; retrying'. */
  failing: string;
  /** The info line once a try works after failures, e.g. 'exchange reachable at start'. */
  recovered: string;
  /** Once the doubling spaces the lines further apart than this, a line comes this often. @defaultValue 60_000 */
  everyMs?: number;
}

/**
 * The log of a retry loop that may run for hours (an exchange unreachable at start, retried
 * every 2 s): the first failure is a warning, then the 2nd, 4th, 8th … failure, and once a
 * minute goes by before the next of those, one line a minute, each with how many tries failed
 * since the line before and for how long they have been failing; once a try works, one info
 * line with the number of failed tries and how long they took. About 70 lines an hour of
 * failures, not one per try (1800 an hour).
 */
export class RetryLog {
  readonly #o: RetryLogOptions;
  readonly #everyMs: number;
  /** Failed tries since the last success. */
  #failures = 0;
  #failingSince = 0;
  #loggedFailures = 0;
  #loggedAt = 0;
  /** The failure count at which the next line is due, at the latest (the doubling). */
  #nextLine = 1;

  constructor(options: RetryLogOptions) {
    this.#o = options;
    this.#everyMs = options.everyMs ?? 60_000;
  }

  /** Failed tries since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** A try failed (`fields`: what to say of it: the error, the delay before the next try). */
  failed(fields: Record<string, unknown>): void {
    const now = this.#o.clock.now();
    if (this.#failures === 0) this.#failingSince = now;
    this.#failures++;
    if (this.#failures < this.#nextLine && now - this.#loggedAt < this.#everyMs) return;
    this.#o.logger.warn(
      {
        ...fields,
        failures: this.#failures,
        failuresSinceLastLine: this.#failures - this.#loggedFailures,
        failingForMs: now - this.#failingSince,
      },
      this.#o.failing,
    );
    this.#loggedFailures = this.#failures;
    this.#loggedAt = now;
    this.#nextLine = this.#failures * 2;
  }

  /** A try worked: after failures, one info line saying after how many and how long; then all starts over. */
  succeeded(fields: Record<string, unknown> = {}): void {
    if (this.#failures === 0) return;
    this.#o.logger.info({ ...fields, failedTries: this.#failures, tookMs: this.#o.clock.now() - this.#failingSince }, this.#o.recovered);
    this.#failures = 0;
    this.#loggedFailures = 0;
    this.#loggedAt = 0;
    this.#nextLine = 1;
  }
}
