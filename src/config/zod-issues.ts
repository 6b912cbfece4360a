import type { z } from 'zod';
import { durationHint } from './duration-hint.js';
import { envReferenceHint, isPlainObject, type ReportProblem } from './env.js';
import type { ConfigPath } from './positions.js';
import { closest, didYouMean } from './suggest.js';
import { bracedTextHint } from './yaml-syntax.js';

/** Reports an unknown key: pointed at the key itself rather than its value. */
export type ReportUnknownKey = (path: ConfigPath, message: string, hint?: string) => void;

/** Sections whose values may hold secrets, so reports never quote them. */
const QUIET_SECTIONS = new Set(['exchange', 'notify']);

/** The longest value of an enum key quoted in a secret-bearing section (every allowed word is far shorter than a credential). */
const MAX_SHOWN_WORD = 16;

/** YAML reads a bare `true`/`false` as a boolean: the word among `values` that was probably meant. */
function booleanWord(actual: unknown, values: readonly string[]): string | undefined {
  if (typeof actual !== 'boolean') return undefined;
  const words = actual ? ['on', 'yes', 'true', 'enabled'] : ['off', 'no', 'false', 'disabled'];
  const word = words.find((w) => values.includes(w));
  return word === undefined ? undefined : `did you mean \`${word}\`?`;
}

/**
 * Turns zod's issues into the user's language: what was expected, what the file has (quoted
 * outside secret-bearing sections, and for enum keys anywhere unless long), and the next step: a
 * did-you-mean for unknown keys and enum values, else the enum's description.
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
  // A required key written misspelt (`targt_attr`) is one mistake, told at the misspelt key.
  const misspelt = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const at = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    for (const key of issue.keys) {
      const meant = closest(key, knownKeysAt(schema, at));
      if (meant !== undefined) misspelt.add(JSON.stringify([...at, meant]));
    }
  }
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (valueAt(raw, path) === undefined && misspelt.has(JSON.stringify(path))) continue;
    const actual = valueAt(raw, path);
    const quiet = QUIET_SECTIONS.has(String(path[0]));
    const describe = (value: unknown, hide: boolean): string => describeValue(value, hide, wroteNone(path));
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema, path);
        for (const key of issue.keys) {
          // A top-level block kept for its anchors (`defaults: &d`, merged with `<<: *d`) has a place of its own (said unless the key is a typo).
          const extension = path.length === 0 ? '; a block of shared values for anchors goes under a key starting with `x-` (`x-defaults: &d`), which misso does not read' : '';
          reportKey([...path, key], `unknown key \`${key}\``, didYouMean(key, known) ?? allowedKeys(known) + extension);
        }
        break;
      }
      case 'invalid_type': {
        if (actual === undefined) {
          report(path, 'missing: this key is required', nodeAt(schema, path)?.description);
          break;
        }
        const hint =
          issue.expected === 'number' && typeof actual === 'string' && actual.trim() !== '' && !Number.isNaN(Number(actual))
            ? 'write the number without quotes'
            : (envReferenceHint(path, actual) ??
              (issue.expected === 'string' ? bracedTextHint(actual, quiet) : issue.expected === 'number' ? durationHint(path, actual) : undefined));
        report(path, `expected ${expectedName(issue.expected)}, got ${describe(actual, quiet)}`, hint);
        break;
      }
      case 'invalid_value': {
        const values = issue.values.map(String);
        const hint =
          envReferenceHint(path, actual) ??
          (typeof actual === 'string' ? didYouMean(actual, values) : booleanWord(actual, values)) ??
          nodeAt(schema, path)?.description;
        if (actual === undefined) {
          report(path, 'missing: this key is required', hint ?? `one of ${values.map((v) => `\`${v}\``).join(', ')}`);
          break;
        }
        // A key with a fixed set of words holds no secret, even in a secret-bearing section: the value
        // is shown unless it is long enough to be a credential pasted on the wrong line.
        const hide = quiet && typeof actual === 'string' && actual.length > MAX_SHOWN_WORD;
        report(path, `expected one of ${values.map((v) => `\`${v}\``).join(', ')}, got ${hide ? `a ${String(actual).length}-character string` : describe(actual, false)}`, hint);
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
        report(path, expected.length > 0 ? `expected ${expected.join(' or ')}, got ${describe(actual, quiet)}` : issue.message, envReferenceHint(path, actual));
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
  // YAML's !!binary, !!timestamp: values a config has no use for, not maps.
  if (value instanceof Uint8Array) return 'binary data';
  if (value instanceof Date) return 'a date';
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

/** A schema node: its definition with optional/nullable/default/pipe wrappers peeled off, and the first description met. */
interface SchemaNode {
  def: Def | undefined;
  description: string | undefined;
}

function peel(schema: unknown): SchemaNode {
  let node = schema;
  let description: string | undefined;
  for (;;) {
    description ??= (node as { description?: string } | undefined)?.description;
    const def = defOf(node);
    if (def && 'innerType' in def) node = def.innerType;
    else if (def?.type === 'pipe') node = def.in;
    else return { def, description };
  }
}

/** The schema node at `path`, or undefined where the schema has none. */
function nodeAt(schema: z.ZodType, path: ConfigPath): SchemaNode | undefined {
  let node = peel(schema);
  for (const segment of path) {
    const def = node.def;
    if (def?.type === 'object') node = peel((def.shape as Record<string, unknown>)[String(segment)]);
    else if (def?.type === 'record') node = peel(def.valueType);
    else if (def?.type === 'array') node = peel(def.element);
    else return undefined;
  }
  return node;
}

/** The keys an object schema accepts at `path`, for did-you-mean. */
export function knownKeysAt(schema: z.ZodType, path: ConfigPath): string[] {
  const def = nodeAt(schema, path)?.def;
  return def?.type === 'object' ? Object.keys(def.shape as Record<string, unknown>) : [];
}
