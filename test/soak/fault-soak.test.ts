import { beforeAll, describe, expect, it } from 'vitest';
import { SOAK_BUDGET, SOAK_PERIODIC, SOAK_TIMEOUT_MS, SOAK_WATCH_LIST } from './soak-config.js';
import { runSoak, type PhaseReport, type SoakReport } from './run-soak.js';

/**
 * The fault soak of issue 4: the engine runs against `misso sim-server` (real HTTP, the real
 * ccxt.binanceusdm client, wall-clock time) while every fault class is switched on in turn. One
 * run feeds every test below; each test checks one property of that run.
 *
 * "Recovers within 2 × freq once the faults stop" is measured from the moment the faults have
 * really stopped for the client: the fault is switched off, and any pause or ban the exchange
 * asked for (429 Retry-After, 418 ban) has run out. From there a task needs at most: the end of a
 * request already on the wire (at most the 800 ms client timeout, for a `hang`), its backoff
 * (capped at freq; the soak removes the jitter, so it is the worst case), and one pass. With the
 * timeout well below freq that is under 2 × freq with no extra allowance, and that is asserted.
 */
let report: SoakReport;

beforeAll(async () => {
  report = await runSoak();
  if (process.env['MISSO_SOAK_REPORT']) console.log(describeReport(report));
}, 120_000);

const phase = (name: string): PhaseReport => {
  const found = report.phases.find((p) => p.name === name);
  if (!found) throw new Error(`no phase ${name}`);
  return found;
};

describe('fault soak against misso sim-server', () => {
  it('warms up: every task healthy, a position held, two orders resting', () => {
    expect(report.warmUpHealthy).toBe(true);
    expect(report.phases.map((p) => p.name)).toEqual(['5xx', '429', '418', 'hang', 'reset', 'html', 'lost', 'visibility']);
  });

  it('no task dies: no loop ends, the executor keeps heartbeating, every task keeps running', () => {
    expect(report.incidents).toEqual([]);
    for (const p of report.phases) {
      for (const [task, before] of Object.entries(p.runsBefore)) {
        expect({ phase: p.name, task, ranAgain: (p.runsAfter[task] ?? 0) > before }).toEqual({ phase: p.name, task, ranAgain: true });
      }
    }
  });

  it('every fault class bites and is classified as the right kind', () => {
    for (const p of report.phases) {
      const def = report.phaseDefs.find((d) => d.name === p.name)!;
      expect({ phase: p.name, bitten: p.bitten }).toEqual({ phase: p.name, bitten: true });
      const seen = Object.keys(p.errors);
      expect({ phase: p.name, unexpected: seen.filter((k) => !(def.allowedKinds as readonly string[]).includes(k)) }).toEqual({ phase: p.name, unexpected: [] });
      for (const kind of def.requiredKinds) expect({ phase: p.name, kind, seen: (p.errors[kind] ?? 0) > 0 }).toEqual({ phase: p.name, kind, seen: true });
      for (const task of def.failingTasks) {
        const failed = report.passes.some((r) => r.task === task && !r.ok && r.at >= p.onAt && r.at <= p.endAt);
        expect({ phase: p.name, task, failed }).toEqual({ phase: p.name, task, failed: true });
      }
    }
    // 429 pauses the lower classes; 418 bans everything; nothing else pushes the budget back.
    expect(phase('429').penalties).toMatchObject({ ban: 0 });
    expect(phase('429').penalties.rate_limit).toBeGreaterThan(0);
    expect(phase('418').penalties.ban).toBeGreaterThan(0);
    for (const name of ['5xx', 'hang', 'reset', 'html', 'lost', 'visibility']) {
      expect({ phase: name, penalties: phase(name).penalties }).toEqual({ phase: name, penalties: { rate_limit: 0, ban: 0 } });
    }
  });

  it('sends nothing while banned, for as long as the 418 said', () => {
    const ban = phase('418').facts;
    expect(ban['banMs']).toBeGreaterThan(1500);
    expect(ban['requestsDuringBan']).toBe(0);
  });

  it('each task recovers within 2 × its freq once the faults stop', () => {
    expect(SOAK_TIMEOUT_MS).toBeLessThan(1000 * Math.min(...Object.values(SOAK_PERIODIC)) / 2);
    for (const p of report.phases) {
      for (const [task, ms] of Object.entries(p.recoveryMs)) {
        const bound = 2 * (SOAK_PERIODIC[task] ?? 0) * 1000;
        expect({ phase: p.name, task, recovered: ms !== null && ms <= bound, ms }).toEqual({ phase: p.name, task, recovered: true, ms });
      }
      const unhealthy = Object.entries(p.healthyAtEnd).filter(([, ok]) => !ok).map(([t]) => t);
      expect({ phase: p.name, unhealthy }).toEqual({ phase: p.name, unhealthy: [] });
    }
  });

  it('the rate budget is never exceeded', () => {
    expect(report.budget).toMatchObject({ enabled: true, capacity: SOAK_BUDGET.capacity, windowMs: SOAK_BUDGET.windowMs });
    expect(report.budget.maxObservedInWindow).toBeLessThanOrEqual(report.budget.capacity);
    // The bound was tested, not idle: some window held at least half the capacity.
    expect(report.budget.maxObservedInWindow).toBeGreaterThanOrEqual(report.budget.capacity / 2);
  });

  it('places every order exactly once, through lost answers and visibility delays', () => {
    expect(phase('lost').orders).toHaveLength(2);
    expect(phase('visibility').orders).toHaveLength(2);
    expect(report.orderPosts).toBe(report.ordersQueued);
    for (const [id, copies] of Object.entries(report.venueCopies)) expect({ id, copies }).toEqual({ id, copies: 1 });
    for (const [id, o] of Object.entries(report.finalOrders)) {
      expect({ id, ok: ['open', 'closed'].includes(o.status) && o.id !== null && !o.lost }).toEqual({ id, ok: true });
    }
  });

  it('orders known before a fault keep their status, amount and price through it', () => {
    for (const p of report.phases) {
      for (const [id, before] of Object.entries(p.ordersBefore)) {
        if (!before.startsWith('open/')) continue;
        expect({ phase: p.name, id, after: p.ordersAfter[id] }).toEqual({ phase: p.name, id, after: before });
      }
    }
  });

  it('stops cleanly after the soak', () => {
    expect(report.stopMs).toBeLessThan(5000);
  });

  // update_candles summarises per-symbol failures with the first one's kind, and malformed
  // answers are ccxt BadResponse errors, so each failed pass carries the fault's own kind.
  it('a failed pass is reported with the kind of the fault that failed it', () => {
    const wrong: string[] = [];
    for (const p of report.phases) {
      const def = report.phaseDefs.find((d) => d.name === p.name)!;
      if (def.taskKind === null) continue;
      for (const r of report.passes) {
        if (r.ok || r.at < p.onAt || r.at > p.endAt || !Object.hasOwn(SOAK_PERIODIC, r.task)) continue;
        if (r.kind !== def.taskKind) wrong.push(`${p.name}: ${r.task} reported ${r.kind} (${(r.error ?? '').slice(0, 60)})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  // ccxt parses a 200 HTML page into junk without throwing (fetchPositions, fetchOpenOrders); the
  // exchange boundary (src/exchange/http-error-info.ts) turns such bodies into BadResponse.
  it('an HTML page answered with 200 never becomes state', () => {
    const html = phase('html');
    const junk = report.writes.filter((w) => w.phase === 'html').flatMap((w) => junkIn(w.name, w.value, html.truth));
    expect(junk).toEqual([]);
  });
});

/** What is wrong with one value written to state, judged against what the venue really held. */
function junkIn(name: string, value: unknown, truth: PhaseReport['truth']): string[] {
  const finitePositive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;
  switch (name) {
    case 'total_capital':
    case 'free_capital':
      return finitePositive(value) && Math.abs((value as number) - truth.total) < truth.total / 2 ? [] : [`${name} = ${String(value)} (venue: ${truth.total})`];
    case 'positions': {
      const held = Object.keys((value ?? {}) as Record<string, unknown>);
      const missing = truth.positionSymbols.filter((s) => !held.includes(s));
      return missing.length === 0 ? [] : [`positions lost ${missing.join(', ')}`];
    }
    case 'is_open_orders': {
      const keys = Object.keys((value ?? {}) as Record<string, unknown>);
      const foreign = keys.filter((k) => !SOAK_WATCH_LIST.includes(k));
      return foreign.length === 0 ? [] : [`is_open_orders has symbols ${JSON.stringify(foreign)}`];
    }
    case 'ohlcs': {
      const rows = Object.values((value ?? {}) as Record<string, unknown[][]>).flat();
      const bad = rows.filter((r) => r.length !== 6 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || !finitePositive(r[0]));
      return bad.length === 0 ? [] : [`ohlcs holds ${bad.length} junk row(s)`];
    }
    case 'last_price': {
      const bad = Object.entries((value ?? {}) as Record<string, unknown>).filter(([, v]) => !finitePositive(v));
      return bad.length === 0 ? [] : [`last_price junk for ${bad.map(([k]) => k).join(', ')}`];
    }
    default:
      return [];
  }
}

/** A compact account of the run, printed with MISSO_SOAK_REPORT=1. */
function describeReport(r: SoakReport): string {
  const lines = [`soak: ${r.totalMs} ms (warm-up ${r.warmUpMs} ms, stop ${r.stopMs} ms), budget max ${r.budget.maxObservedInWindow}/${r.budget.capacity}`];
  for (const p of r.phases) {
    const rec = Object.entries(p.recoveryMs).map(([t, ms]) => `${t}=${ms}`).join(' ');
    lines.push(
      `${p.name.padEnd(10)} on ${p.clearAt - p.onAt} ms, quiet +${p.quietAt - p.clearAt} ms, end +${p.endAt - p.quietAt} ms, ` +
        `errors ${JSON.stringify(p.errors)}, penalties ${JSON.stringify(p.penalties)}, facts ${JSON.stringify(p.facts)}\n           recovery ${rec}`,
    );
  }
  const junk = r.writes.filter((w) => w.phase === 'html').flatMap((w) => junkIn(w.name, w.value, r.phases.find((p) => p.name === 'html')!.truth));
  lines.push(`html junk: ${JSON.stringify([...new Set(junk)])}`);
  const wrongKinds = r.passes.filter((p) => !p.ok && p.kind === 'unknown').map((p) => `${p.phase}:${p.task}: ${(p.error ?? '').slice(0, 160)}`);
  lines.push(`notifications: ${JSON.stringify(r.notifications.map((n) => `${n.level}: ${n.text.slice(0, 80)}`))}`);
  lines.push(`passes reported 'unknown': ${JSON.stringify([...new Set(wrongKinds)])}`);
  return lines.join('\n');
}
