/**
 * The journal's checkpoints run on a thread of their own: no commit on the event loop copies the
 * write-ahead log into the database file and syncs both (milliseconds of disk inside whatever
 * committed, most often a burst of fills). The log must still be reused, so it stays small;
 * closing must leave no log behind; and a thread that cannot run falls back to SQLite's own.
 */
import { spawn } from 'node:child_process';
import { existsSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import type { OrderIntent } from '../../src/orders/intent.js';
import { OrderJournal } from '../../src/orders/journal.js';
import { openDatabase } from '../../src/storage/database.js';
import { JOURNAL_MIGRATIONS } from '../../src/storage/migrations.js';
import { WalCheckpointer } from '../../src/storage/wal-checkpointer.js';
import { tempJournals } from '../support/temp-journals.js';
import { until } from '../support/wait.js';

const journals = tempJournals('misso-ckpt');
afterEach(journals.cleanup);

const intent: OrderIntent = { tag: null, symbol: 'BTC/USD:USD', side: 'buy', type: 'limit', price: 50_000, amount: 0.001, params: {} };

const autocheckpoint = (db: { pragma: (s: string, o: { simple: true }) => unknown }): unknown => db.pragma('wal_autocheckpoint', { simple: true });

describe('the journal checkpoints on a thread of its own', () => {
  it('never checkpoints inside a commit, and still reuses its log: it stays small over thousands of commits', async () => {
    const path = journals.path();
    const j = OrderJournal.open({ path, clock: new VirtualClock() });
    expect(autocheckpoint(j.db)).toBe(0);
    let largest = 0;
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 100; i++) j.atomically(() => j.createIntent(intent), 'relaxed');
      // A pause in the writing, as a live engine has between bursts: the thread's checkpoint copies
      // the whole log, and the next write starts it again from the top.
      const done = j.checkpointer!.stats.checkpoints;
      await until(() => j.checkpointer!.stats.checkpoints > done, 5_000, 'a checkpoint after 100 commits');
      largest = Math.max(largest, statSync(`${path}-wal`).size);
    }
    expect(j.checkpointer!.stats).toMatchObject({ failed: null, lastError: null, catchUps: 0 });
    expect(j.checkpointer!.stats.checkpoints).toBeGreaterThanOrEqual(40);
    // 4000 commits of about ten pages each (the row, its event, their indexes) would be over
    // 150 MB of log; reused, it holds about the last hundred.
    expect(largest).toBeLessThan(6 * 1024 * 1024);
    j.close();
    const again = OrderJournal.open({ path, clock: new VirtualClock() });
    expect(again.intentCount()).toBe(4000);
    again.close();
  });

  it('closes the thread\'s connection first, so closing the journal checkpoints and removes the log as before', async () => {
    const path = journals.path();
    const j = OrderJournal.open({ path, clock: new VirtualClock() });
    for (let i = 0; i < 10; i++) j.createIntent(intent);
    j.checkpointer!.request();
    await j.checkpointer!.settled();
    expect(j.checkpointer!.stats.checkpoints).toBe(1);
    j.atomically(() => j.createIntent(intent), 'relaxed');
    expect(existsSync(`${path}-wal`)).toBe(true);
    j.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const again = OrderJournal.open({ path, clock: new VirtualClock() });
    expect(again.intentCount()).toBe(11);
    again.close();
  });

  it('lets the process end by itself with the journal left open: its thread does not keep it alive', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/leave-journal-open.ts'), journals.path()], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // A live thread would keep it running for ever: it is stopped after a generous while instead.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    clearTimeout(guard);
    expect(out).toBe('checkpoints 1\n');
    expect([code, signal]).toEqual([0, null]);
  }, 30_000);

  it('starts no thread for a journal that has written little', () => {
    const path = journals.path();
    const j = OrderJournal.open({ path, clock: new VirtualClock() });
    for (let i = 0; i < 5; i++) j.createIntent(intent);
    expect(j.checkpointer!.stats.checkpoints).toBe(0);
    j.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});

describe('a checkpointer', () => {
  const database = (): ReturnType<typeof openDatabase> => openDatabase({ path: journals.path(), migrations: JOURNAL_MIGRATIONS });

  it('falls back to SQLite\'s own checkpoints when its thread cannot run', async () => {
    const opened = database();
    const c = new WalCheckpointer(opened.db, opened.path, { driver: '/nonexistent/better-sqlite3.js' });
    expect(autocheckpoint(opened.db)).toBe(0);
    c.request();
    await c.settled();
    expect(c.stats.failed).toMatch(/nonexistent/);
    expect(autocheckpoint(opened.db)).toBe(1000);
    c.close();
    opened.close();
  });

  it('puts SQLite\'s own checkpoints back while the thread\'s fail, and takes them off once one succeeds', async () => {
    const opened = database();
    const c = new WalCheckpointer(opened.db, opened.path);
    // The journal's directory moved after the open: the thread's connection cannot open the file
    // by its name, and without SQLite's own checkpoints the log would grow without end.
    const dir = dirname(opened.path);
    renameSync(dir, `${dir}-moved`);
    c.request();
    await c.settled();
    expect(c.stats.lastError).toMatch(/directory does not exist/);
    expect(c.stats.failed).toBeNull();
    expect(autocheckpoint(opened.db)).toBe(1000);
    renameSync(`${dir}-moved`, dir);
    c.request();
    await c.settled();
    expect(c.stats).toMatchObject({ checkpoints: 1, lastError: null });
    expect(autocheckpoint(opened.db)).toBe(0);
    c.close();
    opened.close();
  });

  it('does not hold close up waiting for a thread that died loading its driver', () => {
    const opened = database();
    const c = new WalCheckpointer(opened.db, opened.path, { driver: '/nonexistent/better-sqlite3.js' });
    // Closed at once: the thread is still starting and its death is not yet reported.
    c.request();
    const started = Date.now();
    c.close(20_000);
    // A thread that never closes would keep it waiting the whole 20 s.
    expect(Date.now() - started).toBeLessThan(10_000);
    opened.close();
  });

  it('catches a log that only grew up on the event loop, between two writes', async () => {
    const opened = database();
    const { db } = opened;
    db.exec('CREATE TABLE t (x TEXT)');
    const c = new WalCheckpointer(db, opened.path, { everyCommits: 1_000_000, maxLogFrames: 20 });
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 100; i++) insert.run('x'.repeat(2000));
    // A reader's snapshot stands for the writes a live engine makes while the thread copies: the
    // thread's passive checkpoint stops short of the end of the log.
    const reader = new Sqlite(opened.path);
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM t').get();
    for (let i = 0; i < 100; i++) insert.run('x'.repeat(2000));
    c.request();
    await c.settled();
    expect(c.stats.lastLog).toBeGreaterThan(20);
    expect(c.stats.lastCheckpointed).toBeLessThan(c.stats.lastLog);
    reader.exec('COMMIT');
    reader.close();
    await until(() => c.stats.catchUps === 1, 5_000, 'a catch-up checkpoint');
    // Everything was copied: the next write starts the log again, from its first frames.
    insert.run('y');
    c.request();
    await c.settled();
    expect(c.stats.lastLog).toBeLessThan(20);
    c.close();
    opened.close();
  });
});
