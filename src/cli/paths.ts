import { resolve } from 'node:path';
import { PACKAGE_ROOT } from '../core/package-info.js';

/** The config `misso run` uses when given none. */
export const DEFAULT_CONFIG = resolve(PACKAGE_ROOT, 'examples', 'example.yaml');
