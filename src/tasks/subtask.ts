import type { SubtaskConfig } from '../config/types.js';
import { isAsyncFunction } from '../config/validate-tasks.js';
import { watchListProblem, watchListProblemText } from '../config/watch-list-shape.js';
import { coerceError, StoppedError } from '../core/errors.js';
import { attachKind, taskErrorKind } from '../exchange/classify.js';
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
  const args = resolveArgs(config.inputArgs, state, config.inputArgPos);
  // Refused before the call, so nothing it would do happens (`misso check` says so at the line);
  // a plain function that answers a promise is found only by its answer, below.
  if (config.type === 'standard' && isAsyncFunction(fn)) throw new TypeError(`${config.modul}.${config.method} is async: set 'type: async' on ${config.key}`);
  const result = config.type === 'async' ? await fn(...args) : fn(...args);
  if (config.type === 'standard' && result instanceof Promise) {
    throw new TypeError(`${config.modul}.${config.method} returned a promise: set 'type: async' on ${config.key}`);
  }
  if (config.targetAttr !== null) {
    refuseWrongWatchList(config.targetAttr, result);
    const from = isStreamed(result) ? STREAM_SOURCE : source;
    if (config.targetSaveUpdate) state.merge(config.targetAttr, result, from);
    else state.set(config.targetAttr, result, from);
  }
  return config.returnValue ? result : undefined;
}

/**
 * A store into `watch_list` of a value the market-data tasks cannot read (`'BTC/USD:USD'` alone, a
 * number) fails the subtask's pass instead: kept, the ticker task would report ok with no price
 * and `get_ohlcv_data` would read the string character by character. A map merged in with
 * `target_save_update` stays a map, a shape they read.
 */
function refuseWrongWatchList(attr: string, value: unknown): void {
  if (attr !== 'watch_list') return;
  const problem = watchListProblem(value);
  if (problem) throw new TypeError(`${watchListProblemText('`watch_list`', problem)}; return a list of symbols from the helper, e.g. ["BTC/USD:USD"]`);
}

/**
 * How errors name a subtask: `FILE:LINE:COL: tasks.<task>.subtasks.<key>: <modul>.<method>`, the
 * position left out for a config given as an object.
 */
export function subtaskLabel(taskKey: string, subtask: SubtaskConfig): string {
  const at = subtask.pos ? `${subtask.pos.file}:${subtask.pos.line}:${subtask.pos.col}: ` : '';
  return `${at}tasks.${taskKey}.subtasks.${subtask.key}: ${subtask.modul}.${subtask.method}`;
}

/**
 * A subtask's failure, named as a config problem is: `FILE:LINE:COL: tasks.<task>.subtasks.<key>:
 * <modul>.<method> failed: <what it threw>` (without the position for a config given as an
 * object). The init update's and a periodic task's subtasks fail alike, so the task's
 * `lastError`, its log line and the start's failure all say which call to look at. The kind of
 * what was thrown is kept (an exchange's refused credentials still stop the task).
 */
export class SubtaskError extends Error {
  override name = 'SubtaskError';
  /** The key of the task under `tasks:`. */
  readonly taskKey: string;
  /** The key of the subtask under its task's `subtasks:`. */
  readonly subtaskKey: string;

  constructor(taskKey: string, subtask: SubtaskConfig, cause: unknown) {
    const error = coerceError(cause);
    const what = error.message || `${error.name || 'Error'} (without a message)`;
    super(`${subtaskLabel(taskKey, subtask)} failed: ${what}`, { cause });
    this.taskKey = taskKey;
    this.subtaskKey = subtask.key;
    attachKind(this, taskErrorKind(cause));
  }
}

/**
 * {@link runSubtask}, with its failure named as a {@link SubtaskError} of task `taskKey`. A stop
 * is passed on as it is: it is no fault of the subtask.
 */
export async function runNamedSubtask(taskKey: string, subtask: BoundSubtask, state: StateStore, source: string): Promise<unknown> {
  try {
    return await runSubtask(subtask, state, source);
  } catch (error: unknown) {
    if (error instanceof StoppedError || error instanceof SubtaskError) throw error;
    throw new SubtaskError(taskKey, subtask.config, error);
  }
}
