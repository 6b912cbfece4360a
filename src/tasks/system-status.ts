import { evaluateSystemStatus } from '../helpers/system-status.js';
import type { TaskKind } from './contract.js';
import { isTaskUp, type TaskHealth } from '../core/task-status.js';
import { renderTemplate } from './template.js';
import { placeholderAttributes } from '../config/placeholders.js';
import type { TaskRuntime } from './contract.js';
import type { StateChange } from '../state/state-store.js';

/** The first summary waits at most this long for the data it shows (see {@link firstData}). */
const FIRST_SUMMARY_WAIT_MS = 20_000;

/** The seed's summary, used when the task has no `message:`. */
export const DEFAULT_STATUS_MESSAGE =
  'Total Capital: {total_capital} | Free Capital: {free_capital} | Watch list: {watch_list} | Open orders: {open_orders}';

/** Per task config: when its window opened, and whether modules down were told with no recovery since. */
const windows = new WeakMap<object, { startedAt: number; downTold: boolean }>();

/**
 * `t_system_status`, as the seed did it, without sleeping inside a pass: each pass first judges
 * the window that just ended — a task that failed or did not report in it is down, and the
 * operator is told which — then resets every task's `system_status` to None, opening the next
 * window, and sends the summary built from state (the first one once its data is in: see
 * {@link firstData}). The period is `freq`.
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
    let downTold = false;
    if (window) {
      const health = rt.engine.taskStatuses();
      const now = rt.clock.now();
      const others = Object.fromEntries(
        Object.entries(status)
          .filter(([name]) => name !== own)
          .map(([name, value]) => [name, value === null && notDue(health[name], now - window.startedAt, now) ? true : value]),
      );
      const verdict = evaluateSystemStatus(others);
      // One key for every set of modules down, and its recovery under it once no module is down.
      // The set is the condition: the same set again within dedupe_secs is a repeat, another set
      // is news (the operator's last word names the modules down now).
      if (verdict.down.length > 0) rt.notify(verdict.message, 'error', `${own}:modules-down`, `down:${verdict.down.join(',')}`);
      else if (window.downTold) rt.notify(`${verdict.message} again`, 'info', `${own}:modules-down`, 'up');
      downTold = verdict.down.length > 0;
      rt.state.set('system_health', { up: verdict.up, down: verdict.down }, own);
    }
    const template = typeof rt.config.options['message'] === 'string' ? (rt.config.options['message'] as string) : DEFAULT_STATUS_MESSAGE;
    const sentAt = rt.clock.now();
    // The next window opens now, before the first summary's wait for data (reports that come
    // meanwhile count in it).
    // A new dict: the state's values are frozen.
    rt.state.rewrite('system_status', Object.fromEntries(Object.keys(status).map((key) => [key, key === own ? status[key] : null])));
    rt.state.touch('system_status', own);
    windows.set(rt.config, { startedAt: sentAt, downTold });
    if (!window) await firstData(rt, template);
    // Stopped (or timed out) while it waited: no summary of a run that is ending.
    if (rt.signal.aborted) return;
    // The summary the operator asked for every `freq`: each one goes out, changed or not (a key
    // of its own, so the notifier's repeat filter does not hold it back for its window).
    rt.notify(renderTemplate(template, rt.state), 'info', `${own}:summary:${sentAt}`);
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

/**
 * The first pass runs as the updater starts, often before the tasks that feed the summary
 * (`total_capital` 0 and `watch_list` - in the first message the operator sees). It waits until
 * every attribute the template names that still holds its configured initial value has been
 * written, for at most 20 s (half the period or half the task's `timeout_secs`, if shorter), then
 * sends what there is.
 */
async function firstData(rt: TaskRuntime, template: string): Promise<void> {
  // Fed by a task (it has a maximum age) and not written yet.
  const waiting = new Set(placeholderAttributes(template).filter((name) => rt.state.meta(name)?.updatedAt === null && rt.state.meta(name)?.maxAgeMs !== null));
  if (waiting.size === 0) return;
  const written = new AbortController();
  const onChange = (change: StateChange): void => {
    if (waiting.delete(change.name) && waiting.size === 0) written.abort();
  };
  rt.state.on('change', onChange);
  try {
    // Half the period, and half the pass's own timeout: a wait the timeout ended would lose the
    // summary and count the pass as failed.
    const halves = [rt.config.freqSecs ?? 300, rt.config.timeoutSecs ?? Infinity].map((secs) => secs * 500);
    await rt.clock.sleep(Math.min(FIRST_SUMMARY_WAIT_MS, ...halves), AbortSignal.any([rt.signal, written.signal]));
  } finally {
    rt.state.off('change', onChange);
  }
}
