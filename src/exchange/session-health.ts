import type { Clock } from '../core/clock.js';
import { classifyError } from './classify.js';
import type { ErrorKind, SessionHealth } from './types.js';

/** Records a session's {@link SessionHealth} as its calls and restarts happen. */
export class SessionHealthRecorder {
  readonly #clock: Clock;
  readonly #h: SessionHealth = { restartingSince: null, failedRebuilds: 0, lastRebuildError: null, failedCalls: 0, failingSince: null, lastCallError: null };

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** A copy of what is recorded now. */
  view(): SessionHealth {
    return { ...this.#h };
  }

  /** A restart closed the gate. */
  restartBegan(): void {
    Object.assign(this.#h, { restartingSince: this.#clock.now(), failedRebuilds: 0, lastRebuildError: null });
  }

  /** One attempt to build a new instance (and load its markets) failed. */
  rebuildFailed(error: unknown): void {
    this.#h.failedRebuilds += 1;
    this.#h.lastRebuildError = describeFailure(error);
  }

  /** A new instance was built and answered: the calls that failed before it no longer say anything. */
  rebuilt(): void {
    this.answered();
  }

  /** The restart ended (reopened, or given up on a stop). */
  restartEnded(): void {
    Object.assign(this.#h, { restartingSince: null, failedRebuilds: 0, lastRebuildError: null });
  }

  /** The exchange answered a call. */
  answered(): void {
    Object.assign(this.#h, { failedCalls: 0, failingSince: null, lastCallError: null });
  }

  /** A call failed with an error already classified as `kind`. */
  callFailed(kind: ErrorKind, error: unknown): void {
    if (kind === 'retryable') {
      this.#h.failedCalls += 1;
      this.#h.failingSince ??= this.#clock.now();
      this.#h.lastCallError = describeFailure(error);
    } else if (kind !== 'unknown') {
      // A refusal (rate limit, bad order, clock skew, …) is an answer: the exchange is there.
      this.answered();
    }
  }
}

/** An error's class and, when known, its HTTP status: `ExchangeNotAvailable (HTTP 503)`. */
export function describeFailure(error: unknown): string {
  const c = classifyError(error);
  return c.httpStatus === undefined ? c.name : `${c.name} (HTTP ${c.httpStatus})`;
}
