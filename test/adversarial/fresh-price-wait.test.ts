import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';

const FIXTURE = join(import.meta.dirname, 'fixtures/queued-intents.ts');
const COUNT = 8;

const dir = mkdtempSync(join(tmpdir(), 'misso-fresh-price-'));
let server: SimServer;
// A server per test: the orders one test leaves open would be adopted by the next one.
beforeEach(async () => {
  server = await startSimServer({ port: 0, seed: 9, clock: new SystemClock() });
});
afterEach(async () => {
  await server.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the fixture; `killOn` SIGKILLs it as soon as that line is printed, `onStarted` hears "started". */
function run(args: string[], killOn?: string, onStarted?: () => void): Promise<{ out: string; killed: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let killed = false;
  let started = false;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (killOn && !killed && out.includes(killOn)) {
      killed = true;
      child.kill('SIGKILL');
    }
    if (onStarted && !started && out.includes('started')) {
      started = true;
      onStarted();
    }
  });
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('exit', () => resolve({ out, killed })));
}

interface Outcome {
  clientOrderId: string;
  status: string;
  reason: string | null;
}

/**
 * Queues COUNT intents in a process that is then killed, and restarts on the same journal with
 * the fixture's config changed by `overrides` (see the fixture). `hooks.beforeRestart` runs
 * between the two, `hooks.onStarted` once the restarted process has started.
 */
async function killAndRestart(
  name: string,
  overrides: Record<string, unknown> = {},
  hooks: { beforeRestart?: () => void; onStarted?: () => void } = {},
): Promise<Outcome[]> {
  const journal = join(dir, `${name}.db`);
  const json = JSON.stringify(overrides);
  const first = await run([server.url, journal, 'queue', String(COUNT), json], 'queued');
  expect(first.killed).toBe(true);
  hooks.beforeRestart?.();
  const second = await run([server.url, journal, 'execute', String(COUNT), json], undefined, hooks.onStarted);
  const line = second.out.split('\n').find((l) => l.startsWith('['));
  if (!line) throw new Error(`no result from the restarted process:\n${second.out}`);
  return JSON.parse(line) as Outcome[];
}

describe('intents recovered after a kill, before the first ticker pass', () => {
  it('wait for a fresh price (default: twice the ticker freq) and are sent, none rejected for freshness', async () => {
    const outcomes = await killAndRestart('default');
    expect(outcomes).toHaveLength(COUNT);
    expect(outcomes.filter((o) => /fresh price/.test(o.reason ?? ''))).toEqual([]);
    expect(outcomes.every((o) => o.status === 'open')).toBe(true);
    const onExchange = new Set(server.venue.listOrders().map((o) => o.clientOrderId));
    for (const o of outcomes) expect(onExchange.has(o.clientOrderId)).toBe(true);
  }, 60_000);

  it('a user\'s report: with freq-1 tickers, prices that come only seconds after the restart no longer cost recovered intents (the usual wait is 2 s)', async () => {
    // REST only, and the ticker endpoint failing until 8 s after the restart: the restarted
    // engine has no fresh price for longer than twice the ticker freq.
    let cleared: NodeJS.Timeout | undefined;
    const outcomes = await killAndRestart(
      'late-prices',
      { ticker_freq: 1, stream: 'off' },
      {
        beforeRestart: () => server.faults.set('5xx:1:path=24hr'),
        onStarted: () => (cleared = setTimeout(() => server.faults.set('none'), 8_000)),
      },
    );
    clearTimeout(cleared);
    expect(server.counters.faultCount('5xx')).toBeGreaterThan(0);
    expect(outcomes).toHaveLength(COUNT);
    expect(outcomes.filter((o) => /fresh price/.test(o.reason ?? ''))).toEqual([]);
    expect(outcomes.every((o) => o.status === 'open')).toBe(true);
    const onExchange = server.venue.listOrders().map((o) => o.clientOrderId);
    expect(onExchange.sort()).toEqual(outcomes.map((o) => o.clientOrderId).sort());
  }, 90_000);

  it('without the waits (fresh_price_wait_secs and recovered_price_wait_secs: 0) the executor would have refused them all', async () => {
    const outcomes = await killAndRestart('no-wait', { orders: { fresh_price_wait_secs: 0, recovered_price_wait_secs: 0 } });
    expect(outcomes).toHaveLength(COUNT);
    expect(outcomes.every((o) => o.status === 'rejected' && /no fresh price/.test(o.reason ?? ''))).toBe(true);
    expect(outcomes.every((o) => /recovered from the journal at the start and never sent/.test(o.reason ?? ''))).toBe(true);
  }, 60_000);
});
