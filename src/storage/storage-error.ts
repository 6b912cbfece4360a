import { existsSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError, coerceError } from '../core/errors.js';

/** What went wrong with a storage file, in the user's terms, and what to do about it. */
export interface StorageProblem {
  /** full, readonly, corrupt, locked, io or other. */
  kind: 'full' | 'readonly' | 'corrupt' | 'locked' | 'io' | 'other';
  /** What is wrong, without the file name. */
  problem: string;
  /** The next step. */
  hint: string;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** True for "no space left": SQLite's SQLITE_FULL or the system's ENOSPC / EDQUOT. */
export function isDiskFull(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || /database or disk is full/i.test(coerceError(error).message);
}

/** Sorts a SQLite or file-system error on a storage file into a problem with a next step. */
export function describeStorageError(error: unknown, what: string): StorageProblem {
  const code = codeOf(error);
  const message = coerceError(error).message;
  if (isDiskFull(error)) {
    return { kind: 'full', problem: `the disk is full (${message})`, hint: `free space on its volume, or point storage.path elsewhere` };
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return {
      kind: 'corrupt',
      problem: `is not a readable SQLite ${what} (${message})`,
      hint: 'restore it from a backup, or move it aside so that misso starts a new journal',
    };
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
    return { kind: 'readonly', problem: `cannot be written (${message})`, hint: 'make the file and its directory writable, or point storage.path elsewhere' };
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return { kind: 'locked', problem: `is locked by another process (${message})`, hint: 'stop the other updater, or point storage.path elsewhere' };
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    return { kind: 'io', problem: `could not be read or written (${message})`, hint: 'check the disk and the file system' };
  }
  if (DRIVER_NOT_BUILT.test(message)) {
    // Not the file's fault: the SQLite driver's native module is missing or built for another Node.
    return {
      kind: 'other',
      problem: `cannot be opened: SQLite's driver (better-sqlite3) has no native module built for this Node ${process.version} (${message.split('\n')[0]?.trim()})`,
      hint: 'its install script did not run, or ran under another Node: in the project that installed misso run `npm rebuild better-sqlite3` (npm 11 skips the install scripts of dependencies it is not told to allow: `npm install-scripts approve better-sqlite3` first)',
    };
  }
  return { kind: 'other', problem: `failed: ${message}`, hint: 'check storage.path' };
}

/** better-sqlite3's words when its native module is missing, or was built for another Node's ABI. */
const DRIVER_NOT_BUILT = /Could not locate the bindings file|compiled against a different Node\.js version|NODE_MODULE_VERSION|invalid ELF header|wrong ELF class/;

/** A UserError for a storage file: `<what> <path> <problem>; <hint>`. */
export function storageUserError(error: unknown, what: string, path: string): UserError {
  const p = describeStorageError(error, what);
  return new UserError(`${what} ${path} ${p.problem}; ${p.hint}`);
}

/**
 * The real path of a file that may not exist yet: symlinks resolved, a dangling symlink followed
 * to where it points. Two spellings of one file (a symlink, `..`) give one answer, so they share
 * one lock.
 */
export function realTarget(path: string): string {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    if (existsSync(current)) return realpathSync(current);
    let link: string | null;
    try {
      link = readlinkSync(current);
    } catch {
      link = null;
    }
    if (link === null) {
      const dir = dirname(current);
      return join(existsSync(dir) ? realpathSync(dir) : dir, basename(current));
    }
    current = resolve(dirname(current), link);
  }
  return current;
}

/**
 * A write to a storage file that failed for a reason outside the program (full disk, read-only,
 * I/O error, corruption): the change was not stored, and nothing that depended on it happened.
 */
export class StorageWriteError extends Error {
  override name = 'StorageWriteError';
  constructor(
    readonly problem: StorageProblem,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`${path} ${problem.problem}; ${problem.hint}`, options);
  }
}

/** The StorageWriteError for `error`, or null when it is not a storage fault (a bug, a constraint). */
export function storageWriteError(error: unknown, what: string, path: string): StorageWriteError | null {
  if (error instanceof StorageWriteError) return error;
  const problem = describeStorageError(error, what);
  return problem.kind === 'other' ? null : new StorageWriteError(problem, `${what} ${path}`, { cause: error });
}
