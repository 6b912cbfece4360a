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
 * The compact live status `misso run` shows on a terminal: tasks up or down, the watch list's
 * size, a few prices, capital and orders. `colour` adds ANSI colours.
 */
export function renderStatus(s: StatusSnapshot, colour: boolean): string[] {
  const paint = (code: string, text: string): string => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
  const tasks = Object.entries(s.tasks);
  const up = tasks.filter(([, t]) => t.ok === true).length;
  const down = tasks.filter(([, t]) => t.ok === false).map(([n]) => n);
  const lines: string[] = [];
  const head = `misso · ${s.exchangeId} · ${s.phase} · up ${age(s.now - s.startedAt)}`;
  lines.push(paint('1', head));
  const taskLine = tasks
    .map(([name, t]) => (t.ok === true ? paint('32', `✔ ${name}`) : t.ok === false ? paint('31', `✘ ${name}`) : paint('90', `… ${name}`)))
    .join('  ');
  lines.push(`tasks ${up}/${tasks.length} up${down.length ? ` (down: ${down.join(', ')})` : ''}`);
  lines.push(`  ${taskLine}`);
  const wl = s.attributes['watch_list'];
  const stale = Object.entries(s.attributes).filter(([, a]) => a.stale).map(([n]) => n);
  lines.push(`watch list ${wl?.summary ?? '-'}${stale.length ? paint('33', `  stale: ${stale.join(', ')}`) : ''}`);
  const prices = Object.entries(s.prices)
    .slice(0, 5)
    .map(([sym, p]) => `${sym.split('/')[0]} ${p}`)
    .join('  ');
  lines.push(`prices ${prices || '-'}`);
  lines.push(
    `capital total ${money(s.capital.total)}  free ${money(s.capital.free)}  ·  orders open ${s.orders.open} pending ${s.orders.pending} failed ${s.orders.failed}` +
      `  ·  budget ${s.exchange.budget.usedInWindow}/${s.exchange.budget.capacity}${s.exchange.restarting ? paint('33', '  restarting exchange') : ''}`,
  );
  return lines;
}

/** One line for logs and non-terminal output. */
export function statusLine(s: StatusSnapshot): string {
  const tasks = Object.values(s.tasks);
  const up = tasks.filter((t) => t.ok === true).length;
  return `status: ${s.phase} tasks ${up}/${tasks.length} up, watch list ${s.attributes['watch_list']?.summary ?? '-'}, capital ${money(s.capital.total)}, orders open ${s.orders.open}`;
}
