/**
 * The journal's two durabilities: `synced` transactions wait for the disk, `relaxed` ones (a user
 * stream's deliveries) commit to the write-ahead log without it. A relaxed commit must still
 * survive a kill -9, and must never leave the connection relaxed for the synced writes after it.
 */
import { spawn } from 'node:child_process';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { OrderJournal } from '../../src/orders/journal.js';
import { StorageWriteError } from '../../src/storage/storage-error.js';
import { drive, market, rig } from '../support/order-rig.js';
import { tempJournals } from '../support/temp-journals.js';

const intent = { tag: null, symbol: 'BTC/USD:USD', side: 'buy', type: 'limit', price: 100, amount: 1, params: {} } as const;
/** SQLite's `PRAGMA synchronous` values. */
const FULL = 2;
const NORMAL = 1;

const journals = tempJournals('misso-durability');
const journalPath = journals.path;
afterEach(() => {
  journals.cleanup();
});

const synchronous = (j: OrderJournal): number => j.db.pragma('synchronous', { simple: true }) as number;

describe('journal durability', () => {
  it('runs a relaxed transaction without waiting for the disk and puts the connection back to synced after it', () => {
    const j = OrderJournal.open({ path: journalPath(), clock: new VirtualClock() });
    expect(synchronous(j)).toBe(FULL);
    let inside = -1;
    j.atomically(() => {
      inside = synchronous(j);
      j.createIntent(intent);
    }, 'relaxed');
    expect(inside).toBe(NORMAL);
    expect(synchronous(j)).toBe(FULL);
    // A synced one (the default) never relaxes.
    j.atomically(() => {
      inside = synchronous(j);
      j.createIntent(intent);
    });
    expect(inside).toBe(FULL);
    expect(j.intentCount()).toBe(2);
    j.close();
  });

  it('puts the connection back to synced when a relaxed transaction throws, with nothing of it stored', () => {
    const j = OrderJournal.open({ path: journalPath(), clock: new VirtualClock() });
    expect(() =>
      j.atomically(() => {
        j.createIntent(intent);
        throw new Error('listener failed');
      }, 'relaxed'),
    ).toThrow('listener failed');
    expect(synchronous(j)).toBe(FULL);
    expect(j.intentCount()).toBe(0);
    j.close();
  });

  it('lets the outer transaction decide: a relaxed write inside a synced one is synced', () => {
    const j = OrderJournal.open({ path: journalPath(), clock: new VirtualClock() });
    let inside = -1;
    j.atomically(() => {
      j.atomically(() => {
        inside = synchronous(j);
        j.createIntent(intent);
      }, 'relaxed');
    });
    expect(inside).toBe(FULL);
    j.close();
  });

  it('keeps a relaxed commit through a kill -9 of the process that made it', async () => {
    const path = journalPath();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/hold-journal.ts'), path, 'relaxed'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) resolve();
      });
      void exited.then(() => reject(new Error(`holder exited before ready: ${err}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const j = OrderJournal.open({ path, clock: new VirtualClock() });
    // The holder wrote one synced intent, then two in one relaxed transaction.
    expect(j.intentCount()).toBe(3);
    expect(j.loadActive().map((o) => o.tag).sort()).toEqual(['relaxed-1', 'relaxed-2', null].sort());
    j.close();
  });

  it('flushes relaxed commits with one fsync of the write-ahead log, shared by the callers that come meanwhile', async () => {
    const j = OrderJournal.open({ path: journalPath(), clock: new VirtualClock() });
    await j.flush();
    expect(j.syncs).toBe(0);
    j.atomically(() => j.createIntent(intent), 'relaxed');
    expect(j.unflushed).toBe(1);
    await Promise.all([j.flush(), j.flush(), j.flush()]);
    expect([j.syncs, j.unflushed]).toEqual([1, 0]);
    await j.flush();
    expect(j.syncs).toBe(1);
    // A commit made while a sync runs is not covered by it: it gets the next one.
    j.atomically(() => j.createIntent(intent), 'relaxed');
    const first = j.flush();
    j.atomically(() => j.createIntent(intent), 'relaxed');
    const second = j.flush();
    await Promise.all([first, second]);
    expect([j.syncs, j.unflushed]).toEqual([3, 0]);
    j.close();
  });

  it('rejects a flush that cannot sync with StorageWriteError and reports the journal unhealthy', async () => {
    const path = journalPath();
    const j = OrderJournal.open({ path, clock: new VirtualClock() });
    const problems: (string | null)[] = [];
    j.onHealth((problem) => problems.push(problem));
    j.atomically(() => j.createIntent(intent), 'relaxed');
    // The log's name is gone (SQLite writes on through its own descriptor): nothing to sync.
    unlinkSync(`${path}-wal`);
    await expect(j.flush()).rejects.toBeInstanceOf(StorageWriteError);
    expect(j.problem).toMatch(/journal\.db/);
    expect(problems).toHaveLength(1);
    expect(j.unflushed).toBe(1);
    j.close();
  });

  it('sends an order only once its journaled attempt is flushed to disk', async () => {
    const r = await rig({ journalPath: journalPath(), knobs: { latency_ms: 100 } });
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const unflushedAtSend: number[] = [];
    const createOrder = r.sim.createOrder.bind(r.sim);
    r.sim.createOrder = ((...args: Parameters<typeof createOrder>) => {
      unflushedAtSend.push(r.journal.unflushed);
      return createOrder(...args);
    }) as typeof createOrder;
    const ac = new AbortController();
    const run = r.manager.runExecutor(ac.signal);
    const orders = [0, 1, 2].map(() => r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]));
    await r.clock.advanceUntil(() => orders.every((o) => o.status === 'open'), 10_000, 10);
    expect(unflushedAtSend).toEqual([0, 0, 0]);
    expect(r.journal.syncs).toBeGreaterThan(0);
    ac.abort();
    await run;
    r.journal.close();
  });

  it('does not send an order whose attempt cannot be flushed, and looks it up instead of sending it blind', async () => {
    const path = journalPath();
    const r = await rig({ journalPath: path });
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    unlinkSync(`${path}-wal`);
    const failed = r.manager.runExecutor(new AbortController().signal).then(() => null, (error: unknown) => error);
    const order = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    // The executor's pass fails with the journal's problem (its task reports down).
    expect(await drive(r.clock, failed)).toBeInstanceOf(StorageWriteError);
    expect(order.attempts).toBe(1);
    expect(r.journal.problem).toMatch(/journal\.db-wal/);
    // Past the visibility window the resolver has looked it up and found nothing: it would send
    // again, but every send waits for its flush.
    await r.clock.advance(10_000);
    expect(r.sim.getVenue().listOrders()).toHaveLength(0);
    expect(order.status).toBe('pending');
    r.journal.close();
  });
});
