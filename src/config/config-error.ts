import { UserError } from '../core/errors.js';
import type { MissoConfig } from './types.js';

/** One thing wrong with a config, located in its file. */
export interface ConfigProblem {
  /** The config file as the user named it, or `<config object>` for {@link loadConfigObject}. */
  file: string;
  /** 1-based; 0 when the position is unknown (configs built from objects). */
  line: number;
  /** 1-based; 0 when the position is unknown. */
  col: number;
  /** Dotted path to the offending value, e.g. `tasks.t_update_template.subtasks.subtask_0.method`. Empty for YAML syntax. */
  path: string;
  message: string;
  /** The likely fix, e.g. "did you mean `name`?". */
  hint?: string;
}

/** Renders one problem as `FILE:LINE:COL: path: message — hint`. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
  const path = p.path ? `${p.path}: ` : '';
  const hint = p.hint ? ` — ${p.hint}` : '';
  return `${where}: ${path}${p.message}${hint}`;
}

/** Orders problems as they appear in the file, so the report reads top to bottom. */
export function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col || a.path.localeCompare(b.path));
}

/**
 * Every problem found in a config, thrown before anything runs. Its message lists them all, one
 * per line, and ends with the next step; the CLI prints it and exits with code 2.
 */
export class ConfigError extends UserError {
  override name = 'ConfigError';
  /** Sorted by position in the file. */
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], nextStep: string) {
    const sorted = sortProblems(problems);
    const count = sorted.length === 1 ? '1 problem' : `${sorted.length} problems`;
    super([...sorted.map(formatProblem), `${count}: ${nextStep}`].join('\n'));
    this.problems = Object.freeze(sorted.map((p) => Object.freeze({ ...p })));
  }
}

/** The closing line of a {@link ConfigError} for a config file. */
export function nextStepForFile(file: string): string {
  return `fix the lines above and run \`misso check ${file}\` again`;
}

/** The closing line of a {@link ConfigError} for a config given as an object. */
export const NEXT_STEP_FOR_OBJECT = 'fix the entries above in the config object and try again';

/**
 * A config with an empty `tasks:` map at `start()`, with none registered in code either: it would
 * run, report healthy and keep nothing fresh. `misso check` refuses it as `misso run` would.
 */
export function noTasksError(config: Pick<MissoConfig, 'file' | 'tasksPos'>): ConfigError {
  const at = config.tasksPos;
  const file = at?.file ?? config.file ?? '<config object>';
  return new ConfigError(
    [{
      file,
      line: at?.line ?? 0,
      col: at?.col ?? 0,
      path: 'tasks',
      message: 'no tasks: misso would start, keep nothing fresh and report healthy',
      hint: 'add a task (`t_update_tickers: {freq: 10}`, see examples/example.yaml), or register one in code with `updater.registerTask` before `start()`',
    }],
    config.file === null ? NEXT_STEP_FOR_OBJECT : nextStepForFile(file),
  );
}
