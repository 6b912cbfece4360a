import type { TaskKind } from '../engine/task-kind.js';
import { renderTemplate } from './template.js';

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
    rt.heartbeat();
    if (rt.state.get('stop_updates') === true) {
      rt.engine.requestStop('stop_updates was set');
      return;
    }
    await new Promise<void>((resolve) => {
      const onChange = (change: { name: string; value: unknown }): void => {
        if (change.name === 'stop_updates' && change.value === true) {
          done();
          rt.engine.requestStop('stop_updates was set');
        }
      };
      const done = (): void => {
        rt.state.off('change', onChange);
        rt.signal.removeEventListener('abort', done);
        resolve();
      };
      rt.state.on('change', onChange);
      rt.signal.addEventListener('abort', done, { once: true });
    });
  },
};

/** The seed's summary, used when the task has no `message:`. */
export const DEFAULT_STATUS_MESSAGE =
  'Total Capital: {total_capital} | Free Capital: {free_capital} | Watch list: {watch_list} | Open orders: {open_orders}';

const windows = new WeakMap<object, { startedAt: number }>();

/**
 * `t_system_status`, as the seed did it, without sleeping inside a pass: each pass first judges
 * the window that just ended — a task that failed or did not report in it is down, and the
 * operator is told which — then sends the summary built from state and resets every task's
 * `system_status` to None, opening the next window. The period is `freq`.
 */
export const systemStatus: TaskKind = {
  mode: 'periodic',
  describe: 'summary to the operator, then which tasks did not report',
  options: ['message'],
  defaultFreqSecs: 300,
  gated: false,
  async run(rt) {
    const own = rt.name;
    const status = rt.state.get<Record<string, boolean | null>>('system_status');
    if (windows.has(rt.config)) {
      const down = Object.entries(status)
        .filter(([name, ok]) => name !== own && ok !== true)
        .map(([name]) => name);
      if (down.length > 0) rt.notify(`${down.length} modules down: ${down.join(', ')}`, 'error', `${own}:down:${down.join(',')}`);
      rt.state.set('system_health', { up: Object.keys(status).filter((n) => n !== own).length - down.length, down }, own);
    }
    const template = typeof rt.config.options['message'] === 'string' ? (rt.config.options['message'] as string) : DEFAULT_STATUS_MESSAGE;
    rt.notify(renderTemplate(template, rt.state), 'info', `${own}:summary`);
    for (const key of Object.keys(status)) if (key !== own) status[key] = null;
    rt.state.touch('system_status', own);
    windows.set(rt.config, { startedAt: rt.clock.now() });
  },
};
