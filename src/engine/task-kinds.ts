import type { TaskConfig } from '../config/types.js';
import { BUILTIN_TASK_KINDS } from '../tasks/registry.js';
import { toTaskKind, type TaskKind, type TaskRuntime } from '../tasks/contract.js';

/**
 * The task kinds a config may name: misso's built-in ones (src/tasks/registry.ts), then the
 * caller's, which may replace one. The CLI's `check` and the Updater both start from here.
 */
export function taskKindTable(extra: Readonly<Record<string, TaskKind | ((rt: TaskRuntime) => Promise<void> | void)>> = {}): Map<string, TaskKind> {
  const kinds = new Map<string, TaskKind>(Object.entries(BUILTIN_TASK_KINDS));
  for (const [name, kind] of Object.entries(extra)) kinds.set(name, toTaskKind(kind, name));
  return kinds;
}

/** Options of a task added in code (`updater.registerTask`). */
export interface RegisteredTaskOptions {
  /** @defaultValue the kind's `defaultFreqSecs`, else none (not periodic) */
  freqSecs?: number | null;
  /** @defaultValue 2 × freq, at least 30 s */
  timeoutSecs?: number;
  /** @defaultValue 3 × freq */
  maxAgeSecs?: number;
  /** Kind-specific options. @defaultValue {} */
  options?: Record<string, unknown>;
}

/**
 * Adds a task in code (`updater.registerTask`): its kind to `kinds`, its config to `tasks`, as if
 * the config had declared it. Throws when a task of that name exists already.
 */
export function addRegisteredTask(
  kinds: Map<string, TaskKind>,
  tasks: TaskConfig[],
  name: string,
  kind: TaskKind | ((rt: TaskRuntime) => Promise<void> | void),
  options: RegisteredTaskOptions,
): void {
  if (tasks.some((t) => t.name === name)) throw new Error(`a task named '${name}' exists already`);
  const k = toTaskKind(kind, name);
  kinds.set(name, k);
  tasks.push(registeredTaskConfig(name, k, options));
}

/** The task config of a task added in code, as if a config had declared it. */
function registeredTaskConfig(name: string, kind: TaskKind, options: RegisteredTaskOptions): TaskConfig {
  return {
    key: name,
    kind: name,
    name,
    freqSecs: options.freqSecs === undefined ? (kind.defaultFreqSecs ?? null) : options.freqSecs,
    timeoutSecs: options.timeoutSecs ?? null,
    out: null,
    inputArgs: null,
    subtasks: [],
    maxAgeSecs: options.maxAgeSecs ?? null,
    options: options.options ?? {},
  };
}
