import { closeSync, fdatasyncSync, fstatSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SystemClock } from '../../src/core/clock.js';
import type { OrderIntent } from '../../src/orders/intent.js';
import { OrderJournal } from '../../src/orders/journal.js';
import type { Arm, Scenario } from '../harness.js';
import { ensure, fileSystemType, tempDir } from '../support.js';

const INTENT: OrderIntent = {
  tag: null,
  symbol: 'BTC/USD:USD',
  side: 'buy',
  type: 'limit',
  price: 51_234.5,
  amount: 0.002,
  params: {},
};

/**
 * Writing an order intent durably before it may be sent: `OrderJournal.createIntent` (sequence,
 * client id, order row and history line in one transaction, WAL with synchronous=FULL, a file in
 * a temporary directory on the machine's disk).
 *
 * Baseline: the least any durable journal must do, one JSON line appended and `fdatasync`ed per
 * intent. Both wait for the disk once per intent, so the ratio is what SQLite's structure costs
 * on top of the unavoidable sync. Two more arms separate the parts: the same journal in memory
 * (its CPU cost alone) and the JSON append without the sync (not durable: what the disk costs).
 */
export const orderJournalScenario: Scenario = {
  id: 'order-journal',
  title: 'Order journal: durable intents (SQLite WAL) vs fdatasync\'d JSON lines',
  op: 'one intent made durable',
  async prepare(mode) {
    const tmp = tempDir('journal');
    const clock = new SystemClock();
    const onDisk = OrderJournal.open({ path: join(tmp.dir, 'journal.db'), clock, name: 'bench' });
    const inMemory = OrderJournal.open({ path: ':memory:', clock, name: 'bench' });
    const synced = openSync(join(tmp.dir, 'intents-synced.jsonl'), 'a');
    const unsynced = openSync(join(tmp.dir, 'intents-unsynced.jsonl'), 'a');
    let seq = 0;

    const jsonArm = (label: string, fd: number, sync: boolean, maxOps?: number): Arm => {
      let sizeBefore = 0;
      let written = 0;
      return {
        label,
        ...(maxOps !== undefined ? { maxOps } : {}),
        async run(n) {
          for (let i = 0; i < n; i++) {
            seq++;
            const line = `${JSON.stringify({ clientOrderId: `bench-jsonl-${seq.toString(36)}`, seq, ...INTENT, at: clock.now(), status: 'pending' })}\n`;
            written += writeSync(fd, line);
            if (sync) fdatasyncSync(fd);
          }
        },
        async before() {
          sizeBefore = fstatSync(fd).size;
          written = 0;
        },
        check(n) {
          ensure(written > n * 50, `only ${written} bytes written for ${n} intents`);
          ensure(fstatSync(fd).size - sizeBefore === written, 'the file did not grow by what was written');
        },
      };
    };

    const journalArm = (label: string, journal: OrderJournal): Arm => {
      let before = 0;
      return {
        label,
        async run(n) {
          for (let i = 0; i < n; i++) journal.createIntent(INTENT);
        },
        async before() {
          before = journal.sequence;
        },
        check(n) {
          ensure(journal.sequence - before === n, `journal sequence moved ${journal.sequence - before}, not ${n}`);
          ensure(journal.intentCount() === journal.sequence, 'journal rows and sequence disagree');
        },
      };
    };

    return {
      baseline: jsonArm('JSON line + fdatasync', synced, true),
      subjects: [
        journalArm('journal.createIntent (WAL file)', onDisk),
        journalArm('journal.createIntent (:memory:)', inMemory),
        // Bounded so the unsynced file stays small in a fast run.
        jsonArm('JSON line, no sync (not durable)', unsynced, false, mode.smoke ? undefined : 200_000),
      ],
      notes: () => [`journal and JSON-lines files on ${fileSystemType(tmp.dir)} (${tmp.dir}, removed after the run)`],
      async close() {
        closeSync(synced);
        closeSync(unsynced);
        onDisk.close();
        inMemory.close();
        tmp.remove();
      },
    };
  },
};
