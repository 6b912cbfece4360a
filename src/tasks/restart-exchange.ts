import type { TaskKind } from './contract.js';

/** The reason `t_restart_exchange` gives its rebuilds. */
export const SCHEDULED_RESTART = 'scheduled';
/** The reason of the rebuild the task host starts when tasks keep failing with network errors. */
export const FAILING_TASKS_RESTART = 'tasks failing with network errors';

/**
 * `t_restart_exchange`: every `freq` seconds, rebuild the exchange session: close the gate, let
 * the calls in flight drain, close, reconnect, reconcile orders, reopen. Its period is `freq`.
 */
export const restartExchange: TaskKind = {
  mode: 'periodic',
  describe: 'rebuilds the exchange session every freq seconds',
  options: [],
  defaultFreqSecs: 300,
  delayFirstRun: true,
  gated: false,
  async run(rt) {
    await rt.engine.restartExchange(SCHEDULED_RESTART);
  },
};
