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
 * key may hold dots itself (the seed's filter rule `info.volumeUsd24h`): the single key and the
 * key joined with the next ones are each tried, the shortest first, until one leads to the end
 * of the path (a dict holding both `a` and `a.b` reads `a.b` whole when `a` has no `b`). Missing,
 * the path is said to stop where its shortest reading stopped.
 */
export function lookupPath(root: unknown, keys: readonly string[]): PathLookup {
  return walk(root, keys, 0);
}

function walk(value: unknown, keys: readonly string[], depth: number): PathLookup {
  if (depth === keys.length) return { found: true, value };
  let first: PathLookup | null = null;
  for (const n of keyLengths(value, keys, depth)) {
    const found = walk((value as Record<string, unknown>)[keys.slice(depth, depth + n).join('.')], keys, depth + n);
    if (found.found) return found;
    first ??= found;
  }
  return first ?? { found: false, depth, holder: value };
}

/** Each count of `keys` from `depth` on that, joined by dots, make a key `value` holds, fewest first. */
function keyLengths(value: unknown, keys: readonly string[], depth: number): number[] {
  if (value === null || typeof value !== 'object') return [];
  const key = keys[depth]!;
  if (Array.isArray(value)) return INDEX.test(key) && Number(key) < value.length ? [1] : [];
  // A dict read from the config or a helper holds only its own keys (`toString` is no key of it).
  if (!isPlainObject(value)) return key in value ? [1] : [];
  const out: number[] = [];
  for (let n = 1; depth + n <= keys.length; n++) {
    if (Object.hasOwn(value, keys.slice(depth, depth + n).join('.'))) out.push(n);
  }
  return out;
}
