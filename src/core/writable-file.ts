import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { coerceError, UserError } from './errors.js';

/**
 * Makes sure a file misso will write later (the log, `--state-out`) can be written, creating its
 * directory, so that a wrong path fails at start with its name instead of crashing the run (an
 * unwritable log file killed the process from the logger's thread) or losing the state at its end.
 * Returns the absolute path; throws a {@link UserError} naming `what`.
 */
export function ensureWritableFile(path: string, what: string): string {
  const file = resolve(path);
  try {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (stat?.isDirectory()) throw new UserError(`${what}: '${path}' is a directory; name a file`);
    if (stat) {
      accessSync(file, constants.W_OK);
    } else {
      makeDirectories(dirname(file));
      accessSync(dirname(file), constants.W_OK);
    }
    return file;
  } catch (error: unknown) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${what}: cannot write '${path}': ${coerceError(error).message}`);
  }
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir never returns for a path under /proc
 * (it spins on the thread that called it, signals and timers included).
 */
export function makeDirectories(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirectories(parent);
  mkdirSync(dir);
}
