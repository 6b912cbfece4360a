import { Backoff } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import { coerceError, errorClassName } from '../core/errors.js';
import { withoutHtml } from '../core/error-text.js';
import type { Logger } from '../core/logger.js';
import type { TaskHealth } from '../core/task-status.js';
import { taskErrorKind } from '../exchange/classify.js';
import type { TaskKind } from '../tasks/contract.js';
import { SubtaskError } from '../tasks/subtask.js';

/** Options of a {@link TaskSupervisor}. */
export interface SupervisorOptions {
  name: string;
  kindName: string;
  kind: TaskKind;
  /** Period between passes in ms; null for `once` and services. */
  freqMs: number | null;
  /** A pass that takes longer is aborted and counted as failed. */
  timeoutMs: number;
  /** First backoff after a failure; doubled each time, capped at `freqMs` (or `maxBackoffMs`). @defaultValue 1000 */
  baseBackoffMs?: number;
  /** Cap for tasks without a period. @defaultValue 30000 */
  maxBackoffMs?: number;
  /** Give up after this many failures in a row (used for the init update). @defaultValue unlimited */
  maxConsecutiveFailures?: number;
  /** How long stop waits for a pass under way. @defaultValue 1000 */
  stopGraceMs?: number;
  clock: Clock;
  /** Scoped to the task already (`logger.child({ task })`): the supervisor adds no `task` key of its own. */
  logger: Logger;
  /** Uniform [0,1) source for jitter; injectable for deterministic tests. @defaultValue Math.random */
  random?: () => number;
  /** Resolves when the init update is done (skipped when the kind says so). */
  initDone: Promise<void>;
  /** Resolves when the exchange gate is open. */
  waitOpen: (signal: AbortSignal) => Promise<void>;
  /** One pass (or the whole service), with a signal that aborts on stop or timeout. */
  run: (signal: AbortSignal) => Promise<void>;
  /** Called after every pass with its outcome. */
  onResult?: (status: TaskHealth, error: Error | null) => void;
  /** What the pass given `signal` is doing (the subtask under way), named in its timeout. */
  underWay?: (signal: AbortSignal) => string | null;
  /** What the exchange made every call wait for since `since` (a ban, a 429's pause), named in a timeout. */
  waitedOn?: (since: number) => string | null;
}

/**
 * The one loop every task runs under, instead of a copy per task: wait for the init update,
 * wait while the exchange restarts, run, record the outcome, sleep `freq` (abortably). A
 * failure backs off exponentially with jitter, capped at `freq`; the loop never exits on an
 * error and never spins. Authentication errors stop the task instead of hammering.
 */
export class TaskSupervisor {
  readonly status: TaskHealth;
  readonly #o: SupervisorOptions;
  readonly #random: () => number;
  #current: Promise<void> | null = null;

  constructor(options: SupervisorOptions) {
    this.#o = options;
    this.#random = options.random ?? Math.random;
    this.status = {
      kind: options.kindName,
      ok: null,
      runs: 0,
      failures: 0,
      consecutiveFailures: 0,
      lastError: null,
      lastErrorKind: null,
      lastErrorClass: null,
      lastSuccessAt: null,
      lastDurationMs: null,
      freqSecs: options.freqMs === null ? null : options.freqMs / 1000,
      state: 'waiting',
      staleAttributes: [],
    };
  }

  /** The backoff before retry number `attempt` (1-based), before jitter. */
  backoffMs(attempt: number): number {
    const cap = this.#o.freqMs ?? this.#o.maxBackoffMs ?? 30_000;
    return new Backoff({ baseMs: Math.min(this.#o.baseBackoffMs ?? 1000, cap), maxMs: cap }).nominalMs(attempt);
  }

  /** Runs until `stop` aborts. Resolves once the loop has ended. */
  async run(stop: AbortSignal): Promise<void> {
    const { kind, clock } = this.#o;
    if (kind.waitForInit ?? kind.mode !== 'once') {
      await Promise.race([this.#o.initDone, abortPromise(stop)]);
    }
    if (kind.delayFirstRun && this.#o.freqMs !== null) {
      // Nothing is wrong with a task that is not due yet: it reports healthy, with no runs.
      this.status.ok = true;
      this.#o.onResult?.(this.status, null);
      this.status.state = 'sleeping';
      await clock.sleep(this.#o.freqMs, stop);
    }
    while (!stop.aborted) {
      if (kind.gated ?? true) await this.#o.waitOpen(stop);
      if (stop.aborted) break;
      const error = await this.#pass(stop);
      if (stop.aborted) break;
      if (error) {
        if (taskErrorKind(error) === 'auth') {
          this.#o.logger.error({ err: error.message }, 'authentication failed: task stopped');
          break;
        }
        const cap = this.#o.maxConsecutiveFailures;
        if (cap !== undefined && this.status.consecutiveFailures >= cap) break;
        this.status.state = 'backoff';
        const delay = this.backoffMs(this.status.consecutiveFailures) * (0.5 + this.#random() * 0.5);
        await clock.sleep(delay, stop);
        continue;
      }
      if (kind.mode === 'once') break;
      if (kind.mode === 'service') {
        // A service that returns without being stopped is restarted, but never in a hot loop.
        this.status.state = 'backoff';
        await clock.sleep(this.backoffMs(1), stop);
        continue;
      }
      // A periodic kind given no period (no `freq`, no default) runs once: it has nothing to
      // wait for between passes, and without a wait its loop would spin.
      if (this.#o.freqMs === null) break;
      this.status.state = 'sleeping';
      await clock.sleep(this.#o.freqMs, stop);
    }
    this.status.state = 'stopped';
  }

  /** Waits for a pass under way, up to the stop grace. */
  async settle(): Promise<void> {
    const current = this.#current;
    if (!current) return;
    await Promise.race([current, new Promise<void>((r) => setTimeout(r, this.#o.stopGraceMs ?? 1000).unref())]);
  }

  /** Marks a service alive between passes. */
  heartbeat(): void {
    this.status.ok = true;
    this.status.lastSuccessAt = this.#o.clock.now();
    this.#o.onResult?.(this.status, null);
  }

  async #pass(stop: AbortSignal): Promise<Error | null> {
    const { clock } = this.#o;
    const controller = new AbortController();
    let stopped: () => void = () => undefined;
    const stoppedWhileRunning = new Promise<'done'>((resolve) => (stopped = () => resolve('done')));
    const onStop = (): void => {
      controller.abort(stop.reason);
      stopped();
    };
    stop.addEventListener('abort', onStop, { once: true });
    const started = clock.now();
    this.status.state = 'running';
    let error: Error | null = null;
    let thrown: unknown = null;
    const runPromise = this.#o.run(controller.signal);
    // Tracked until the pass itself ends (not when the loop stops waiting), for settle().
    const tracked = runPromise.then(
      () => undefined,
      () => undefined,
    );
    this.#current = tracked;
    void tracked.then(() => {
      if (this.#current === tracked) this.#current = null;
    });
    try {
      if (this.#o.kind.mode === 'service') {
        await runPromise;
      } else {
        const timer = new AbortController();
        const timedOut = clock.sleep(this.#o.timeoutMs, timer.signal).then((done) => done);
        // A stop ends the wait at once: a pass hung on the network must not hold the loop (the
        // stop itself waits for the pass, up to its grace, in settle()).
        let outcome: 'done' | 'timeout';
        try {
          outcome = await Promise.race([
            runPromise.then(() => 'done' as const),
            timedOut.then((t) => (t ? 'timeout' : 'done')),
            stoppedWhileRunning,
          ]);
        } finally {
          // Also when the pass rejected: an armed timeout sleep would keep the process alive
          // for up to timeout_secs after stop().
          timer.abort();
        }
        if (outcome === 'timeout') {
          // Read before the abort lets the pass wind down: the subtask it was stuck in.
          const under = this.#o.underWay?.(controller.signal) ?? null;
          controller.abort(new Error('timeout'));
          runPromise.catch(() => undefined);
          const waited = this.#o.waitedOn?.(started) ?? null;
          throw new Error(`${under === null ? '' : `${under} `}timed out after ${this.#o.timeoutMs / 1000}s${waited === null ? '' : ` (${waited})`}`);
        }
      }
    } catch (err: unknown) {
      error = coerceError(err);
      thrown = err;
    } finally {
      stop.removeEventListener('abort', onStop);
    }
    if (stop.aborted) return null;
    this.status.runs += 1;
    this.status.lastDurationMs = clock.now() - started;
    if (error) {
      this.status.ok = false;
      this.status.failures += 1;
      this.status.consecutiveFailures += 1;
      // Always text an operator can read, even for `throw new Error('')`.
      // An exchange's HTML error page becomes its title: this text is shown to the operator.
      this.status.lastError = withoutHtml(error.message) || `${error.name || 'Error'} (without a message)`;
      this.status.lastErrorKind = taskErrorKind(error);
      this.status.lastErrorClass = thrownClass(thrown);
      this.#o.logger.warn(
        { err: error.message, kind: this.status.lastErrorKind, class: this.status.lastErrorClass, attempt: this.status.consecutiveFailures },
        'task failed',
      );
    } else {
      this.status.ok = true;
      this.status.consecutiveFailures = 0;
      this.status.lastError = null;
      this.status.lastErrorKind = null;
      this.status.lastErrorClass = null;
      this.status.lastSuccessAt = clock.now();
    }
    this.#o.onResult?.(this.status, error);
    return error;
  }
}

/** The class of what a pass threw: a subtask's failure is named by what the subtask threw. */
function thrownClass(thrown: unknown): string {
  try {
    return errorClassName(thrown instanceof SubtaskError ? thrown.cause : thrown);
  } catch {
    return 'Error';
  }
}

function abortPromise(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
