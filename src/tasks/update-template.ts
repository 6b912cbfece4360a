import type { TaskConfig } from '../config/types.js';
import type { TaskKind } from './contract.js';

function subtaskTargets(config: TaskConfig): string[] {
  return config.subtasks.flatMap((s) => (s.targetAttr === null ? [] : [s.targetAttr]));
}

/** `t_update_template`: the subtasks in order, every `freq` seconds. Entirely defined by config. */
export const updateTemplate: TaskKind = {
  mode: 'periodic',
  options: [],
  describe: 'runs its subtasks in order every freq seconds',
  onlySubtasks: true,
  feeds: subtaskTargets,
  async run(rt) {
    await rt.runSubtasks();
  },
};
