import { evaluateSystemStatus } from '../helpers/system-status.js';
import type { TaskKind } from './contract.js';
import { isTaskUp, type TaskHealth } from '../core/task-status.js';
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
    const window = windows.get(rt.config);
    if (window) {
      const health = rt.engine.taskStatuses();
      const now = rt.clock.now();
      const others = Object.fromEntries(
        Object.entries(status)
          .filter(([name]) => name !== own)
          .map(([name, value]) => [name, value === null && notDue(health[name], now - window.startedAt, now) ? true : value]),
      );
      const verdict = evaluateSystemStatus(others);
      if (verdict.down.length > 0) rt.notify(verdict.message, 'error', `${own}:down:${verdict.down.join(',')}`);
      rt.state.set('system_health', { up: verdict.up, down: verdict.down }, own);
    }
    const template = typeof rt.config.options['message'] === 'string' ? (rt.config.options['message'] as string) : DEFAULT_STATUS_MESSAGE;
    // The summary the operator asked for every `freq`: each one goes out, changed or not (a key
    // of its own, so the notifier's repeat filter does not hold it back for its window).
    rt.notify(renderTemplate(template, rt.state), 'info', `${own}:summary:${rt.clock.now()}`);
    for (const key of Object.keys(status)) if (key !== own) status[key] = null;
    rt.state.touch('system_status', own);
    windows.set(rt.config, { startedAt: rt.clock.now() });
  },
};

/**
 * A task silent in the window only because its period is longer (`t_restart_exchange` every
 * 300 s, the status every 60 s): up, and its last success no older than its period plus a grace,
 * or not run yet.
 */
function notDue(health: TaskHealth | undefined, windowMs: number, now: number): boolean {
  if (!health || health.freqSecs === null || !isTaskUp(health)) return false;
  const periodMs = health.freqSecs * 1000;
  if (periodMs <= windowMs) return false;
  // Not run yet and not failed: a task whose first run waits out its period (`t_restart_exchange`).
  if (health.lastSuccessAt === null) return health.runs === 0;
  return now - health.lastSuccessAt <= periodMs + Math.max(windowMs, 30_000);
}
