import type { StatusSnapshot } from '../http/types.js';

function age(ms: number | null): string {
  if (ms === null) return 'never';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(0)}s`;
  return `${(ms / 60_000).toFixed(0)}m`;
}

function money(v: number | null): string {
  return v === null ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/**
 * ` (stale 45s)` when one of the attributes behind a figure is stale (the oldest one's age), so
 * an old capital or open-orders count is not shown as current while the exchange is down.
 */
function staleMark(s: StatusSnapshot, ...names: string[]): string {
  const stale = names.map((n) => s.attributes[n]).filter((a) => a?.stale === true);
  if (stale.length === 0) return '';
  const ages = stale.map((a) => a!.ageMs);
  if (ages.includes(null)) return ' (stale, never read)';
  return ` (stale ${age(Math.max(...(ages as number[])))})`;
}

const CAPITAL = ['total_capital', 'free_capital'];
const OPEN_ORDERS = ['open_orders', 'is_open_orders'];

/** Whether the tasks are running: after a stop (or a fault) none is up, whatever its last run did. */
function tasksLive(s: StatusSnapshot): boolean {
  return s.phase === 'running' || s.phase === 'starting';
}

/**
 * The tasks in a few words: `11/12 up (down: x)` while running; once stopping, stopped or
 * faulted, `12 tasks, none running`, naming those whose last run failed: none is up any more.
 */
function taskSummary(s: StatusSnapshot): string {
  const tasks = Object.entries(s.tasks);
  const down = tasks.filter(([, t]) => t.ok === false).map(([n]) => n);
  if (!tasksLive(s)) {
    const state = s.phase === 'stopping' ? 'stopping' : 'none running';
    return `${tasks.length} task${tasks.length === 1 ? '' : 's'}, ${state}${down.length ? `; last run failed: ${down.join(', ')}` : ''}`;
  }
  const up = tasks.filter(([, t]) => t.ok === true).length;
  return `${up}/${tasks.length} up${down.length ? ` (down: ${down.join(', ')})` : ''}`;
}

/**
 * The compact live status `misso run` shows on a terminal: tasks up or down, the watch list's
 * size, a few prices, capital and orders. `colour` adds ANSI colours. After a stop nothing is
 * green: the tasks are listed grey (red for a last run that failed) and the time is how long it ran.
 */
export function renderStatus(s: StatusSnapshot, colour: boolean, width = 100): string[] {
  const paint = (code: string, text: string): string => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
  const staleFor = (...names: string[]): string => {
    const mark = staleMark(s, ...names);
    return mark === '' ? '' : paint('33', mark);
  };
  const tasks = Object.entries(s.tasks);
  const live = tasksLive(s);
  const lines: string[] = [];
  const head = `misso · ${s.exchangeId} · ${s.phase} · ${live ? 'up' : 'ran'} ${age(s.now - s.startedAt)}`;
  lines.push(paint('1', head));
  lines.push(live ? `tasks ${taskSummary(s)}` : `tasks: ${taskSummary(s)}`);
  // Wrapped by hand to the terminal's width: the redraw moves the cursor up by line count, so a
  // line the terminal wraps itself would leave stale lines behind.
  let line = ' ';
  let visible = 1;
  for (const [name, t] of tasks) {
    const mark = t.ok === false ? '✘' : !live ? '■' : t.ok === true ? '✔' : '…';
    const text = `${mark} ${name}`;
    if (visible + 2 + text.length > width && visible > 1) {
      lines.push(line);
      line = ' ';
      visible = 1;
    }
    line += ` ${t.ok === false ? paint('31', text) : t.ok === true && live ? paint('32', text) : paint('90', text)}`;
    visible += 1 + text.length;
  }
  if (visible > 1) lines.push(line);
  const wl = s.attributes['watch_list'];
  const stale = Object.entries(s.attributes).filter(([, a]) => a.stale).map(([n]) => n);
  lines.push(`watch list ${wl?.summary ?? '-'}${stale.length ? paint('33', `  stale: ${stale.join(', ')}`) : ''}`);
  const prices = Object.entries(s.prices)
    .slice(0, 5)
    .map(([sym, p]) => `${sym.split('/')[0]} ${p}`)
    .join('  ');
  lines.push(`prices ${prices || '-'}`);
  lines.push(`capital total ${money(s.capital.total)}${staleFor('total_capital')}  free ${money(s.capital.free)}${staleFor('free_capital')}`);
  lines.push(
    `orders open ${s.orders.open}${staleFor(...OPEN_ORDERS)} pending ${s.orders.pending} failed ${s.orders.failed}` +
      `  ·  budget ${s.exchange.budget.usedInWindow}/${s.exchange.budget.capacity}${s.exchange.restarting ? paint('33', '  restarting exchange') : ''}`,
  );
  return lines;
}

/** One line for logs and non-terminal output. */
export function statusLine(s: StatusSnapshot): string {
  const all = Object.values(s.tasks);
  const tasks = tasksLive(s) ? ` tasks ${all.filter((t) => t.ok === true).length}/${all.length} up` : ` (${taskSummary(s)})`;
  return `status: ${s.phase}${tasks}, watch list ${s.attributes['watch_list']?.summary ?? '-'}, capital ${money(s.capital.total)}${staleMark(s, ...CAPITAL)}, orders open ${s.orders.open}${staleMark(s, ...OPEN_ORDERS)}`;
}
