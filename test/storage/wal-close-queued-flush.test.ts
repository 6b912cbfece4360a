/**
 * Closing the journal while syncs of its log are queued. The close keeps the descriptor for the
 * sync under way; a second flush waiting behind that sync (a relaxed commit made after the first
 * sync started) must not start a new sync of a closed journal: SQLite removed the log when the
 * connection closed (it checkpointed it into the database), so a reopen would fail and report
 * the journal broken at a stop, and had the log been left there, its descriptor would leak.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { OrderJournal } from '../../src/orders/journal.js';
import { tempJournals } from '../support/temp-journals.js';

const fault = vi.hoisted(() => ({ delayMs: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fsync = (fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void => {
    // A sync queued behind others on libuv's pool: it reaches the descriptor later.
    if (fault.delayMs > 0) setTimeout(() => fs.fsync(fd, callback), fault.delayMs);
    else fs.fsync(fd, callback);
  };
  return { ...fs, default: { ...fs, fsync }, fsync };
});

const intent = { tag: null, symbol: 'BTC/USD:USD', side: 'buy', type: 'limit', price: 100, amount: 1, params: {} } as const;
const journals = tempJournals('misso-wal-close');
afterEach(() => {
  fault.delayMs = 0;
  journals.cleanup();
});

describe('closing the journal with two flushes queued', () => {
  it('settles both flushes without reporting the journal broken', async () => {
    const j = OrderJournal.open({ path: journals.path(), clock: new VirtualClock() });
    fault.delayMs = 30;
    j.atomically(() => j.createIntent(intent), 'relaxed');
    const first = j.flush().then(() => 'flushed', (error: unknown) => error);
    // A second relaxed commit while the first sync waits on the pool, and its flush.
    j.atomically(() => j.createIntent(intent), 'relaxed');
    const second = j.flush().then(() => 'flushed', (error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    j.close();
    expect(await first).toBe('flushed');
    // The second commit was checkpointed into the database file by the close: nothing is lost.
    expect(await second).toBe('flushed');
    expect(j.problem).toBeNull();
  });
});
