import type { TaskKind } from './contract.js';

/**
 * `t_init_update`: every subtask once, in order, before anything else runs. Later subtasks see
 * what earlier ones stored (`self.watch_list`). The updater's `start()` resolves after it.
 */
export const initUpdate: TaskKind = {
  mode: 'once',
  options: [],
  describe: 'runs its subtasks once, in order, before every other task',
  onlySubtasks: true,
  waitForInit: false,
  feeds: () => [],
  async run(rt) {
    await rt.runSubtasks();
  },
};
