import type { TaskKind } from './contract.js';

/**
 * `t_shutdown`: stops the updater once `stop_updates` is set (by the strategy, the library or an
 * operator), as the seed's flag did.
 */
export const shutdown: TaskKind = {
  mode: 'service',
  describe: 'stops everything once stop_updates is set',
  options: [],
  waitForInit: false,
  gated: false,
  async run(rt) {
    // Wakes on the change itself; the periodic wake-up is only its heartbeat.
    let requested = rt.state.get('stop_updates') === true;
    const onChange = (change: { name: string; value: unknown }): void => {
      if (change.name === 'stop_updates' && change.value === true) requested = true;
      if (requested) wake.abort();
    };
    let wake = new AbortController();
    rt.state.on('change', onChange);
    try {
      while (!rt.signal.aborted && !requested) {
        rt.heartbeat();
        wake = new AbortController();
        await rt.clock.sleep(5000, AbortSignal.any([rt.signal, wake.signal]));
      }
    } finally {
      rt.state.off('change', onChange);
    }
    if (requested && !rt.signal.aborted) rt.engine.requestStop('stop_updates was set');
  },
};
