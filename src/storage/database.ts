import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Sqlite from 'better-sqlite3';
import { UserError, coerceError } from '../core/errors.js';
import { makeDirectories } from '../core/writable-file.js';
import { acquireFileLock, acquireIdentityLock, type FileLock } from './lock.js';
import type { Migration } from './migrations.js';
import { describeStorageError, realTarget, storageUserError } from './storage-error.js';

/** A better-sqlite3 connection. */
export type SqliteDatabase = Sqlite.Database;

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** File path or `:memory:`. */
  path: string;
  /** Ordered schema steps; the database is brought to the last one. */
  migrations: readonly Migration[];
  /** Stop at this version instead of the last (tests that build an old file). */
  targetVersion?: number;
  /** What the file is, in error messages. @defaultValue 'journal' */
  what?: string;
  /**
   * What to do with a file that exists but holds nothing (zero bytes, or no schema): `refuse`
   * it, since history was lost, or `start` a new database in it. A missing file is always
   * created. @defaultValue 'refuse'
   */
  emptyFile?: 'refuse' | 'start';
  /**
   * SQLite's `max_page_count` for this connection: writes beyond it fail as on a full disk.
   * For tests that need a full disk without filling one. @defaultValue SQLite's own
   */
  maxPageCount?: number;
}

/** An open database with its process lock. `close()` is idempotent. */
export interface OpenedDatabase {
  readonly db: SqliteDatabase;
  /** The absolute path, or `:memory:`. */
  readonly path: string;
  /** Schema version before this open ran migrations (0 for a new file). */
  readonly previousVersion: number;
  readonly version: number;
  /** SQLite's lock is held exclusively for the connection's life (no other connection, no thread). */
  readonly exclusive: boolean;
  close(): void;
}

/**
 * Opens (or creates) a SQLite file in WAL mode with `synchronous=FULL`, so a committed write
 * survives a power cut as well as a kill -9, after taking the file's process lock and running
 * the pending migrations. A file written by a newer misso is refused rather than guessed at.
 *
 * One writer per file, twice over: the lock file is keyed by the real path (a symlink or `..`
 * spelling leads to the same lock, with a message naming the holder), and a second lock keyed by
 * the file's identity stops any other path to the same inode (a hard link). SQLite's own locking
 * stays shared, so the journal's checkpointing thread (src/storage/wal-checkpointer.ts) can open
 * a connection of its own, and an operator can read the file with `sqlite3` while misso runs;
 * where the identity lock cannot be taken, or the file has more than one name, SQLite's
 * exclusive lock stands in for it.
 * A file that is garbage, unwritable, on a full disk or empty is refused with a UserError
 * naming it and the next step.
 */
export function openDatabase(options: OpenDatabaseOptions): OpenedDatabase {
  const what = options.what ?? 'journal';
  const memory = options.path === ':memory:';
  let path = memory ? ':memory:' : resolve(options.path);
  let lock: FileLock | null = null;
  let existed = false;
  if (!memory) {
    refuseDirectory(path, what);
    try {
      makeDirectories(dirname(realTarget(path)));
    } catch (error: unknown) {
      throw new UserError(`cannot create the directory of ${what} ${path}: ${describeStorageError(error, what).problem}; point storage.path elsewhere`);
    }
    path = realTarget(path);
    try {
      lock = acquireFileLock(path, what);
    } catch (error: unknown) {
      if (error instanceof UserError) throw error;
      throw storageUserError(error, what, path);
    }
    existed = existsSync(path);
  }
  let db: SqliteDatabase;
  try {
    db = new Sqlite(path, { timeout: 1000 });
  } catch (error: unknown) {
    lock?.release();
    throw storageUserError(error, what, path);
  }
  // Two names can reach one file (a hard link): the file is locked by its identity as well.
  let identity: FileLock | null = null;
  const release = (): void => {
    identity?.release();
    lock?.release();
  };
  try {
    if (!memory) identity = acquireIdentityLock(path, what);
    // SQLite's exclusive lock stops a second name of the file where the identity lock cannot: when
    // that lock could not be taken (its directory cannot be written), and when the file has
    // another name already, whose holder may keep its identity lock in a temp directory of its
    // own (another TMPDIR). The file is then not shared, not even with the checkpointing thread.
    const exclusive = !memory && (identity === null || statSync(path).nlink > 1);
    if (exclusive) db.pragma('locking_mode = EXCLUSIVE');
    if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxPageCount))}`);
    // The first read: takes SQLite's lock and tells garbage from a database.
    const tables = (db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
    const found = db.pragma('user_version', { simple: true }) as number;
    if (existed && tables === 0 && found === 0 && (options.emptyFile ?? 'refuse') === 'refuse') {
      throw new UserError(
        `${what} ${path} exists but is empty (${statSync(path).size} bytes): its history and queued intents are gone. ` +
          'Restore it from a backup, or start a new journal there with `misso run --new-journal`',
      );
    }
    if (!memory) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const previousVersion = migrate(db, options.migrations, options.targetVersion, `${what} ${path}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    let closed = false;
    return {
      db,
      path,
      previousVersion,
      version,
      exclusive,
      close() {
        if (closed) return;
        closed = true;
        try {
          db.close();
        } finally {
          release();
        }
      },
    };
  } catch (error: unknown) {
    db.close();
    release();
    if (error instanceof UserError) throw error;
    throw storageUserError(error, what, path);
  }
}

/**
 * Refuses a path that names a directory (SQLite's own answer, "unable to open database file",
 * would read as a permission problem): the path must name the file, inside the directory.
 */
function refuseDirectory(path: string, what: string): void {
  let target: string;
  try {
    target = realTarget(path);
    if (!statSync(target, { throwIfNoEntry: false })?.isDirectory()) return;
  } catch {
    return; // Whatever stops the stat stops the open too, which says what it is.
  }
  throw new UserError(`${what} ${path} is a directory: storage.path must name a file in it, e.g. ${join(path, 'misso.db')}`);
}

/** Runs every migration above the file's `user_version`; returns the version found. */
export function migrate(
  db: SqliteDatabase,
  migrations: readonly Migration[],
  targetVersion: number | undefined,
  label: string,
): number {
  for (let i = 1; i < migrations.length; i++) {
    if ((migrations[i]?.version ?? 0) <= (migrations[i - 1]?.version ?? 0)) {
      throw new Error(`migrations of ${label} are not in increasing version order`);
    }
  }
  const latest = migrations.at(-1)?.version ?? 0;
  const target = targetVersion ?? latest;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new UserError(
      `${label} has schema version ${current}, newer than this misso understands (${latest}); upgrade misso or use another storage.path`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    const step = db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      step();
    } catch (error: unknown) {
      const p = describeStorageError(error, 'database');
      if (p.kind !== 'other') throw new UserError(`${label} ${p.problem}; ${p.hint}`);
      throw new UserError(
        `${label}: migration to version ${m.version} (${m.description}) failed: ${coerceError(error).message}`,
      );
    }
  }
  return current;
}
