import type { TaskConfig } from '../config/types.js';
import type { TaskKind } from './contract.js';

function subtaskTargets(config: TaskConfig): string[] {
  return config.subtasks.flatMap((s) => (s.targetAttr === null ? [] : [s.targetAttr]));
}

/**
 * `t_init_update`: every subtask once, in order, before anything else runs. Later subtasks see
 * what earlier ones stored (`self.watch_list`). The updater's `start()` resolves after it.
 */
export const initUpdate: TaskKind = {
  mode: 'once',
  options: [],
  describe: 'runs its subtasks once, in order, before every other task',
  waitForInit: false,
  feeds: () => [],
  async run(rt) {
    await rt.runSubtasks();
  },
};

/** `t_update_template`: the subtasks in order, every `freq` seconds. Entirely defined by config. */
export const updateTemplate: TaskKind = {
  mode: 'periodic',
  options: [],
  describe: 'runs its subtasks in order every freq seconds',
  feeds: subtaskTargets,
  async run(rt) {
    await rt.runSubtasks();
  },
};
