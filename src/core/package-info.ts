import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's root directory: two levels above this module, which sits in `src/core/` when
 * run from the sources and in `dist/core/` when installed from the tarball (whose root holds
 * package.json as well).
 */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

let version: string | null = null;

/** misso's version, read once from its package.json (`0.0.0` if that cannot be read). */
export function packageVersion(): string {
  if (version !== null) return version;
  try {
    const pkg = JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
    version = typeof pkg.version === 'string' && pkg.version !== '' ? pkg.version : '0.0.0';
  } catch {
    version = '0.0.0';
  }
  return version;
}
