import { noTasksError } from '../config/config-error.js';
import type { MissoConfig, TaskConfig } from '../config/types.js';
import { CONTROL_CHAR } from '../config/positions.js';
import { AlreadyStartedError, StoppedError } from '../core/errors.js';
import { BUILTIN_TASK_KINDS } from '../tasks/registry.js';
import { toTaskKind, type TaskKind, type TaskRuntime } from '../tasks/contract.js';
import type { UpdaterPhase } from './lifecycle.js';

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
  /** Seconds between passes, at least 0.1; null: not periodic. @defaultValue the kind's `defaultFreqSecs`, else none (not periodic) */
  freqSecs?: number | null;
  /** Seconds, above 0. @defaultValue 2 × freq, at least 30 s */
  timeoutSecs?: number;
  /** Seconds, above 0. @defaultValue 3 × freq */
  maxAgeSecs?: number;
  /** Kind-specific options. @defaultValue {} */
  options?: Record<string, unknown>;
}

/**
 * Adds a task in code (`updater.registerTask`): its kind to `kinds`, its config to `tasks`, as if
 * the config had declared it. Its arguments are checked as a config's task is: a `TypeError` (a
 * blank name, a name taken, an unknown or misspelt option, a value of the wrong type) or a
 * `RangeError` (a period below 0.1 s, a timeout or maximum age not above 0) names the option,
 * with nothing added. After `start()` it throws an `Error`, once stopped a `StoppedError`.
 */
export function addRegisteredTask(
  kinds: Map<string, TaskKind>,
  tasks: TaskConfig[],
  name: string,
  kind: TaskKind | ((rt: TaskRuntime) => Promise<void> | void),
  options: RegisteredTaskOptions,
  phase: UpdaterPhase,
): void {
  const label = `registerTask(${typeof name === 'string' ? JSON.stringify(name) : describe(name)})`;
  if (phase === 'stopping' || phase === 'stopped' || phase === 'faulted') throw new StoppedError(`${label}: the updater was stopped; register tasks on a new Updater, before start()`);
  if (phase !== 'created') throw new AlreadyStartedError(`${label} must be called before start(); the updater is ${phase}`);
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TypeError(`${label}: a task name must be a non-blank string (status, logs and notifications show it)`);
  }
  if (CONTROL_CHAR.test(name)) throw new TypeError(`${label}: a task name may not hold a control character (status, logs and notifications show it)`);
  if (tasks.some((t) => t.name === name)) throw new TypeError(`${label}: a task named '${name}' exists already; give each task its own name`);
  checkRegisteredOptions(label, options);
  const k = toTaskKind(kind, name);
  kinds.set(name, k);
  tasks.push(registeredTaskConfig(name, k, options));
}

const OPTION_KEYS: readonly (keyof RegisteredTaskOptions)[] = ['freqSecs', 'timeoutSecs', 'maxAgeSecs', 'options'];
/** A config's spelling (or a near miss) of an option, for the hint. */
const SPELLED: Readonly<Record<string, keyof RegisteredTaskOptions>> = {
  freq: 'freqSecs', freq_secs: 'freqSecs', freqsecs: 'freqSecs', frequency: 'freqSecs', period: 'freqSecs', interval: 'freqSecs',
  timeout: 'timeoutSecs', timeout_secs: 'timeoutSecs', timeoutsecs: 'timeoutSecs', max_age_secs: 'maxAgeSecs', maxage: 'maxAgeSecs', maxagesecs: 'maxAgeSecs',
};

/** The checks a config's task gets from its schema (`freq` at least 0.1 or null, positive timeouts), for a task added in code. */
function checkRegisteredOptions(label: string, options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new TypeError(`${label}: the options must be an object {freqSecs?, timeoutSecs?, maxAgeSecs?, options?}, got ${describe(options)}`);
  const o = options as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(OPTION_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    const hints = unknown.flatMap((k) => (SPELLED[k.toLowerCase()] ? [`${k}: did you mean ${SPELLED[k.toLowerCase()]}?`] : []));
    throw new TypeError(`${label}: unknown option(s) ${unknown.join(', ')}; the options are ${OPTION_KEYS.join(', ')}${hints.length > 0 ? ` (${hints.join('; ')})` : ''}`);
  }
  if (o['freqSecs'] !== null) seconds(label, o, 'freqSecs', 'a number of seconds of at least 0.1, or null for a task that is not periodic', (v) => v >= 0.1);
  seconds(label, o, 'timeoutSecs', 'a number of seconds above 0', (v) => v > 0);
  seconds(label, o, 'maxAgeSecs', 'a number of seconds above 0', (v) => v > 0);
  const kindOptions = o['options'];
  if (kindOptions !== undefined && (typeof kindOptions !== 'object' || kindOptions === null || Array.isArray(kindOptions))) {
    throw new TypeError(`${label}: options.options (the kind's own options) must be an object, got ${describe(kindOptions)}`);
  }
}

function seconds(label: string, o: Record<string, unknown>, key: string, what: string, ok: (v: number) => boolean): void {
  const v = o[key];
  if (v === undefined) return;
  if (typeof v !== 'number') throw new TypeError(`${label}: ${key} must be ${what}, got ${describe(v)}`);
  if (!Number.isFinite(v) || !ok(v)) throw new RangeError(`${label}: ${key} must be ${what}, got ${describe(v)}`);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
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

/** Throws the config's `ConfigError` at its `tasks:` line when there is no task to start, from the config or code. */
export function refuseNoTasks(tasks: readonly TaskConfig[], config: Pick<MissoConfig, 'file' | 'tasksPos'>): void {
  if (tasks.length === 0) throw noTasksError(config);
}
