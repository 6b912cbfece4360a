import type { z } from 'zod';
import { isPlainObject, type ReportProblem } from './env.js';
import type { ConfigPath } from './positions.js';
import { didYouMean } from './suggest.js';

/** Reports an unknown key: pointed at the key itself rather than its value. */
export type ReportUnknownKey = (path: ConfigPath, message: string, hint?: string) => void;

/** Sections whose values may hold secrets, so reports never quote them. */
const QUIET_SECTIONS = new Set(['exchange', 'notify']);

/**
 * Turns zod's issues into the user's language: what was expected, what the file has (quoted
 * only outside secret-bearing sections), and a did-you-mean for unknown keys and enum values.
 * `wroteNone` tells whether the file wrote a null as `None` (the position index knows).
 * @defaultValue `wroteNone`: never (a config given as an object)
 */
export function reportZodIssues(
  issues: readonly z.core.$ZodIssue[],
  schema: z.ZodType,
  raw: unknown,
  report: ReportProblem,
  reportKey: ReportUnknownKey,
  wroteNone: (path: ConfigPath) => boolean = () => false,
): void {
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const actual = valueAt(raw, path);
    const quiet = QUIET_SECTIONS.has(String(path[0]));
    const describe = (value: unknown, hide: boolean): string => describeValue(value, hide, wroteNone(path));
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema, path);
        for (const key of issue.keys) {
          reportKey([...path, key], `unknown key \`${key}\``, didYouMean(key, known) ?? allowedKeys(known));
        }
        break;
      }
      case 'invalid_type': {
        if (actual === undefined) {
          report(path, 'missing: this key is required');
          break;
        }
        const hint =
          issue.expected === 'number' && typeof actual === 'string' && actual.trim() !== '' && !Number.isNaN(Number(actual))
            ? 'write the number without quotes'
            : undefined;
        report(path, `expected ${expectedName(issue.expected)}, got ${describe(actual, quiet)}`, hint);
        break;
      }
      case 'invalid_value': {
        const values = issue.values.map(String);
        const hint = typeof actual === 'string' ? didYouMean(actual, values) : undefined;
        report(path, `expected one of ${values.map((v) => `\`${v}\``).join(', ')}, got ${describe(actual, quiet)}`, hint);
        break;
      }
      case 'too_small':
        report(path, issue.origin === 'string' ? 'must not be empty' : `must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}`);
        break;
      case 'too_big':
        report(path, `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}`);
        break;
      case 'invalid_format':
        report(path, `expected a valid ${issue.format}, got ${describe(actual, quiet)}`);
        break;
      case 'invalid_union': {
        const expected = issue.errors.flatMap((branch) =>
          branch.filter((b) => b.code === 'invalid_type' && b.path.length === 0).map((b) => expectedName(String((b as { expected: unknown }).expected))),
        );
        report(path, expected.length > 0 ? `expected ${expected.join(' or ')}, got ${describe(actual, quiet)}` : issue.message);
        break;
      }
      default:
        report(path, issue.message);
    }
  }
}

/** The value at `path` in a plain tree, or undefined. */
export function valueAt(tree: unknown, path: ConfigPath): unknown {
  let node = tree;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isPlainObject(node) && typeof segment === 'string') node = node[segment];
    else return undefined;
  }
  return node;
}

function expectedName(expected: string): string {
  switch (expected) {
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'True or False';
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
      return 'a map';
    default:
      return expected;
  }
}

/**
 * How a value reads in a message; `quiet` hides the value itself (it may be a secret). A null
 * reads as the file wrote it: `None` where it says `None` (`wroteNone`), else `null` (YAML's
 * `null`, `~` or nothing, and a config object's null).
 */
export function describeValue(value: unknown, quiet: boolean, wroteNone = false): string {
  if (value === null) return wroteNone ? 'None' : 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (quiet) return `a ${typeof value}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

function allowedKeys(known: readonly string[]): string | undefined {
  return known.length > 0 ? `allowed here: ${known.join(', ')}` : undefined;
}

type Def = Record<string, unknown> & { type: string };

function defOf(schema: unknown): Def | undefined {
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

/** Peels optional/nullable/default/pipe wrappers off a schema. */
function unwrap(schema: unknown): Def | undefined {
  let def = defOf(schema);
  while (def) {
    if ('innerType' in def) def = defOf(def.innerType);
    else if (def.type === 'pipe') def = defOf(def.in);
    else break;
  }
  return def;
}

/** The keys an object schema accepts at `path`, for did-you-mean. */
export function knownKeysAt(schema: z.ZodType, path: ConfigPath): string[] {
  let def = unwrap(schema);
  for (const segment of path) {
    if (!def) return [];
    if (def.type === 'object') def = unwrap((def.shape as Record<string, unknown>)[String(segment)]);
    else if (def.type === 'record') def = unwrap(def.valueType);
    else if (def.type === 'array') def = unwrap(def.element);
    else return [];
  }
  return def?.type === 'object' ? Object.keys(def.shape as Record<string, unknown>) : [];
}
