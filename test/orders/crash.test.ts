import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { OrderJournal } from '../../src/orders/journal.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';

const TOTAL = 60;
/**
 * Kill points: how many intents the journal holds when the updater is killed. Each run queues up
 * to its point, says "paused" while its orders are still being sent and resolved, and is killed
 * then: the kills are counted by what the process said, never by how fast it got there.
 */
const KILL_AT_INTENTS = [9, 21, 28, 40, 51];
const FAULTS = 'lost:0.2:path=order:method=POST,reset:0.1:path=order:method=POST,5xx:0.1:path=order,visibility:2000';

const dir = mkdtempSync(join(tmpdir(), 'misso-crash-'));
let server: SimServer | undefined;
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface RunResult {
  killed: boolean;
  done: boolean;
  output: string;
}

function runUpdater(url: string, path: string, killAt: number | null): Promise<RunResult> {
  const args = [join(import.meta.dirname, 'fixtures/crash-updater.ts'), url, path, String(TOTAL), ...(killAt === null ? [] : [String(killAt)])];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let killed = false;
  return new Promise((resolve) => {
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (killAt !== null && output.includes('paused') && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (_code, signal) => resolve({ killed: signal === 'SIGKILL', done: output.includes('done'), output }));
  });
}

describe('crash safety', () => {
  it(`${TOTAL} orders over HTTP with faults, the updater killed with SIGKILL ${KILL_AT_INTENTS.length} times: nothing lost or doubled`, async () => {
    server = await startSimServer({ port: 0, seed: 7, faults: FAULTS, clock: new SystemClock() });
    const path = join(dir, 'journal.db');
    let kills = 0;
    for (const at of KILL_AT_INTENTS) {
      const r = await runUpdater(server.url, path, at);
      expect(r.output).not.toMatch(/Error/);
      expect(r.output).toContain(`paused ${at}`);
      if (r.killed && !r.done) kills++;
    }
    const last = await runUpdater(server.url, path, null);
    expect(last.output).toContain('done');
    expect(kills).toBe(KILL_AT_INTENTS.length);

    server.faults.set('none');
    const onExchange = server.venue.listOrders();
    const journal = OrderJournal.open({ path, clock: new SystemClock() });
    try {
      const intents = journal.all();
      expect(intents).toHaveLength(TOTAL);
      expect(onExchange).toHaveLength(TOTAL);
      expect(new Set(onExchange.map((o) => o.clientOrderId))).toEqual(new Set(intents.map((o) => o.clientOrderId)));
      const truth = new Map(onExchange.map((o) => [o.clientOrderId, o]));
      for (const o of intents) {
        const t = truth.get(o.clientOrderId);
        expect({ cid: o.clientOrderId, id: o.id, status: o.status }).toEqual({ cid: t?.clientOrderId, id: t?.id, status: t?.status });
      }
      // The faults did fire: lost answers and resets on order placement.
      expect(server.counters.faultCount('lost') + server.counters.faultCount('reset')).toBeGreaterThan(5);
    } finally {
      journal.close();
    }
  }, 120_000);
});
