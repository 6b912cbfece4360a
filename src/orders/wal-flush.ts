import { closeSync, fsync, openSync } from 'node:fs';
import { promisify } from 'node:util';
import type { StorageWriteError } from '../storage/storage-error.js';

const fsyncAsync = promisify(fsync);

/**
 * Makes a SQLite write-ahead log's relaxed commits durable off the event loop: an fsync of the
 * log on libuv's thread pool, shared by every caller that comes while one runs (a group commit).
 * The log file lives as long as the connection (SQLite resets it after a checkpoint, never
 * unlinks it while open), so one descriptor serves the journal's life.
 */
export class WalFlush {
  readonly #walPath: string;
  readonly #failed: (error: unknown) => StorageWriteError;
  /** Relaxed commits noted so far, and how many of them a finished sync covers. */
  #noted = 0;
  #synced = 0;
  #running: Promise<void> | null = null;
  #fd: number | null = null;
  #syncs = 0;
  #closed = false;
  /**
   * The error of a failed fsync. Linux reports a writeback error once and marks the pages it could
   * not write clean, so a later fsync succeeds with those frames still missing on disk (and WAL
   * recovery stops at the first missing frame, dropping every commit after it): no later flush
   * may succeed until the journal is reopened.
   */
  #broken: unknown = null;

  /**
   * @param dbPath - the database file (`:memory:`: nothing to sync, every flush is done at once)
   * @param failed - turns a failed sync into the error to throw (and reports the journal unhealthy)
   */
  constructor(dbPath: string, failed: (error: unknown) => StorageWriteError) {
    this.#walPath = dbPath === ':memory:' ? '' : `${dbPath}-wal`;
    this.#failed = failed;
  }

  /** Notes one relaxed commit: the next {@link flush} covers it. */
  committed(): void {
    this.#noted++;
  }

  /**
   * Resolves once every commit noted before the call is on disk; rejects when a sync fails. After
   * {@link close} it resolves once the sync under way settles: closing the connection checkpoints
   * the log into the database file (and removes it), so there is nothing left to sync.
   */
  async flush(): Promise<void> {
    if (this.#walPath === '') return;
    this.assertSound();
    const target = this.#noted;
    while (this.#synced < target) {
      if (this.#closed) {
        await this.#running?.catch(() => undefined);
        return;
      }
      if (!this.#running) {
        const upTo = this.#noted;
        this.#running = this.#sync()
          .then(() => {
            this.#synced = Math.max(this.#synced, upTo);
          })
          .finally(() => {
            this.#running = null;
          });
      }
      await this.#running;
    }
  }

  /** Throws what a flush would reject with once a sync has failed (see `#broken`). */
  assertSound(): void {
    if (this.#broken !== null) throw this.#failed(this.#brokenError(this.#broken));
  }

  /** Relaxed commits no finished sync covers yet. */
  get pending(): number {
    return this.#walPath === '' ? 0 : this.#noted - this.#synced;
  }

  /** Syncs done. */
  get syncs(): number {
    return this.#syncs;
  }

  /**
   * Closes the log's descriptor (the connection closes the log itself). A sync under way keeps it
   * until it settles: closed under a queued fsync, the sync would fail (EBADF) and mark the journal
   * broken at shutdown, or reach whatever file reused the number.
   */
  close(): void {
    this.#closed = true;
    const fd = this.#fd;
    if (fd === null) return;
    this.#fd = null;
    const release = (): void => closeSync(fd);
    if (this.#running) void this.#running.then(release, release);
    else release();
  }

  /** What a flush after a failed sync says: the disk may answer again, the journal needs a restart. */
  #brokenError(cause: unknown): Error {
    const { code, message } = cause as { code?: unknown; message?: unknown };
    const error = new Error(`an earlier fsync of the write-ahead log failed (${String(message)}): the writes it covered may never reach the disk, so nothing is sent until misso restarts and reopens the journal`, { cause });
    return Object.assign(error, { code: typeof code === 'string' ? code : 'EIO' });
  }

  async #sync(): Promise<void> {
    try {
      // Read-write: Windows flushes a file only through a handle that may write it.
      this.#fd ??= openSync(this.#walPath, 'r+');
    } catch (error: unknown) {
      // Nothing was synced, nothing was dropped: the next flush tries again.
      throw this.#failed(error);
    }
    const fd = this.#fd;
    try {
      await fsyncAsync(fd);
      this.#syncs++;
    } catch (error: unknown) {
      this.#broken = error;
      throw this.#failed(error);
    }
  }
}
