/**
 * Key-path redaction on a copy, for a logger misso cannot configure: a caller's pino logger keeps
 * its own `redact` rules (a child given `redact` would replace them), and misso's paths are
 * applied to the object of each of misso's lines before the caller's rules run.
 *
 * A path is pino's: dotted keys, `*` for any key at that level (`*.token`, `exchange.secret`).
 * Only keys present are censored; the object logged is never changed (copies on write).
 */
export function redactPaths(value: unknown, paths: readonly string[], censor: string): unknown {
  let out = value;
  for (const path of paths) out = redactPath(out, path.split('.'), censor);
  return out;
}

function redactPath(value: unknown, segments: readonly string[], censor: string): unknown {
  if (!isPlainObject(value)) return value;
  const [head, ...rest] = segments;
  if (head === undefined) return value;
  const keys = head === '*' ? Object.keys(value) : Object.prototype.hasOwnProperty.call(value, head) ? [head] : [];
  let copy: Record<string, unknown> | null = null;
  for (const key of keys) {
    const current = value[key];
    if (current === undefined) continue;
    const next = rest.length === 0 ? censor : redactPath(current, rest, censor);
    if (next === current) continue;
    copy ??= { ...value };
    copy[key] = next;
  }
  return copy ?? value;
}

/** An object literal's shape (not an Error, a Date, a class instance: serializers own those). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
