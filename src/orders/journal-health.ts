import { StoppedError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { NotifyLevel } from '../core/notify-level.js';
import { describeStorageError, StorageWriteError, storageWriteError } from '../storage/storage-error.js';

/**
 * Whether a journal's writes succeed. Every write runs through {@link JournalHealth.write}: a
 * storage fault (full disk, read-only, I/O) becomes a `StorageWriteError` and marks the journal
 * unhealthy until a write succeeds again; listeners hear of both changes.
 */
export class JournalHealth {
  readonly #path: string;
  #problem: string | null = null;
  /** Writes under way: one inside another is part of it and reports nothing of its own. */
  #depth = 0;
  #commits = 0;
  #closed = false;
  readonly #listeners = new Set<(problem: string | null) => void>();
  readonly #onCommit: () => void;

  /** @param onCommit - called after each outermost write that succeeded (a committed transaction) */
  constructor(path: string, onCommit: () => void = () => undefined) {
    this.#path = path;
    this.#onCommit = onCommit;
  }

  /** The journal closed: every write after it is refused (see {@link write}). */
  close(): void {
    this.#closed = true;
  }

  /** Why the last write failed, or null while writes succeed. */
  get problem(): string | null {
    return this.#problem;
  }

  /** Outermost writes that succeeded: the transactions committed since the journal opened. */
  get commits(): number {
    return this.#commits;
  }

  /** Calls `listener` with the problem when writes start failing and with null when they work again. */
  onChange(listener: (problem: string | null) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Runs one write (one transaction: a failed one stored nothing). Errors that are not storage
   * faults pass unchanged. A write inside another (a step of a larger transaction) is judged by
   * the outer one, which alone says whether anything was stored.
   */
  write<T>(fn: () => T): T {
    // better-sqlite3 would throw a bare TypeError ("The database connection is not open").
    if (this.#closed) throw new StoppedError('the order journal is closed: this updater stopped; build a new Updater to trade again');
    let result: T;
    this.#depth += 1;
    try {
      result = fn();
    } catch (error: unknown) {
      const fault = storageWriteError(error, 'journal', this.#path);
      if (!fault) throw error;
      if (this.#depth === 1) this.#set(fault.message);
      throw fault;
    } finally {
      this.#depth -= 1;
    }
    if (this.#depth === 0) {
      this.#commits += 1;
      this.#set(null);
      this.#onCommit();
    }
    return result;
  }

  /**
   * Reports a failure to make committed writes durable (the write-ahead log's fsync): whatever
   * its code, the journal cannot be trusted with the next step. Returns the error to throw.
   */
  syncFailed(error: unknown): StorageWriteError {
    const known = storageWriteError(error, 'journal', this.#path);
    const fault = known ?? new StorageWriteError({ ...describeStorageError(error, 'journal'), kind: 'io', hint: 'check the disk and the file system' }, `journal ${this.#path}`, { cause: error });
    this.#set(fault.message);
    return fault;
  }

  #set(problem: string | null): void {
    if (problem === this.#problem) return;
    this.#problem = problem;
    for (const listener of this.#listeners) listener(problem);
  }
}

/**
 * Tells the order manager's listeners, the log and the operator when a journal's writes start
 * failing (orders are held) and when they work again (sending resumes).
 */
export function announceJournalHealth(
  journal: { readonly path: string; onHealth(listener: (problem: string | null) => void): () => void },
  emit: (problem: string | null) => void,
  logger: Logger,
  notify: (text: string, level: NotifyLevel) => void,
): void {
  journal.onHealth((problem) => {
    // Heard inside the write that changed the health; a listener cannot fail it (see emit).
    emit(problem);
    if (problem !== null) {
      logger.error({ problem }, 'journal writes fail: orders are held');
      notify(`orders held: ${problem}`, 'error');
    } else {
      logger.info('journal writes work again: sending resumes');
      notify(`journal ${journal.path} takes writes again: sending resumes`, 'info');
    }
  });
}
