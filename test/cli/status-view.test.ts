import { describe, expect, it } from 'vitest';
import { renderStatus, statusLine } from '../../src/cli/status-view.js';
import type { StatusSnapshot, TaskStatus } from '../../src/http/types.js';

function task(ok: boolean | null): TaskStatus {
  return { kind: 't_x', ok, runs: 1, failures: 0, consecutiveFailures: 0, lastError: null, lastErrorKind: null, lastErrorClass: null, lastSuccessAt: 1, lastDurationMs: 1, freqSecs: 10, state: 'sleeping' };
}

const snap: StatusSnapshot = {
  name: 'x',
  exchangeId: 'sim',
  startedAt: 0,
  now: 65_000,
  phase: 'running',
  ready: true,
  readiness: { config: true, exchange: true, journal: true, init_update: true },
  tasks: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`task_number_${i}`, task(i === 3 ? false : true)])),
  attributes: { watch_list: { updatedAt: 1, ageMs: 1, maxAgeMs: null, stale: false, source: 'init', summary: '9 items' } },
  orders: { pending: 1, open: 2, recentlyClosed: 0, lost: 0, failed: 0, rejected: 0, submitted: 3 },
  exchange: { restarting: false, inFlight: 0, restarts: 0, budget: { capacity: 200, windowMs: 1000, usedInWindow: 40, waiting: {}, pausedUntil: null } },
  prices: { 'BTC/USD:USD': 63000.5 },
  capital: { total: 10000, free: 9000 },
};

describe('the terminal status', () => {
  it('fits every line in the terminal width, so the redraw never leaves wrapped lines behind', () => {
    for (const width of [40, 80, 120]) {
      for (const line of renderStatus(snap, false, width)) expect(line.length).toBeLessThanOrEqual(Math.max(width, 60));
    }
  });

  it('shows tasks up and down, watch list, prices, capital and orders', () => {
    const text = renderStatus(snap, false, 80).join('\n');
    expect(text).toContain('tasks 11/12 up (down: task_number_3)');
    expect(text).toContain('✘ task_number_3');
    expect(text).toContain('watch list 9 items');
    expect(text).toContain('BTC 63000.5');
    expect(text).toContain('capital total 10,000  free 9,000');
    expect(text).toContain('orders open 2 pending 1');
    expect(statusLine(snap)).toBe('status: running tasks 11/12 up, watch list 9 items, capital 10,000, orders open 2');
  });

  it('after a stop says no task is up, and paints none green', () => {
    const stopped: StatusSnapshot = { ...snap, phase: 'stopped', ready: false, tasks: Object.fromEntries(Object.entries(snap.tasks).map(([n, t]) => [n, { ...t, ok: true, state: 'stopped' as const }])) };
    expect(statusLine(stopped)).toBe('status: stopped (12 tasks, none running), watch list 9 items, capital 10,000, orders open 2');
    const plain = renderStatus(stopped, false, 200).join('\n');
    expect(plain).not.toMatch(/\bup\b/);
    expect(plain).toContain('misso · sim · stopped · ran 65s');
    expect(plain).toContain('tasks: 12 tasks, none running');
    expect(plain).toContain('■ task_number_0');
    // ANSI green is 32: nothing is green once stopped.
    expect(renderStatus(stopped, true, 200).join('\n')).not.toContain('\x1b[32m');
    expect(renderStatus(snap, true, 200).join('\n')).toContain('\x1b[32m');
    // A task whose last run failed stays named, and red.
    const failed = { ...stopped, tasks: { ...stopped.tasks, task_number_3: task(false) } };
    expect(statusLine(failed)).toBe('status: stopped (12 tasks, none running; last run failed: task_number_3), watch list 9 items, capital 10,000, orders open 2');
    expect(renderStatus({ ...snap, phase: 'stopping' }, false, 200)[1]).toBe('tasks: 12 tasks, stopping; last run failed: task_number_3');
  });

  it('marks capital and open orders stale, with their age, while their attributes are', () => {
    const attr = (ageMs: number | null, stale: boolean) => ({ updatedAt: 1, ageMs, maxAgeMs: 15_000, stale, source: 'update_balance', summary: '-' });
    const stale = {
      ...snap,
      attributes: { ...snap.attributes, total_capital: attr(45_000, true), free_capital: attr(5_000, false), open_orders: attr(62_000, true), is_open_orders: attr(null, true) },
    };
    expect(statusLine(stale)).toBe('status: running tasks 11/12 up, watch list 9 items, capital 10,000 (stale 45s), orders open 2 (stale, never read)');
    const text = renderStatus({ ...stale, attributes: { ...stale.attributes, is_open_orders: attr(62_000, true) } }, false, 120).join('\n');
    expect(text).toContain('capital total 10,000 (stale 45s)  free 9,000');
    expect(text).toContain('orders open 2 (stale 62s) pending 1');
    // Fresh: nothing added.
    expect(statusLine(snap)).toBe('status: running tasks 11/12 up, watch list 9 items, capital 10,000, orders open 2');
  });
});
