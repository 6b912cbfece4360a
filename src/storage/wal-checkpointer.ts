import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { coerceError } from '../core/errors.js';
import type { SqliteDatabase } from './database.js';

/** SQLite's own threshold (pages in the write-ahead log), used again if the thread cannot run. */
const SQLITE_AUTOCHECKPOINT = 1000;

/**
 * The checkpointing thread: its own connection to the file, a passive checkpoint per request (it
 * copies committed frames into the database file and syncs both, without blocking the writer),
 * and a close that the opening thread waits for. Plain CommonJS, so it runs the same from the
 * sources (tests) and from `dist/`.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const closed = new Int32Array(workerData.closed);
const done = () => {
  Atomics.store(closed, 0, 1);
  Atomics.notify(closed, 0);
};
let Database;
try {
  Database = require(workerData.driver);
} catch (error) {
  // The thread dies of it (the opening thread hears why), and has no connection to wait for.
  done();
  throw error;
}
let db = null;
parentPort.on('message', (message) => {
  if (message === 'close') {
    try { if (db) db.close(); } catch {}
    db = null;
    done();
    parentPort.close();
    return;
  }
  try {
    if (!db) db = new Database(workerData.path, { fileMustExist: true, timeout: 0 });
    const row = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ ok: true, busy: row.busy, log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String((error && error.message) || error), code: error && error.code });
  }
});
`;

/** What the checkpointer has done, for tests and metrics. */
export interface CheckpointStats {
  /** Checkpoints the thread finished. */
  checkpoints: number;
  /** Checkpoints run on the event loop because the log had grown past `maxLogFrames`. */
  catchUps: number;
  /** Frames in the write-ahead log and how many of them were in the database file after the last one. */
  lastLog: number;
  lastCheckpointed: number;
  /** Why the thread failed (the connection checkpoints inside commits again), or null. */
  failed: string | null;
  /**
   * The last checkpoint that did not finish (a full disk, say), or null. While the thread's
   * checkpoints fail the connection checkpoints inside its commits, as by default.
   */
  lastError: string | null;
}

/** Options of {@link WalCheckpointer}; the defaults suit the journal. */
export interface WalCheckpointerOptions {
  /** Commits between checkpoint requests. @defaultValue 100 */
  everyCommits?: number;
  /**
   * Frames past which the log is caught up on the event loop. A passive checkpoint never waits
   * for the writer, and SQLite reuses the log from its start only when a write comes after a
   * checkpoint that copied all of it: under a writer that never pauses the log would only grow.
   * @defaultValue 8192 (32 MiB at SQLite's 4 KiB pages)
   */
  maxLogFrames?: number;
  /** The better-sqlite3 module the thread loads (a test points it at one that fails). */
  driver?: string;
}

/**
 * Keeps a SQLite write-ahead log's checkpoints off the event loop. SQLite checkpoints inside the
 * commit that takes the log past 1000 pages: it copies the log into the database file and syncs
 * both, milliseconds of disk in the middle of whatever committed, most often the largest write,
 * a burst of fills. Here the connection never checkpoints (`wal_autocheckpoint = 0`); every
 * `everyCommits` commits a thread with a connection of its own runs a passive checkpoint, which
 * copies what is committed without blocking the writer, so the log is reused from its start
 * and stays small. The thread starts at the first request (a journal that writes little never
 * starts one). If it cannot run, or while its checkpoints fail, the connection checkpoints as
 * SQLite does by default.
 */
export class WalCheckpointer {
  readonly #db: SqliteDatabase;
  readonly #path: string;
  readonly #everyCommits: number;
  readonly #maxLogFrames: number;
  readonly #driver: string;
  readonly #closed = new Int32Array(new SharedArrayBuffer(4));
  #worker: Worker | null = null;
  #commits = 0;
  #inFlight = false;
  #stopped = false;
  /** SQLite's own checkpoints are on (the thread's failed), not off. */
  #sqliteCheckpoints = false;
  readonly #stats: CheckpointStats = { checkpoints: 0, catchUps: 0, lastLog: 0, lastCheckpointed: 0, failed: null, lastError: null };
  readonly #waiters: (() => void)[] = [];

  constructor(db: SqliteDatabase, path: string, options: WalCheckpointerOptions = {}) {
    this.#db = db;
    this.#path = path;
    this.#everyCommits = Math.max(1, options.everyCommits ?? 100);
    this.#maxLogFrames = options.maxLogFrames ?? 8192;
    this.#driver = options.driver ?? createRequire(import.meta.url).resolve('better-sqlite3');
    db.pragma('wal_autocheckpoint = 0');
  }

  /** A copy of what it has done. */
  get stats(): CheckpointStats {
    return { ...this.#stats };
  }

  /** Notes one commit; every `everyCommits` of them a checkpoint is asked for. */
  committed(): void {
    if (this.#stopped || this.#stats.failed !== null) return;
    this.#commits += 1;
    if (this.#commits >= this.#everyCommits) this.request();
  }

  /** Asks for a checkpoint now (unless one is under way). */
  request(): void {
    if (this.#stopped || this.#stats.failed !== null || this.#inFlight) return;
    const worker = this.#start();
    if (!worker) return;
    this.#commits = 0;
    this.#inFlight = true;
    worker.postMessage('checkpoint');
  }

  /** Resolves after the next checkpoint the thread finishes (or once it has failed or stopped). */
  settled(): Promise<void> {
    if (!this.#inFlight || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /**
   * Closes the thread's connection, waiting for it (at most `timeoutMs`): the opening
   * connection is then the last one, so its own close checkpoints and removes the log as usual.
   */
  close(timeoutMs = 5_000): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const worker = this.#worker;
    this.#worker = null;
    if (worker) {
      worker.postMessage('close');
      Atomics.wait(this.#closed, 0, 0, timeoutMs);
      void worker.terminate();
    }
    this.#wake();
  }

  #start(): Worker | null {
    if (this.#worker) return this.#worker;
    let worker: Worker;
    try {
      worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { driver: this.#driver, path: this.#path, closed: this.#closed.buffer } });
    } catch (error: unknown) {
      this.#fail(error);
      return null;
    }
    worker.on('message', (m: { ok: boolean; log?: number; checkpointed?: number; error?: string }) => {
      this.#inFlight = false;
      if (m.ok) {
        this.#stats.checkpoints += 1;
        this.#stats.lastLog = m.log ?? 0;
        this.#stats.lastCheckpointed = m.checkpointed ?? 0;
        this.#stats.lastError = null;
        this.#setSqliteCheckpoints(false);
        if (this.#stats.lastLog > this.#maxLogFrames) this.#catchUp();
      } else {
        // A failure that lasts (the thread cannot open the file, say) would let the log grow
        // without end: SQLite checkpoints in the commits until one of the thread's succeeds.
        this.#stats.lastError = m.error ?? 'checkpoint failed';
        this.#setSqliteCheckpoints(true);
      }
      this.#wake();
    });
    worker.on('error', (error) => this.#fail(error));
    // After the listeners: adding a 'message' listener refs the thread again, and a thread that
    // keeps the process alive would stop it ending when the journal is left open.
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  /**
   * The writer never paused long enough for the log to be reused: one checkpoint on the event
   * loop, between two writes (a turn of the loop later, not inside the commit that came last and
   * before what it announces), copies the rest, and the next write starts the log again.
   */
  #catchUp(): void {
    setImmediate(() => {
      if (this.#stopped) return;
      try {
        this.#db.pragma('wal_checkpoint(PASSIVE)');
        this.#stats.catchUps += 1;
      } catch (error: unknown) {
        this.#stats.lastError = coerceError(error).message;
      }
    }).unref();
  }

  /** The thread cannot run: the connection checkpoints inside its commits again, as by default. */
  #fail(error: unknown): void {
    if (this.#stopped) return;
    this.#stats.failed = coerceError(error).message;
    this.#inFlight = false;
    this.#worker = null;
    this.#setSqliteCheckpoints(true);
    this.#wake();
  }

  /** Turns the connection's own checkpoints (inside its commits) on or off. */
  #setSqliteCheckpoints(on: boolean): void {
    if (this.#stopped || on === this.#sqliteCheckpoints) return;
    try {
      this.#db.pragma(`wal_autocheckpoint = ${on ? SQLITE_AUTOCHECKPOINT : 0}`);
      this.#sqliteCheckpoints = on;
    } catch {
      // The connection is closing or gone: nothing is left to checkpoint from here.
    }
  }

  #wake(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
