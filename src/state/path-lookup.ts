import { isPlainObject } from '../config/env.js';

/** What {@link lookupPath} found: the value, or where the path stopped. */
export type PathLookup =
  | { found: true; value: unknown }
  /** `keys[depth]` is not a key of `holder` (the value the keys before it reached). */
  | { found: false; depth: number; holder: unknown };

const INDEX = /^(0|[1-9]\d*)$/;

/**
 * Walks `keys` down from `root` the way Python reads `self.a.b.c`: a dict's own key, a list's
 * item by its index, a live object's property. A key that is not there (a dict without it, a
 * list too short, anything of None or of a number) is missing, as Python's `KeyError` or
 * `AttributeError` says; a key the value holds as None is found, and its value is null. A dict's
 * key may hold dots itself (the seed's filter rule `info.volumeUsd24h`): where the single key is
 * not there, the key joined with the next ones is tried.
 */
export function lookupPath(root: unknown, keys: readonly string[]): PathLookup {
  let value = root;
  let depth = 0;
  while (depth < keys.length) {
    const taken = keyLength(value, keys, depth);
    if (taken === 0) return { found: false, depth, holder: value };
    value = (value as Record<string, unknown>)[keys.slice(depth, depth + taken).join('.')];
    depth += taken;
  }
  return { found: true, value };
}

/** How many of `keys` from `depth` on, joined by dots, make a key `value` holds; 0 for none. */
function keyLength(value: unknown, keys: readonly string[], depth: number): number {
  if (value === null || typeof value !== 'object') return 0;
  const key = keys[depth]!;
  if (Array.isArray(value)) return INDEX.test(key) && Number(key) < value.length ? 1 : 0;
  // A dict read from the config or a helper holds only its own keys (`toString` is no key of it).
  if (!isPlainObject(value)) return key in value ? 1 : 0;
  for (let n = 1; depth + n <= keys.length; n++) {
    if (Object.hasOwn(value, keys.slice(depth, depth + n).join('.'))) return n;
  }
  return 0;
}
