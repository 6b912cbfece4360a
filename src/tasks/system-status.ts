import { evaluateSystemStatus } from '../helpers/system-status.js';
import type { TaskKind } from './contract.js';
import { renderTemplate } from './template.js';

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
  optionTypes: { message: 'string' },
  defaultFreqSecs: 300,
  gated: false,
  async run(rt) {
    const own = rt.name;
    const status = rt.state.get<Record<string, boolean | null>>('system_status');
    if (windows.has(rt.config)) {
      const others = Object.fromEntries(Object.entries(status).filter(([name]) => name !== own));
      const verdict = evaluateSystemStatus(others);
      if (verdict.down.length > 0) rt.notify(verdict.message, 'error', `${own}:down:${verdict.down.join(',')}`);
      rt.state.set('system_health', { up: verdict.up, down: verdict.down }, own);
    }
    const template = typeof rt.config.options['message'] === 'string' ? (rt.config.options['message'] as string) : DEFAULT_STATUS_MESSAGE;
    rt.notify(renderTemplate(template, rt.state), 'info', `${own}:summary`);
    for (const key of Object.keys(status)) if (key !== own) status[key] = null;
    rt.state.touch('system_status', own);
    windows.set(rt.config, { startedAt: rt.clock.now() });
  },
};
