import type { StateStore } from '../state/state-store.js';

/** The prefix that makes a subtask argument a reference into the updater's state. */
export const SELF_PREFIX = 'self.';

/** True for an argument that reads state at call time (`self.watch_list`). */
export function isSelfRef(arg: unknown): arg is string {
  return typeof arg === 'string' && arg.startsWith(SELF_PREFIX) && arg.length > SELF_PREFIX.length;
}

/**
 * Resolves a subtask's positional `input_args` when the call is made, so each call sees the
 * latest values (a later subtask sees the `watch_list` an earlier one set). `self.a.b` reads
 * nested values; everything else is a literal, passed as YAML gave it.
 */
export function resolveArgs(args: readonly unknown[], state: StateStore): unknown[] {
  return args.map((arg) => (isSelfRef(arg) ? state.resolvePath(arg.slice(SELF_PREFIX.length)) : arg));
}
