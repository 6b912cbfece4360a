/**
 * A failed fsync of the write-ahead log. Linux reports a writeback error once and marks the pages
 * it could not write clean: the next fsync succeeds although the frames before it never reached
 * the disk, and WAL recovery after a power cut stops at the first missing frame, dropping every
 * commit after it. So one failed sync must stop every later send until the journal is reopened.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { OrderJournal } from '../../src/orders/journal.js';
import { StorageWriteError } from '../../src/storage/storage-error.js';
import { drive, market, rig } from '../support/order-rig.js';
import { tempJournals } from '../support/temp-journals.js';

/** How many of the next fsync calls fail with EIO (a disk's writeback error). */
const fault = vi.hoisted(() => ({ fsyncs: 0, delayMs: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fsync = (fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void => {
    if (fault.fsyncs > 0) {
      fault.fsyncs--;
      const error = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', errno: -5, syscall: 'fsync' });
      setImmediate(() => callback(error));
      return;
    }
    // A sync queued behind others on libuv's pool: it reaches the descriptor later.
    if (fault.delayMs > 0) setTimeout(() => fs.fsync(fd, callback), fault.delayMs);
    else fs.fsync(fd, callback);
  };
  return { ...fs, default: { ...fs, fsync }, fsync };
});

const intent = { tag: null, symbol: 'BTC/USD:USD', side: 'buy', type: 'limit', price: 100, amount: 1, params: {} } as const;

const journals = tempJournals('misso-wal-sync');
const journalPath = journals.path;
afterEach(() => {
  fault.fsyncs = 0;
  fault.delayMs = 0;
  journals.cleanup();
});

describe('closing the journal while a sync of its log is queued', () => {
  it('lets the sync finish on its descriptor: the flush succeeds, nothing is reported broken', async () => {
    const j = OrderJournal.open({ path: journalPath(), clock: new VirtualClock() });
    j.atomically(() => j.createIntent(intent), 'relaxed');
    fault.delayMs = 30;
    const flushed = j.flush().then(() => 'flushed', (error: unknown) => error);
    // The sync has opened the log and waits on the pool; the journal closes meanwhile (a stop).
    await new Promise((resolve) => setImmediate(resolve));
    j.close();
    expect(await flushed).toBe('flushed');
    expect(j.problem).toBeNull();
  });
});

describe('a failed write-ahead log sync', () => {
  it('fails every later flush of the journal, though the next fsync would report success', async () => {
    const j = OrderJournal.open({ path: journalPath(), clock: new VirtualClock() });
    j.atomically(() => j.createIntent(intent), 'relaxed');
    fault.fsyncs = 1;
    await expect(j.flush()).rejects.toBeInstanceOf(StorageWriteError);
    // A relaxed write succeeds (the page cache takes it) and the disk answers the next fsync.
    j.atomically(() => j.createIntent(intent), 'relaxed');
    expect(j.problem).toBeNull();
    await expect(j.flush()).rejects.toBeInstanceOf(StorageWriteError);
    expect(j.problem).toMatch(/journal\.db .*an earlier fsync of the write-ahead log failed.*until misso restarts and reopens the journal/);
    j.close();
  });

  it('sends no order after it, neither a new one nor a resend of the one whose sync failed', async () => {
    const r = await rig({ journalPath: journalPath() });
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    fault.fsyncs = 1;
    const firstPass = r.manager.runExecutor(new AbortController().signal).then(() => null, (error: unknown) => error);
    const a = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    expect(await drive(r.clock, firstPass)).toBeInstanceOf(StorageWriteError);
    expect(a.attempts).toBe(1);
    // The supervisor runs the executor again; the disk now answers fsync.
    const secondPass = r.manager.runExecutor(new AbortController().signal).then(() => null, (error: unknown) => error);
    const b = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    expect(await drive(r.clock, secondPass)).toBeInstanceOf(StorageWriteError);
    // Past the visibility window the resolver proved `a` absent and tried to send it again.
    await r.clock.advance(10_000);
    expect(r.sim.getVenue().listOrders()).toHaveLength(0);
    expect([a.status, b.status]).toEqual(['pending', 'pending']);
    // `b` was never journaled as attempted: it waits first in line for the restart.
    expect(b.attempts).toBe(0);
    expect(r.manager.queue.size).toBe(1);
    r.journal.close();
  });
  it('a resolution that can never resend until a restart says so once, not at every round of lookups', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const r = await rig({ journalPath: journalPath(), logger });
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    fault.fsyncs = 1;
    const pass = r.manager.runExecutor(new AbortController().signal).then(() => null, (error: unknown) => error);
    const a = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    expect(await drive(r.clock, pass)).toBeInstanceOf(StorageWriteError);
    // Ten minutes of proving `a` absent and finding its resend refused, round after round.
    await r.clock.advance(600_000);
    expect(r.sim.getVenue().listOrders()).toHaveLength(0);
    expect(a).toMatchObject({ status: 'pending', attempts: 1 });
    expect(lines.filter((l) => l.includes('the journal refused a write')).length).toBe(1);
    expect(lines.filter((l) => l.includes('sending it again')).length).toBe(1);
    r.journal.close();
  });
});
