import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { JournalHealth } from '../../src/orders/journal-health.js';
import { StorageWriteError } from '../../src/storage/storage-error.js';
import { fillDisk } from '../support/full-disk.js';

describe('journal commits (the count the order benchmarks report)', () => {
  it('counts each outermost write that stored something once, and no failed write', () => {
    const db = new Database(':memory:');
    db.exec("CREATE TABLE order_events (id INTEGER PRIMARY KEY, client_order_id TEXT, at INTEGER, kind TEXT, to_status TEXT, detail TEXT)");
    const insert = db.prepare("INSERT INTO order_events (client_order_id, at, kind, to_status, detail) VALUES ('o', 0, 'k', 'open', ?)");
    const tx = db.transaction((fn: () => void) => fn());
    const health = new JournalHealth(':memory:');
    expect(health.commits).toBe(0);

    health.write(() => insert.run('a'));
    // Two steps inside one outer write are one transaction.
    health.write(() => tx(() => {
      health.write(() => insert.run('b'));
      health.write(() => insert.run('c'));
    }));
    expect(health.commits).toBe(2);

    const disk = fillDisk(db);
    expect(() => health.write(() => insert.run('x'.repeat(4096)))).toThrow(StorageWriteError);
    expect(health.problem).not.toBeNull();
    expect(health.commits).toBe(2);

    disk.release();
    health.write(() => insert.run('d'));
    expect(health.commits).toBe(3);
    expect(health.problem).toBeNull();
    db.close();
  });
});
