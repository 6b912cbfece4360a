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

/** Runs the fixture; `killOn` SIGKILLs it as soon as that line is printed. */
function run(args: string[], killOn?: string): Promise<{ out: string; killed: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let killed = false;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (killOn && !killed && out.includes(killOn)) {
      killed = true;
      child.kill('SIGKILL');
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

/** Queues COUNT intents in a process that is then killed, and restarts on the same journal. */
async function killAndRestart(name: string, waitSecs?: number): Promise<Outcome[]> {
  const journal = join(dir, `${name}.db`);
  const first = await run([server.url, journal, 'queue', String(COUNT)], 'queued');
  expect(first.killed).toBe(true);
  const second = await run([server.url, journal, 'execute', String(COUNT), ...(waitSecs === undefined ? [] : [String(waitSecs)])]);
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

  it('without the wait (fresh_price_wait_secs: 0) the executor would have refused them all', async () => {
    const outcomes = await killAndRestart('no-wait', 0);
    expect(outcomes).toHaveLength(COUNT);
    expect(outcomes.every((o) => o.status === 'rejected' && /no fresh price/.test(o.reason ?? ''))).toBe(true);
  }, 60_000);
});
