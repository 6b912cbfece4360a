import type { SourcePos } from '../config/types.js';
import { attachKind } from '../exchange/classify.js';
import { lookupPath } from '../state/path-lookup.js';
import type { StateStore } from '../state/state-store.js';

/** The prefix that makes a subtask argument a reference into the updater's state. */
export const SELF_PREFIX = 'self.';

/** True for an argument that reads state at call time (`self.watch_list`). */
export function isSelfRef(arg: unknown): arg is string {
  return typeof arg === 'string' && arg.startsWith(SELF_PREFIX) && arg.length > SELF_PREFIX.length;
}

/**
 * A `self.a.b.c` argument whose attribute holds no key on the way (`self.watch_list_filter.nope`):
 * the seed's Python raised `KeyError` or `AttributeError` there, and the helper called with
 * undefined would fail far from the cause, or quietly work on nothing. It fails the subtask's pass
 * (a mistake in the config: `usage`, retried by the supervisor like any failure); `message` names
 * the argument's place in the file, the reference and the key.
 */
export class MissingReferenceError extends ReferenceError {
  override name = 'MissingReferenceError';
  /** The argument as written: `self.watch_list_filter.nope.deeper`. */
  readonly reference: string;
  /** The key that is not there: `nope`. */
  readonly missingKey: string;
  /** Where the argument is in the config file, when known. */
  readonly pos: SourcePos | null;

  constructor(reference: string, keys: readonly string[], depth: number, holder: unknown, pos: SourcePos | null, index: number) {
    const at = pos ? `${pos.file}:${pos.line}:${pos.col}: ` : '';
    const held = keys.slice(0, depth + 1).join('.');
    super(`${at}input_args[${index}] \`${reference}\`: ${held} ${whyMissing(holder, keys[depth + 1] ?? '')}; fix the reference`);
    this.reference = reference;
    this.missingKey = keys[depth + 1] ?? '';
    this.pos = pos;
    attachKind(this, 'usage');
  }
}

/** Why `holder` has no `key`, as the seed's Python would have put it. */
function whyMissing(holder: unknown, key: string): string {
  if (holder === null || holder === undefined) return `is None, so it has no key '${key}'`;
  if (Array.isArray(holder)) return `is a list of ${holder.length}, it has no item '${key}'`;
  if (typeof holder !== 'object') return `is ${typeof holder === 'string' ? 'a string' : `a ${typeof holder}`} (${JSON.stringify(holder)}), it has no key '${key}'`;
  const keys = Object.keys(holder);
  const some = keys.length === 0 ? 'none' : `${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', …' : ''}`;
  return `has no key '${key}' (its keys: ${some})`;
}

/**
 * Resolves a subtask's positional `input_args` when the call is made, so each call sees the
 * latest values (a later subtask sees the `watch_list` an earlier one set). `self.a.b` reads
 * nested values; everything else is a literal, passed as YAML gave it. A missing attribute is a
 * `ReferenceError`, a missing key on the way a {@link MissingReferenceError} (a key holding None is
 * there, and passed as null); `positions` are the arguments' places in the file, for its message.
 */
export function resolveArgs(args: readonly unknown[], state: StateStore, positions: readonly (SourcePos | null)[] = []): unknown[] {
  return args.map((arg, i) => {
    if (!isSelfRef(arg)) return arg;
    const [head = '', ...rest] = arg.slice(SELF_PREFIX.length).split('.');
    // A missing attribute throws here (checked at load, but a config built in code is not).
    state.resolvePath(head);
    const found = lookupPath(state.get(head), rest);
    if (found.found) return found.value;
    throw new MissingReferenceError(arg, [head, ...rest], found.depth, found.holder, positions[i] ?? null, i);
  });
}
