import { chmodSync, closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';

/** What a lock file holds. */
export interface LockInfo {
  pid: number;
  /** Wall time the holder took the lock (ms since the epoch). */
  startedAt: number;
  /** The holder's process start tick from /proc (Linux), to tell a reused pid from the holder. */
  procStart: string | null;
  host: string;
}

/** A held lock; `release()` is idempotent. */
export interface FileLock {
  readonly path: string;
  readonly info: LockInfo;
  release(): void;
}

/** Paths this process holds, so a second open inside the same process is refused too. */
const held = new Set<string>();

/**
 * Takes an exclusive lock on `target` with a lock file `${target}.lock` holding the owner's
 * pid and start time. The file is created atomically (hard link of a fully written temp file)
 * so nobody ever reads a half-written lock. A lock whose owner is gone (kill -9, reboot, a
 * reused pid) is stale and taken over. Throws a UserError naming the live owner otherwise.
 */
export function acquireFileLock(target: string, what = 'journal', lockPath = `${target}.lock`): FileLock {
  const path = lockPath;
  if (held.has(path)) {
    throw new UserError(
      `${what} ${target} is already open in this process (pid ${process.pid}); close it first or point storage.path elsewhere`,
    );
  }
  const info: LockInfo = { pid: process.pid, startedAt: Date.now(), procStart: procStartOf(process.pid), host: hostname() };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path, info)) {
      held.add(path);
      let released = false;
      return {
        path,
        info,
        release() {
          if (released) return;
          released = true;
          held.delete(path);
          const current = readLock(path);
          if (current && current.pid === info.pid && current.startedAt === info.startedAt) safeUnlink(path);
        },
      };
    }
    const owner = readLock(path);
    if (owner && isAlive(owner)) {
      throw new UserError(
        `${what} ${target} is in use by pid ${owner.pid} (started ${new Date(owner.startedAt).toISOString()}` +
          `${owner.host !== info.host ? ` on ${owner.host}` : ''}); stop that updater or point storage.path elsewhere`,
      );
    }
    // Stale (or unreadable: a crash between link and nothing else cannot leave a partial file,
    // so an unreadable lock is foreign junk). Move it aside atomically: of two processes taking
    // over at once, only one rename succeeds and the other retries against the new lock.
    try {
      renameSync(path, `${path}.stale-${process.pid}-${attempt}`);
      safeUnlink(`${path}.stale-${process.pid}-${attempt}`);
    } catch {
      // Someone else moved it first; try again.
    }
  }
  throw new UserError(`could not take the lock ${path}; remove it by hand if no updater is running`);
}

/**
 * Locks the file at `target` by its identity (device and inode) rather than its name, so a hard
 * link to a held file, which no name-based lock sees, is refused too, naming the holder. The lock
 * lives in `<tmpdir>/misso-locks`. Best effort: null when that directory cannot be written (the
 * storage then holds SQLite's lock exclusively instead).
 */
export function acquireIdentityLock(target: string, what = 'journal'): FileLock | null {
  let path: string;
  try {
    const { dev, ino } = statSync(target);
    const dir = join(tmpdir(), 'misso-locks');
    // Not recursive: a missing temp directory is not ours to create. Every user's updater locks
    // here, so the directory is sticky and world-writable whatever the umask made of the mode.
    if (mkdirIfMissing(dir)) chmodSync(dir, 0o1777);
    path = join(dir, `${dev}-${ino}.lock`);
  } catch {
    return null;
  }
  try {
    return acquireFileLock(target, what, path);
  } catch (error: unknown) {
    if (error instanceof UserError) throw error;
    return null;
  }
}

/** Creates `dir` (its parent must exist); false when it was there already. */
function mkdirIfMissing(dir: string): boolean {
  try {
    mkdirSync(dir, { mode: 0o1777 });
    return true;
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function tryCreate(path: string, info: LockInfo): boolean {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, JSON.stringify(info));
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    safeUnlink(tmp);
  }
}

/** Reads a lock file; null when absent or not ours to parse. */
export function readLock(path: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    if (typeof v.pid !== 'number' || typeof v.startedAt !== 'number') return null;
    return { pid: v.pid, startedAt: v.startedAt, procStart: v.procStart ?? null, host: v.host ?? '' };
  } catch {
    return null;
  }
}

function isAlive(owner: LockInfo): boolean {
  if (owner.host !== '' && owner.host !== hostname()) return true;
  // Our own pid: either a leftover of this process (in-process holders were refused above) or a
  // dead holder whose pid we reused. Either way nobody else holds it.
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = procStartOf(owner.pid);
  return owner.procStart === null || now === null || now === owner.procStart;
}

/** Field 22 of /proc/PID/stat: the start time in clock ticks since boot; null off Linux. */
function procStartOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
