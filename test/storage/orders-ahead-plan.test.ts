/**
 * `FillStore.ordersAhead` runs at every fills sync (each `t_update_fills` pass, each step of the
 * trades stream's chase of owed fills, each orders-stream gap fill), on the event loop. The
 * journal is never pruned: a scan of every order ever journaled took ~155 ms per call at 1M
 * orders (measured by the hostile review), a stall that grows with the journal's age. The
 * statement must find its rows through an index (schema 5: `orders_updated`), not a scan.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { OrderJournal } from '../../src/orders/journal.js';
import { tempJournals } from '../support/temp-journals.js';

const journals = tempJournals('misso-orders-ahead');
afterEach(journals.cleanup);

describe('finding the orders owed fills', () => {
  it('does not scan the whole orders table', () => {
    const j = OrderJournal.open({ path: journals.path(), clock: new VirtualClock() });
    try {
      const db = j.db as unknown as { prepare: (sql: string) => unknown };
      const prepare = db.prepare.bind(db);
      const seen: string[] = [];
      db.prepare = (sql: string) => {
        seen.push(sql);
        return prepare(sql);
      };
      j.fills.ordersAhead(0);
      db.prepare = prepare;
      const sql = seen.find((s) => /FROM\s+orders/i.test(s));
      expect(sql).toBeDefined();
      const plan = (j.db.prepare(`EXPLAIN QUERY PLAN ${sql!}`).all(0) as { detail: string }[]).map((r) => r.detail);
      expect(plan.filter((d) => /^SCAN o\b|^SCAN orders\b/.test(d))).toEqual([]);
    } finally {
      j.close();
    }
  });
});
