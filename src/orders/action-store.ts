import type { Clock } from '../core/clock.js';
import type { SqliteDatabase } from '../storage/database.js';

/** What a strategy asked to do to an existing order. */
export type ActionKind = 'cancel' | 'amend';

/** How an amend reaches the exchange: `editOrder`, or a cancel then a linked replacement. */
export type AmendPath = 'edit' | 'replace';

/**
 * - `pending`: journaled, nothing sent yet
 * - `sent`: at least one request left; its outcome may be unknown, so look before sending again
 * - `done`: the exchange confirmed, or the order was found final
 * - `failed`: refused for good (`reason` says why)
 */
export type ActionStatus = 'pending' | 'sent' | 'done' | 'failed';

/** One journaled cancel or amend. */
export interface OrderAction {
  id: number;
  clientOrderId: string;
  kind: ActionKind;
  status: ActionStatus;
  /** Amend targets (null: unchanged). */
  price: number | null;
  amount: number | null;
  /** Cancel-then-replace amends: the replacement's client id, once it is journaled. */
  replacementId: string | null;
  /**
   * How an amend is carried out, fixed when it is journaled, so a restart resumes it the same
   * way whatever the exchange's class can do then; null for cancels (and amends journaled
   * before schema 6, which resume by what the exchange can do).
   */
  method: AmendPath | null;
  /** A cancel a cancel-then-replace amend made of its original: that amend's action id; else null. */
  amendId: number | null;
  /** Requests sent for this action (journaled before each). */
  attempts: number;
  reason: string | null;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: number;
  client_order_id: string;
  kind: string;
  status: string;
  price: number | null;
  amount: number | null;
  replacement_id: string | null;
  method: string | null;
  amend_id: number | null;
  attempts: number;
  reason: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * The durable record of cancels and amends, in the same file as the orders. An action is written
 * before its first request and again before every later one, so after a crash an action with
 * `attempts > 0` is resolved by looking at the order, never by sending blindly.
 */
export class ActionStore {
  readonly #db: SqliteDatabase;
  readonly #clock: Clock;
  readonly #write: <T>(fn: () => T) => T;

  /**
   * Built by the journal on its connection. Internal: the connection's type comes from a
   * dev-only package, so it stays out of the published types.
   * @param write - runs each write (the journal's health guard). @defaultValue runs it as is
   * @internal
   */
  constructor(db: SqliteDatabase, clock: Clock, write: <T>(fn: () => T) => T = (fn) => fn()) {
    this.#db = db;
    this.#clock = clock;
    this.#write = write;
  }

  /**
   * Journals a new action. With `sending`, it is written as already sent once (`attempts: 1`):
   * the caller sends its first request right after, and one commit instead of two guards it.
   * `link`: an amend's method, or the amend a cancel is made for.
   */
  create(
    clientOrderId: string,
    kind: ActionKind,
    target: { price?: number | null; amount?: number | null } = {},
    sending = false,
    link: { method?: AmendPath; amendId?: number } = {},
  ): OrderAction {
    const now = this.#clock.now();
    const status: ActionStatus = sending ? 'sent' : 'pending';
    const attempts = sending ? 1 : 0;
    const method = link.method ?? null;
    const amendId = link.amendId ?? null;
    const r = this.#write(() =>
      this.#db
        .prepare(
          `INSERT INTO order_actions(client_order_id, kind, status, price, amount, method, amend_id, attempts, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(clientOrderId, kind, status, target.price ?? null, target.amount ?? null, method, amendId, attempts, now, now),
    );
    return {
      id: Number(r.lastInsertRowid),
      clientOrderId,
      kind,
      status,
      price: target.price ?? null,
      amount: target.amount ?? null,
      replacementId: null,
      method,
      amendId,
      attempts,
      reason: null,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** Writes the action's current state. */
  save(action: OrderAction): void {
    action.updatedAt = this.#clock.now();
    this.#write(() =>
      this.#db
        .prepare(`UPDATE order_actions SET status = ?, replacement_id = ?, attempts = ?, reason = ?, updated_at = ? WHERE id = ?`)
        .run(action.status, action.replacementId, action.attempts, action.reason, action.updatedAt, action.id),
    );
  }

  /** Marks the action finished. */
  finish(action: OrderAction, status: 'done' | 'failed', reason: string | null = null): void {
    action.status = status;
    action.reason = reason;
    this.save(action);
  }

  /** The unfinished action of `kind` for an order, if any (the newest). */
  unfinished(clientOrderId: string, kind: ActionKind): OrderAction | undefined {
    const row = this.#db
      .prepare<[string, string], Row>(
        `SELECT * FROM order_actions WHERE client_order_id = ? AND kind = ? AND status IN ('pending', 'sent') ORDER BY id DESC LIMIT 1`,
      )
      .get(clientOrderId, kind);
    return row ? fromRow(row) : undefined;
  }

  /** Every unfinished action, oldest first (what a restart resumes). */
  loadUnfinished(): OrderAction[] {
    return this.#db
      .prepare<[], Row>(`SELECT * FROM order_actions WHERE status IN ('pending', 'sent') ORDER BY id`)
      .all()
      .map(fromRow);
  }

  /** Every action of an order, oldest first. */
  forOrder(clientOrderId: string): OrderAction[] {
    return this.#db
      .prepare<[string], Row>('SELECT * FROM order_actions WHERE client_order_id = ? ORDER BY id')
      .all(clientOrderId)
      .map(fromRow);
  }

  /** Every action, oldest first. */
  all(): OrderAction[] {
    return this.#db.prepare<[], Row>('SELECT * FROM order_actions ORDER BY id').all().map(fromRow);
  }
}

function fromRow(r: Row): OrderAction {
  return {
    id: r.id,
    clientOrderId: r.client_order_id,
    kind: r.kind === 'amend' ? 'amend' : 'cancel',
    status: r.status as ActionStatus,
    price: r.price,
    amount: r.amount,
    replacementId: r.replacement_id,
    method: r.method === 'edit' || r.method === 'replace' ? r.method : null,
    amendId: r.amend_id,
    attempts: r.attempts,
    reason: r.reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
