import type { ConfigContext, TaskSchedule } from './context.js';
import type { MissoConfig, SubtaskConfig, TaskConfig } from './types.js';

/**
 * The human summary `misso check` prints for a valid config: the exchange, then every task with
 * its kind and the period it will run at (`freq`, else its kind's default, marked so), and each
 * subtask as `modul.method(args) → target`. Never shows secrets.
 */
export function summarizeConfig(cfg: MissoConfig, ctx: Pick<ConfigContext, 'taskSchedule'> = {}): string {
  const lines: string[] = [];
  lines.push(`config: ${cfg.file ?? '<config object>'}`);
  lines.push(`exchange: ${describeExchange(cfg)}`);
  const shared = Object.keys(cfg.sharedAttributes);
  lines.push(
    `attributes: ${Object.keys(cfg.classAttributes).length} declared` + (shared.length > 0 ? `, shared: ${shared.join(', ')}` : ''),
  );
  lines.push(`tasks (${cfg.tasks.length}):`);
  const nameWidth = Math.max(...cfg.tasks.map((t) => t.name.length), 4);
  const kindWidth = Math.max(...cfg.tasks.map((t) => t.kind.length), 4);
  for (const task of cfg.tasks) {
    lines.push(`  ${task.name.padEnd(nameWidth)}  ${task.kind.padEnd(kindWidth)}  ${describeTask(task, ctx.taskSchedule?.(task.kind))}`);
    for (const sub of task.subtasks) lines.push(`    ${describeSubtask(sub)}`);
  }
  return lines.join('\n');
}

function describeExchange(cfg: MissoConfig): string {
  const ex = cfg.exchange;
  if (ex.id === 'sim') {
    // Each knob with its value (`seed 7`), a long one cut short.
    const knobs = Object.entries(ex.sim).map(([k, v]) => {
      const shown = typeof v === 'string' ? v : JSON.stringify(v);
      return `${k} ${shown.length > 40 ? `${shown.slice(0, 37)}...` : shown}`;
    });
    return knobs.length > 0 ? `sim (simulated; ${knobs.join(', ')})` : 'sim (simulated)';
  }
  const credentials = [...(['apiKey', 'secret', 'password'] as const).filter((k) => ex[k] !== null), ...Object.keys(ex.credentials ?? {})];
  return `${ex.id} (${credentials.length > 0 ? `credentials: ${credentials.join(', ')}` : 'no credentials: misso run refuses to start without them, since it reads the account\'s open orders at every start'})`;
}

function describeTask(task: TaskConfig, schedule: TaskSchedule | undefined): string {
  const parts = [describePeriod(task, schedule)];
  if (task.out !== null) parts.push(`→ ${task.out}`);
  if (task.subtasks.length > 0) parts.push(`${task.subtasks.length} subtask${task.subtasks.length === 1 ? '' : 's'}`);
  return parts.join('  ');
}

/** As the supervisor runs it (src/engine/task-host.ts): `freq`, else the kind's default period. */
function describePeriod(task: TaskConfig, schedule: TaskSchedule | undefined): string {
  if (schedule?.mode === 'once') return 'once';
  const defaultFreq = schedule?.defaultFreqSecs ?? null;
  const period =
    task.freqSecs !== null ? `every ${task.freqSecs}s` : defaultFreq !== null ? `every ${defaultFreq}s (default)` : null;
  // A service reacts to events; its `freq`, if any, is only a heartbeat (`t_execute_orders`).
  if (schedule?.mode === 'service') return period === null ? 'event-driven' : `event-driven, heartbeat ${period}`;
  // A periodic kind with no period of its own runs once; a kind this summary cannot see into (a
  // user kind) may have a default it does not know.
  return period ?? (schedule ? 'once (no freq)' : 'no freq');
}

function describeSubtask(sub: SubtaskConfig): string {
  const args = sub.inputArgs.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(', ');
  const call = `${sub.modul}.${sub.method}(${args})`;
  const target = sub.targetAttr === null ? '' : ` ${sub.targetSaveUpdate ? '⇒ merge into' : '→'} ${sub.targetAttr}`;
  return `${sub.key}: ${sub.type.padEnd(8)} ${call}${target}`;
}
