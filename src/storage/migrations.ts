import type { Database } from 'better-sqlite3';

/** One step of the schema. Steps run in order, each in its own transaction. */
export interface Migration {
  /** The `user_version` the database has after this step. */
  version: number;
  description: string;
  up(db: Database): void;
}

/**
 * The journal's schema history. Never edit a step that shipped: append a new one. Version 1
 * is kept as it was so that journals written by the first release still open.
 */
export const JOURNAL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'orders, order events and meta',
    up(db) {
      db.exec(`
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
        CREATE TABLE orders (
          client_order_id TEXT PRIMARY KEY,
          seq             INTEGER NOT NULL,
          exchange_id     TEXT,
          tag             TEXT,
          symbol          TEXT NOT NULL,
          side            TEXT NOT NULL,
          type            TEXT NOT NULL,
          price           REAL,
          amount          REAL NOT NULL,
          filled          REAL NOT NULL DEFAULT 0,
          remaining       REAL NOT NULL,
          average         REAL,
          fee             TEXT,
          status          TEXT NOT NULL,
          reason          TEXT,
          params          TEXT NOT NULL DEFAULT '{}',
          attempts        INTEGER NOT NULL DEFAULT 0,
          created_at      INTEGER NOT NULL,
          submitted_at    INTEGER,
          opened_at       INTEGER,
          closed_at       INTEGER,
          updated_at      INTEGER NOT NULL,
          processed       INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX orders_status ON orders(status);
        CREATE TABLE order_events (
          id              INTEGER PRIMARY KEY AUTOINCREMENT,
          client_order_id TEXT NOT NULL,
          at              INTEGER NOT NULL,
          kind            TEXT NOT NULL,
          from_status     TEXT,
          to_status       TEXT NOT NULL,
          detail          TEXT
        );
        CREATE INDEX order_events_order ON order_events(client_order_id);
      `);
    },
  },
  {
    version: 2,
    description: 'adopted/lost flags, not-found counter, exchange-id index',
    up(db) {
      db.exec(`
        ALTER TABLE orders ADD COLUMN adopted INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE orders ADD COLUMN lost INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE orders ADD COLUMN not_found_count INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX orders_exchange_id ON orders(exchange_id);
      `);
    },
  },
  {
    version: 3,
    description: 'cancel/amend actions, replacement links, fills',
    up(db) {
      db.exec(`
        ALTER TABLE orders ADD COLUMN replaces TEXT;
        CREATE TABLE order_actions (
          id              INTEGER PRIMARY KEY AUTOINCREMENT,
          client_order_id TEXT NOT NULL,
          kind            TEXT NOT NULL,
          status          TEXT NOT NULL,
          price           REAL,
          amount          REAL,
          replacement_id  TEXT,
          attempts        INTEGER NOT NULL DEFAULT 0,
          reason          TEXT,
          created_at      INTEGER NOT NULL,
          updated_at      INTEGER NOT NULL
        );
        CREATE INDEX order_actions_order ON order_actions(client_order_id);
        CREATE INDEX order_actions_status ON order_actions(status);
        CREATE TABLE fills (
          trade_id        TEXT PRIMARY KEY,
          client_order_id TEXT NOT NULL,
          order_id        TEXT,
          symbol          TEXT NOT NULL,
          side            TEXT NOT NULL,
          price           REAL NOT NULL,
          amount          REAL NOT NULL,
          fee_cost        REAL,
          fee_currency    TEXT,
          taker_or_maker  TEXT,
          realized_pnl    REAL,
          timestamp       INTEGER NOT NULL
        );
        CREATE INDEX fills_order ON fills(client_order_id);
      `);
    },
  },
  {
    version: 4,
    description: 'fills keyed by symbol and trade id',
    // Binance numbers trades per symbol: keyed by trade id alone, a fill of one market was
    // dropped as a duplicate of another market's fill with the same id.
    up(db) {
      db.exec(`
        CREATE TABLE fills_by_symbol (
          trade_id        TEXT NOT NULL,
          client_order_id TEXT NOT NULL,
          order_id        TEXT,
          symbol          TEXT NOT NULL,
          side            TEXT NOT NULL,
          price           REAL NOT NULL,
          amount          REAL NOT NULL,
          fee_cost        REAL,
          fee_currency    TEXT,
          taker_or_maker  TEXT,
          realized_pnl    REAL,
          timestamp       INTEGER NOT NULL,
          PRIMARY KEY (symbol, trade_id)
        );
        INSERT INTO fills_by_symbol SELECT trade_id, client_order_id, order_id, symbol, side, price, amount, fee_cost,
          fee_currency, taker_or_maker, realized_pnl, timestamp FROM fills;
        DROP TABLE fills;
        ALTER TABLE fills_by_symbol RENAME TO fills;
        CREATE INDEX fills_order ON fills(client_order_id);
      `);
    },
  },
  {
    version: 5,
    description: 'orders by last change',
    // The fills sync looks for orders changed lately whose fills are not all stored; the journal
    // is never pruned, so without it that look scans every order ever journaled.
    up(db) {
      db.exec('CREATE INDEX orders_updated ON orders(updated_at);');
    },
  },
  {
    version: 6,
    description: "amend actions' method, cancels made by an amend",
    // A cancel-then-replace amend cut short by a restart must resume as one even when the
    // exchange's class now edits in place, and its own cancel is no strategy's cancel.
    up(db) {
      db.exec(`
        ALTER TABLE order_actions ADD COLUMN method TEXT;
        ALTER TABLE order_actions ADD COLUMN amend_id INTEGER;
      `);
    },
  },
  {
    version: 7,
    description: 'the method and cancel of amends journaled before schema 6',
    // Schema 6 left these null, and a restart resumed such an amend by what the exchange's class
    // can do then: one that gained editOrder edited an order misso was cancelling for a replace,
    // and the amend was lost. The journal itself tells how one that began went.
    up(db) {
      linkOldAmends(db);
    },
  },
];

/**
 * Fills in `method` (and the `amend_id` of its cancel) for every unfinished amend journaled
 * without it, where the journal settles it: one linked to a replacement is a cancel-then-replace,
 * one that counted a request is an edit (a replace's row never counts requests). Any other keeps
 * null and is resumed by what the exchange can do, as schema 5 chose it when it began. A cancel
 * of its order journaled after it does not settle it: a replace's own cancel, or the strategy's
 * while an edit waited for its order's placement; read as a replace's, a strategy's cancel would
 * become a new live order. Left null, a replace resumed on a class that gained editOrder since
 * fails (the original canceled, no replacement, the amend told not done): never an order the
 * strategy did not ask for.
 */
function linkOldAmends(db: Database): void {
  interface Row {
    id: number;
    client_order_id: string;
    attempts: number;
    replacement_id: string | null;
  }
  const amends = db
    .prepare<[], Row>(`SELECT id, client_order_id, attempts, replacement_id FROM order_actions WHERE kind = 'amend' AND method IS NULL AND status IN ('pending', 'sent') ORDER BY id`)
    .all();
  const cancelAfter = db.prepare<[string, number], { id: number }>(
    `SELECT id FROM order_actions WHERE kind = 'cancel' AND client_order_id = ? AND id > ? AND amend_id IS NULL ORDER BY id LIMIT 1`,
  );
  const setMethod = db.prepare<[string, number]>('UPDATE order_actions SET method = ? WHERE id = ?');
  const setAmend = db.prepare<[number, number]>('UPDATE order_actions SET amend_id = ? WHERE id = ?');
  for (const a of amends) {
    const cancel = cancelAfter.get(a.client_order_id, a.id);
    const method = a.replacement_id !== null ? 'replace' : a.attempts > 0 ? 'edit' : null;
    if (method !== null) setMethod.run(method, a.id);
    if (method === 'replace' && cancel) setAmend.run(a.id, cancel.id);
  }
}
