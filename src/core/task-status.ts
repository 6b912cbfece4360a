/** What a task's loop is doing right now. */
export type TaskState = 'waiting' | 'running' | 'sleeping' | 'backoff' | 'stopped';

/** Health of one named task (the seed's `system_status[name]` plus counters), as the status API shows it. */
export interface TaskStatus {
  /** The task kind, e.g. `t_update_tickers`. */
  kind: string;
  /** Result of the last run: true when it succeeded, false when it failed, null before the first run. */
  ok: boolean | null;
  /** Runs finished since the process started (successful or not). Never decreases. */
  runs: number;
  /** Failed runs since the process started. Never decreases. */
  failures: number;
  /** Failures since the last success; 0 when the last run succeeded. */
  consecutiveFailures: number;
  /** Message of the latest failure, null when the task has never failed or has recovered. */
  lastError: string | null;
  /**
   * How that failure is handled (`retryable`, `rate_limit`, `nonce`, `auth`, `usage`, …;
   * `unknown`: none of them, retried like `retryable`); null when {@link lastError} is null or
   * says what is stale.
   */
  lastErrorKind: string | null;
  /** The class of what the task threw (`RangeError`, ccxt's `RequestTimeout`, `MyErr`); null as {@link lastErrorKind}. */
  lastErrorClass: string | null;
  /** Epoch ms of the latest successful run. */
  lastSuccessAt: number | null;
  /** Wall time of the latest run. */
  lastDurationMs: number | null;
  /** The task's period; null for run-once or event-driven tasks. */
  freqSecs: number | null;
  state: TaskState;
}

/**
 * The engine's record of a task: its {@link TaskStatus} plus the class of the last error and
 * the attributes it feeds that are stale right now (the status API folds those into `ok`).
 */
export interface TaskHealth extends TaskStatus {
  /**
   * How the last error is handled, one of the `ErrorKind`s (`retryable`, `rate_limit`, `nonce`,
   * `auth`, `usage`, …; `unknown`: none of them, retried like `retryable`); null with no error.
   */
  lastErrorKind: string | null;
  /**
   * The class of what the task threw last (`RangeError`, ccxt's `RequestTimeout`, a custom
   * `MyErr`; a subtask's failure gives its cause's; `string` for a thrown string); null with no error.
   */
  lastErrorClass: string | null;
  staleAttributes: string[];
}

/** Whether a task is up: its last run succeeded and nothing it feeds is stale. The one definition. */
export function isTaskUp(health: TaskHealth): boolean {
  return health.ok === true && health.staleAttributes.length === 0;
}

/** A task's status as the status API shows it: a task feeding stale data counts as down. */
export function toTaskStatus(health: TaskHealth): TaskStatus {
  const stale = health.staleAttributes.length > 0;
  return {
    kind: health.kind,
    ok: health.ok === null ? null : isTaskUp(health),
    runs: health.runs,
    failures: health.failures,
    consecutiveFailures: health.consecutiveFailures,
    lastError: stale ? `stale: ${health.staleAttributes.join(', ')}` : health.lastError,
    lastErrorKind: stale ? null : health.lastErrorKind,
    lastErrorClass: stale ? null : health.lastErrorClass,
    lastSuccessAt: health.lastSuccessAt,
    lastDurationMs: health.lastDurationMs,
    freqSecs: health.freqSecs,
    state: health.state,
  };
}
