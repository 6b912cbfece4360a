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

  /** Resolves once every commit noted before the call is on disk; rejects when a sync fails. */
  async flush(): Promise<void> {
    if (this.#walPath === '') return;
    const target = this.#noted;
    while (this.#synced < target) {
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

  /** Relaxed commits no finished sync covers yet. */
  get pending(): number {
    return this.#walPath === '' ? 0 : this.#noted - this.#synced;
  }

  /** Syncs done. */
  get syncs(): number {
    return this.#syncs;
  }

  /** Closes the log's descriptor (the connection closes the log itself). */
  close(): void {
    if (this.#fd === null) return;
    closeSync(this.#fd);
    this.#fd = null;
  }

  async #sync(): Promise<void> {
    try {
      this.#fd ??= openSync(this.#walPath, 'r');
      await fsyncAsync(this.#fd);
      this.#syncs++;
    } catch (error: unknown) {
      throw this.#failed(error);
    }
  }
}
