import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../storage/database.js';
import { cleanSum } from './significant.js';

/** One execution of one of our orders. */
export interface Fill {
  /** The exchange's trade id; fills are deduplicated by it within their symbol (Binance numbers trades per market). */
  tradeId: string;
  clientOrderId: string;
  /** The exchange's order id. */
  orderId: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  price: number;
  amount: number;
  fee: { cost: number; currency: string | null } | null;
  takerOrMaker: 'maker' | 'taker' | null;
  /** Realised PnL the exchange reported for this fill (Binance futures), null when unknown. */
  realizedPnl: number | null;
  timestamp: number;
}

interface Row {
  trade_id: string;
  client_order_id: string;
  order_id: string | null;
  symbol: string;
  side: string;
  price: number;
  amount: number;
  fee_cost: number | null;
  fee_currency: string | null;
  taker_or_maker: string | null;
  realized_pnl: number | null;
  timestamp: number;
}

/** The fills table of the journal: insert-once by symbol and trade id, read per order or per symbol. */
export class FillStore {
  readonly #db: SqliteDatabase;
  readonly #write: <T>(fn: () => T) => T;

  /**
   * Built by the journal on its connection. Internal: the connection's type comes from a
   * dev-only package, so it stays out of the published types.
   * @param write - runs each write (the journal's health guard). @defaultValue runs it as is
   * @internal
   */
  constructor(db: SqliteDatabase, write: <T>(fn: () => T) => T = (fn) => fn()) {
    this.#db = db;
    this.#write = write;
  }

  // The statements of the fill path, compiled once: a burst of fills runs them many times a step.
  #insertStmt: Statement<unknown[]> | null = null;
  #filledStmt: Statement<[string], { s: number | null }> | null = null;
  /** An order's fills: read when it finishes, to summarise its trade (every order of a burst). */
  #ofStmt: Statement<[string], Row> | null = null;
  #ownerStmt: Statement<[string, string], { c: string }> | null = null;

  /**
   * Stores a fill; false when its symbol's trade id was already stored (a duplicate). A storage fault
   * throws `StorageWriteError` (through the journal's health guard) with nothing stored.
   */
  insert(f: Fill): boolean {
    this.#insertStmt ??= this.#db.prepare(
      `INSERT OR IGNORE INTO fills(trade_id, client_order_id, order_id, symbol, side, price, amount, fee_cost, fee_currency,
         taker_or_maker, realized_pnl, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insert = this.#insertStmt;
    const r = this.#write(() =>
      insert.run(f.tradeId, f.clientOrderId, f.orderId, f.symbol, f.side, f.price, f.amount, f.fee?.cost ?? null, f.fee?.currency ?? null,
        f.takerOrMaker, f.realizedPnl, f.timestamp),
    );
    return r.changes > 0;
  }

  /** The client order id the stored fill `tradeId` of `symbol` belongs to; null when none is stored. */
  ownerOf(symbol: string, tradeId: string): string | null {
    this.#ownerStmt ??= this.#db.prepare<[string, string], { c: string }>('SELECT client_order_id AS c FROM fills WHERE symbol = ? AND trade_id = ?');
    return this.#ownerStmt.get(symbol, tradeId)?.c ?? null;
  }

  /** The fills of one order, oldest first. */
  of(clientOrderId: string): Fill[] {
    this.#ofStmt ??= this.#db.prepare<[string], Row>('SELECT * FROM fills WHERE client_order_id = ? ORDER BY timestamp, trade_id');
    return this.#ofStmt.all(clientOrderId).map(fromRow);
  }

  /** Sum of the fill amounts of one order. */
  filledOf(clientOrderId: string): number {
    this.#filledStmt ??= this.#db.prepare<[string], { s: number | null }>('SELECT SUM(amount) AS s FROM fills WHERE client_order_id = ?');
    const r = this.#filledStmt.get(clientOrderId);
    return r?.s ?? 0;
  }

  /**
   * Orders (in memory or not: marked processed, or from before this process) updated since
   * `updatedSince` whose `filled` is ahead of their stored fills, with when each was sent or opened.
   */
  ordersAhead(updatedSince: number): { clientOrderId: string; symbol: string; from: number }[] {
    return this.#db
      .prepare<[number], { clientOrderId: string; symbol: string; from: number }>(
        `SELECT o.client_order_id AS clientOrderId, o.symbol, COALESCE(o.opened_at, o.submitted_at, o.created_at) AS "from"
           FROM orders o
          WHERE o.updated_at >= ? AND o.exchange_id IS NOT NULL AND o.filled > 0
            AND o.filled > COALESCE((SELECT SUM(f.amount) FROM fills f WHERE f.client_order_id = o.client_order_id), 0) + MAX(1e-9, o.filled * 1e-9)`,
      )
      .all(updatedSince);
  }

  /**
   * Signed position per symbol from every stored fill (buys add, sells subtract), without the
   * sum's binary noise (12 digits of the amounts' total: a closed-out symbol is 0).
   */
  netBySymbol(): Map<string, number> {
    const rows = this.#db
      .prepare<[], { symbol: string; net: number; volume: number }>(
        "SELECT symbol, SUM(CASE WHEN side = 'buy' THEN amount ELSE -amount END) AS net, SUM(ABS(amount)) AS volume FROM fills GROUP BY symbol",
      )
      .all();
    return new Map(rows.map((r) => [r.symbol, cleanSum(r.net, r.volume, 12)]));
  }

  /** Every fill, oldest first. */
  all(): Fill[] {
    return this.#db.prepare<[], Row>('SELECT * FROM fills ORDER BY timestamp, trade_id').all().map(fromRow);
  }
}

function fromRow(r: Row): Fill {
  return {
    tradeId: r.trade_id,
    clientOrderId: r.client_order_id,
    orderId: r.order_id,
    symbol: r.symbol,
    side: r.side === 'sell' ? 'sell' : 'buy',
    price: r.price,
    amount: r.amount,
    fee: r.fee_cost === null ? null : { cost: r.fee_cost, currency: r.fee_currency },
    takerOrMaker: r.taker_or_maker === 'maker' || r.taker_or_maker === 'taker' ? r.taker_or_maker : null,
    realizedPnl: r.realized_pnl,
    timestamp: r.timestamp,
  };
}
