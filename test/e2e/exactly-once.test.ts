import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { OrderJournal } from '../../src/orders/journal.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { runStrategyProcess, type StrategyRun } from '../support/strategy-process.js';

/**
 * Issue 5's proof: 500 orders queued by a strategy process (the real Updater) against a separate
 * `misso sim-server` with lost responses (20%), timeouts (10%), 5xx (10%) and a 2 s visibility
 * delay. Once plainly, once with the strategy process killed by SIGKILL at five random points.
 */
const TOTAL = 500;
const FAULTS = 'lost:0.2:path=order:method=POST,hang:0.1:path=order:method=POST,5xx:0.1:path=order,visibility:2000';

const dir = mkdtempSync(join(tmpdir(), 'misso-e2e-'));
const servers: SimServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

type Run = StrategyRun<{ open: string[]; isOpen: string[]; stats: Record<string, unknown> }>;

function runStrategy(url: string, journal: string, killAfterMs: number | null): Promise<Run> {
  return runStrategyProcess(join(import.meta.dirname, 'fixtures/strategy.ts'), [url, journal, String(TOTAL)], killAfterMs);
}

/** Deterministic "random" kill points: a small LCG over a fixed seed. */
function killPoints(seed: number, n: number, minMs: number, maxMs: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return minMs + (x % (maxMs - minMs));
  });
}

async function verify(server: SimServer, journalPath: string, done: NonNullable<Run['done']>): Promise<void> {
  server.faults.set('none');
  server.venue.visibilityDelayMs = 0;
  const onExchange = server.venue.listOrders();
  const journal = OrderJournal.open({ path: journalPath, clock: new SystemClock() });
  try {
    const intents = journal.all().filter((o) => o.seq > 0);
    // Exactly TOTAL exchange orders, TOTAL distinct client ids, the same ones as the intents.
    expect(intents).toHaveLength(TOTAL);
    // An intent the exchange lacks, with what the journal says happened to it.
    const placed = new Set(onExchange.map((o) => o.clientOrderId));
    const missing = intents.filter((o) => !placed.has(o.clientOrderId));
    expect(missing.map((o) => `${o.clientOrderId}: ${o.status} ${JSON.stringify(journal.events(o.clientOrderId).map((e) => [e.kind, e.detail]))}`)).toEqual([]);
    expect(onExchange).toHaveLength(TOTAL);
    const exchangeIds = new Set(onExchange.map((o) => o.clientOrderId));
    expect(exchangeIds.size).toBe(TOTAL);
    expect(exchangeIds).toEqual(new Set(intents.map((o) => o.clientOrderId)));
    // Every intent's final status (and id and fill) equals the exchange's.
    const truth = new Map(onExchange.map((o) => [o.clientOrderId, o]));
    const mismatches = intents
      .map((o) => ({ o, t: truth.get(o.clientOrderId)! }))
      .filter(({ o, t }) => o.id !== t.id || o.status !== t.status || Math.abs(o.filled - t.filled) > 1e-12);
    expect(mismatches.map(({ o, t }) => `${o.clientOrderId}: ${o.status}/${o.filled} vs ${t.status}/${t.filled}`)).toEqual([]);
    // open_orders and is_open_orders agree with the exchange at the end.
    const openOnExchange = onExchange.filter((o) => o.status === 'open').map((o) => o.clientOrderId).sort();
    expect(openOnExchange.length).toBeGreaterThan(TOTAL / 2);
    expect(done.open).toEqual(openOnExchange);
    expect(done.isOpen).toEqual(openOnExchange);
  } finally {
    journal.close();
  }
  // The faults did fire on order placement.
  const fired = { lost: server.counters.faultCount('lost'), hang: server.counters.faultCount('hang'), '5xx': server.counters.faultCount('5xx') };
  console.info(`exactly-once: ${TOTAL} intents, ${onExchange.length} exchange orders, faults ${JSON.stringify(fired)}, duplicates 0, lost 0`);
  expect(server.counters.faultCount('lost')).toBeGreaterThan(TOTAL * 0.1);
  expect(server.counters.faultCount('hang')).toBeGreaterThan(TOTAL * 0.04);
  expect(server.counters.faultCount('5xx')).toBeGreaterThan(TOTAL * 0.04);
}

describe('orders exactly once against misso sim-server', () => {
  it(`${TOTAL} orders under lost responses, timeouts, 5xx and a visibility delay: none lost, none doubled`, async () => {
    const server = await startSimServer({ port: 0, seed: 11, faults: FAULTS, clock: new SystemClock() });
    servers.push(server);
    const journal = join(dir, 'plain.db');
    const run = await runStrategy(server.url, journal, null);
    expect(run.output).not.toMatch(/Error/);
    expect(run.done).not.toBeNull();
    await verify(server, journal, run.done!);
  }, 180_000);

  it(`the same with the strategy process killed by SIGKILL at five random points`, async () => {
    const server = await startSimServer({ port: 0, seed: 12, faults: FAULTS, clock: new SystemClock() });
    servers.push(server);
    const journal = join(dir, 'killed.db');
    let kills = 0;
    for (const ms of killPoints(20261125, 5, 300, 4000)) {
      const run = await runStrategy(server.url, journal, ms);
      expect(run.output).not.toMatch(/Error/);
      if (run.killed && !run.done) kills += 1;
    }
    expect(kills).toBe(5);
    const last = await runStrategy(server.url, journal, null);
    expect(last.output).not.toMatch(/Error/);
    expect(last.done).not.toBeNull();
    await verify(server, journal, last.done!);
  }, 240_000);
});
