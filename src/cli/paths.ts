import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root directory (where `examples/` lives). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The config `misso run` uses when given none. */
export const DEFAULT_CONFIG = resolve(PACKAGE_ROOT, 'examples', 'example.yaml');
