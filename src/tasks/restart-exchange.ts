import type { TaskKind } from './contract.js';

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
    await rt.engine.restartExchange('scheduled');
  },
};
