import type { SubtaskConfig } from '../config/types.js';
import { resolveArgs } from './args.js';
import type { StateStore } from '../state/state-store.js';
import { isStreamed, STREAM_SOURCE } from '../state/streamed-mark.js';

/** A loaded subtask: its config and the function it calls. */
export interface BoundSubtask {
  config: SubtaskConfig;
  fn: (...args: unknown[]) => unknown;
}

/**
 * Runs one subtask the way the seed meant: call `modul.method(*input_args)`, awaiting it for
 * `type: async`, store the result in `target_attr` (merging with `target_save_update`) and hand
 * it back when `return_value` is set.
 */
export async function runSubtask(
  subtask: BoundSubtask,
  state: StateStore,
  source: string,
): Promise<unknown> {
  const { config, fn } = subtask;
  const args = resolveArgs(config.inputArgs, state);
  const result = config.type === 'async' ? await fn(...args) : fn(...args);
  if (config.type === 'standard' && result instanceof Promise) {
    throw new TypeError(`${config.modul}.${config.method} returned a promise: set 'type: async' on ${config.key}`);
  }
  if (config.targetAttr !== null) {
    const from = isStreamed(result) ? STREAM_SOURCE : source;
    if (config.targetSaveUpdate) state.merge(config.targetAttr, result, from);
    else state.set(config.targetAttr, result, from);
  }
  return config.returnValue ? result : undefined;
}
