import Sqlite from 'better-sqlite3';
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { claimJournalExchange } from '../../src/orders/journal-exchange.js';
import type { SqliteDatabase } from '../../src/storage/database.js';

function journal(): SqliteDatabase {
  const db = new Sqlite(':memory:');
  db.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  return db as unknown as SqliteDatabase;
}

const LOCAL = { api: { fapiPublic: 'http://127.0.0.1:8555/fapi/v1', fapiPrivate: 'http://127.0.0.1:8555/fapi/v1' } };

describe('a journal tied to its venue', () => {
  it("tells a local sim-server's binanceusdm from the real one, both ways; another port of the same host is the same venue", () => {
    const local = journal();
    claimJournalExchange(local, 'l.db', 'binanceusdm', LOCAL);
    expect(() => claimJournalExchange(local, 'l.db', 'binanceusdm', { api: 'http://127.0.0.1:9000' })).not.toThrow();
    expect(() => claimJournalExchange(local, 'l.db', 'binanceusdm', null)).toThrow(UserError);
    expect(() => claimJournalExchange(local, 'l.db', 'binanceusdm', null)).toThrow(/holds the orders of exchange binanceusdm at 127\.0\.0\.1, not binanceusdm, this config's exchange:/);

    const real = journal();
    claimJournalExchange(real, 'r.db', 'binanceusdm', null);
    expect(() => claimJournalExchange(real, 'r.db', 'binanceusdm', null)).not.toThrow();
    expect(() => claimJournalExchange(real, 'r.db', 'binanceusdm', LOCAL)).toThrow(
      "journal r.db holds the orders of exchange binanceusdm, not binanceusdm at 127.0.0.1, this config's exchange (its urls point at 127.0.0.1): " +
        "its open orders would be looked up, adopted or cancelled on the wrong exchange. Point storage.path at a journal of this exchange's own (e.g. ./misso-binanceusdm-local.db), or run the config of binanceusdm on this one",
    );
  });

  it('never names the refused file itself as the way out', () => {
    const db = journal();
    claimJournalExchange(db, './misso-binanceusdm-local.db', 'binanceusdm', null);
    expect(() => claimJournalExchange(db, './misso-binanceusdm-local.db', 'binanceusdm', LOCAL)).toThrow("(e.g. ./misso-binanceusdm-local-2.db)");
  });

  it('is claimed by the first config that opens it; urls without a URL count as none', () => {
    const db = journal();
    claimJournalExchange(db, 'j.db', 'sim', { doc: 42 });
    expect(() => claimJournalExchange(db, 'j.db', 'sim', null)).not.toThrow();
    expect(() => claimJournalExchange(db, 'j.db', 'binanceusdm', null)).toThrow(/holds the orders of exchange sim, not binanceusdm/);
  });

  it("has no alias to resolve: no ccxt class is another's alias, each one's id is its own name (a ccxt bump that brings aliases back fails here)", () => {
    // The claim is by exchange.id: were `gateio` an alias of `gate` again, one venue would hold
    // two names, and its journal would be refused to the other (claimJournalExchange would then
    // need the class's canonical id). ccxt 4.5 ships no alias classes.
    const aliases = ccxt.exchanges.flatMap((id) => {
      const Exchange = (ccxt as unknown as Record<string, new () => { id: string; describe(): { alias?: boolean } }>)[id]!;
      const instance = new Exchange();
      return instance.describe().alias === true || instance.id !== id ? [`${id} (id ${instance.id})`] : [];
    });
    expect(aliases).toEqual([]);
  });
});
