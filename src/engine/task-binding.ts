import { coerceError, ModuleLoadError } from '../core/errors.js';
import { ConfigError, NEXT_STEP_FOR_OBJECT, type ConfigProblem } from '../config/config-error.js';
import type { MissoConfig, SourcePos, TaskConfig } from '../config/types.js';
import { toTaskKind, type TaskKind } from '../tasks/contract.js';
import type { BoundSubtask } from '../tasks/subtask.js';
import { loadModule, loadTaskKind } from './module-registry.js';

/** A task's kind, its subtasks' functions and the attributes it feeds, as the task host runs them. */
export interface BoundTask {
  kind: TaskKind;
  subtasks: BoundSubtask[];
  /** `kind.feeds(config)`, asked once: it depends on the frozen config only. */
  feeds: readonly string[];
}

/**
 * Binds a task to its kind (a user kind `./file.ts#t_name` is loaded and kept in `kinds`) and its
 * subtasks to their functions. The config check loaded the same modules already; what fails only
 * now (a user kind whose `feeds()` throws, a module changed since the check, a config given as an
 * object) fails as a config problem does: a {@link ConfigError} naming the file, line and key.
 */
export async function bindTask(config: TaskConfig, kinds: Map<string, TaskKind>, misso: Pick<MissoConfig, 'file' | 'baseDir'>): Promise<BoundTask> {
  const fail = (path: string, pos: SourcePos | undefined, message: string, hint?: string): ConfigError => {
    const problem: ConfigProblem = { file: pos?.file ?? misso.file ?? '<config object>', line: pos?.line ?? 0, col: pos?.col ?? 0, path, message };
    if (hint !== undefined) problem.hint = hint;
    return new ConfigError([problem], misso.file ? "fix the task above, its options or its kind's code, and start again" : NEXT_STEP_FOR_OBJECT);
  };
  const task = `tasks.${config.key}`;
  let kind = kinds.get(config.kind);
  if (!kind) {
    try {
      kind = toTaskKind(await loadTaskKind(config.kind, misso.baseDir), config.kind);
    } catch (error: unknown) {
      throw fail(`${task}.kind`, config.pos, `cannot load task kind \`${config.kind}\`: ${coerceError(error).message}`, error instanceof ModuleLoadError ? error.hint : undefined);
    }
    kinds.set(config.kind, kind);
  }
  const subtasks: BoundSubtask[] = [];
  for (const sub of config.subtasks) {
    const path = `${task}.subtasks.${sub.key}`;
    let mod: Record<string, unknown>;
    try {
      mod = await loadModule(sub.modul, misso.baseDir);
    } catch (error: unknown) {
      throw fail(`${path}.modul`, sub.pos, `cannot load module \`${sub.modul}\`: ${coerceError(error).message}`, error instanceof ModuleLoadError ? error.hint : undefined);
    }
    const fn = mod[sub.method];
    if (typeof fn !== 'function') throw fail(`${path}.method`, sub.pos, `${sub.modul} has no function '${sub.method}'`);
    subtasks.push({ config: sub, fn: fn as (...args: unknown[]) => unknown });
  }
  let feeds: readonly string[];
  try {
    feeds = [...(kind.feeds?.(config) ?? [])];
  } catch (error: unknown) {
    throw fail(task, config.pos, `task kind \`${config.kind}\` threw while the task was built (its feeds(), which reads the task's options): ${coerceError(error).message}`);
  }
  return { kind, subtasks, feeds };
}
