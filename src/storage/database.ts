import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Sqlite from 'better-sqlite3';
import { UserError, coerceError } from '../core/errors.js';
import { acquireFileLock, type FileLock } from './lock.js';
import type { Migration } from './migrations.js';

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
}

/** An open database with its process lock. `close()` is idempotent. */
export interface OpenedDatabase {
  readonly db: SqliteDatabase;
  /** The absolute path, or `:memory:`. */
  readonly path: string;
  /** Schema version before this open ran migrations (0 for a new file). */
  readonly previousVersion: number;
  readonly version: number;
  close(): void;
}

/**
 * Opens (or creates) a SQLite file in WAL mode with `synchronous=FULL`, so a committed write
 * survives a power cut as well as a kill -9, after taking the file's process lock and running
 * the pending migrations. A file written by a newer misso is refused rather than guessed at.
 */
export function openDatabase(options: OpenDatabaseOptions): OpenedDatabase {
  const what = options.what ?? 'journal';
  const memory = options.path === ':memory:';
  const path = memory ? ':memory:' : resolve(options.path);
  let lock: FileLock | null = null;
  if (!memory) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error: unknown) {
      throw new UserError(`cannot create the directory of ${what} ${path}: ${coerceError(error).message}`);
    }
    lock = acquireFileLock(path, what);
  }
  let db: SqliteDatabase;
  try {
    db = new Sqlite(path, { timeout: 5000 });
  } catch (error: unknown) {
    lock?.release();
    throw new UserError(`cannot open ${what} ${path}: ${coerceError(error).message}; check storage.path`);
  }
  try {
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
      close() {
        if (closed) return;
        closed = true;
        try {
          db.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (error: unknown) {
    db.close();
    lock?.release();
    throw error;
  }
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
      throw new UserError(
        `${label}: migration to version ${m.version} (${m.description}) failed: ${coerceError(error).message}`,
      );
    }
  }
  return current;
}
