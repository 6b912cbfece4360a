import type { Clock } from '../core/clock.js';
import { UserError } from '../core/errors.js';
import { openDatabase, type OpenedDatabase, type SqliteDatabase } from '../storage/database.js';
import { readMeta } from '../storage/meta.js';
import { JOURNAL_MIGRATIONS } from '../storage/migrations.js';
import { storageUserError } from '../storage/storage-error.js';
import { WalCheckpointer } from '../storage/wal-checkpointer.js';
import { ActionStore } from './action-store.js';
import { JournalHealth } from './journal-health.js';
import { FillStore } from './fill-store.js';
import { clientIdPrefix, makeClientOrderId, type OrderIntent } from './intent.js';
import { Order } from './order.js';
import { COLUMNS, fromRow, json, toRow, type OrderRow } from './order-row.js';
import { WalFlush } from './wal-flush.js';
import { FINAL_STATUSES, type OrderStatus } from './transitions.js';

/** Options for {@link OrderJournal.open}. */
export interface JournalOptions {
  /** SQLite file, or `:memory:` for tests. @defaultValue './misso.db' */
  path?: string;
  clock: Clock;
  /** Account or updater name; the client-id prefix is made from it. @defaultValue 'misso' */
  name?: string;
  /**
   * Start a new journal in a file that exists but is empty or emptied (`misso run
   * --new-journal`); without it such a file is refused, since its history is gone. A missing
   * file is always created. @defaultValue false
   */
  newJournal?: boolean;
  /** SQLite `max_page_count`, to simulate a full disk in tests. @defaultValue SQLite's own */
  maxPageCount?: number;
}

/**
 * How a journal transaction reaches the disk. Either way it is committed when the call returns
 * and survives a kill -9; they differ only on an OS crash or a power cut.
 * - `synced` (the default): fsynced before the call returns, on the event loop. A cancel's or an
 *   amend's record before its request is written this way.
 * - `relaxed`: committed to the write-ahead log without waiting for the disk; the next sync (a
 *   synced commit, or {@link OrderJournal.flush}) covers it with everything before it. Used for
 *   - what the exchange told us (a user stream's order updates and fills, a createOrder answer):
 *     a record lost to a power cut is learnt again from the exchange by the start-up
 *     reconciliation, which re-reads every order the journal holds open and the trades of every
 *     order whose fills fall short;
 *   - an intent and its attempt, which submit flushes before the request leaves: the request
 *     waits for the disk, the event loop does not.
 */
export type Durability = 'synced' | 'relaxed';

/** One appended line of an order's history. */
export interface JournalEvent {
  id: number;
  clientOrderId: string;
  at: number;
  /** queued, sending, open, fill, failed, rejected, resolved, adopted, lost, processed, … */
  kind: string;
  fromStatus: OrderStatus | null;
  toStatus: OrderStatus;
  detail: unknown;
}

/**
 * The durable record of every order: intents with their client ids (written before anything
 * is sent), the current state of each order, and an append-only history of changes. All writes
 * are synchronous and committed before the step they guard, so a kill -9 at any point leaves
 * enough to resume: an intent with `attempts > 0` may exist on the exchange and is resolved by
 * its client id; one with `attempts = 0` was never sent. How each write reaches the disk: see
 * {@link Durability} and {@link OrderJournal.flush}.
 */
export class OrderJournal {
  readonly #opened: OpenedDatabase;
  readonly #db: SqliteDatabase;
  readonly #clock: Clock;
  /** The client-id prefix (from the account name). */
  readonly prefix: string;
  /** A tag fixed when the journal file was created, part of every client id. */
  readonly tag: string;
  /** Journaled cancels and amends (same file). @internal */
  readonly actions: ActionStore;
  /** Fills of our orders, one row per symbol and trade id (same file). @internal */
  readonly fills: FillStore;
  readonly #insert: (order: Order, kind: string, detail: unknown) => void;
  readonly #save: (order: Order, kind: string, from: OrderStatus | null, detail: unknown) => void;
  readonly #allocate: () => number;
  readonly #createIntent: (intent: OrderIntent, replaces: string | null) => Order;
  readonly #health: JournalHealth;
  readonly #transaction: (fn: () => unknown) => unknown;
  /** `PRAGMA synchronous` for {@link Durability}: FULL is the connection's standing setting. */
  readonly #relax: () => void;
  readonly #unrelax: () => void;
  readonly #wal: WalFlush;
  /** The thread that checkpoints the write-ahead log (null in memory), for tests. @internal */
  readonly checkpointer: WalCheckpointer | null;

  private constructor(opened: OpenedDatabase, clock: Clock, name: string, newJournal: boolean) {
    this.#opened = opened;
    this.#db = opened.db;
    this.#clock = clock;
    this.prefix = clientIdPrefix(name);
    // Checkpoints run on a thread of their own, never inside a commit on the event loop.
    const checkpointer = opened.path === ':memory:' || opened.exclusive ? null : new WalCheckpointer(opened.db, opened.path);
    this.checkpointer = checkpointer;
    this.#health = new JournalHealth(opened.path, () => checkpointer?.committed());
    this.#wal = new WalFlush(opened.path, (error) => this.#health.syncFailed(error));
    const db = this.#db;
    this.actions = new ActionStore(db, clock, (fn) => this.#health.write(fn));
    this.fills = new FillStore(db, (fn) => this.#health.write(fn));
    this.#transaction = db.transaction((fn: () => unknown) => fn());
    // Not prepared statements: SQLite applies `synchronous` when the pragma is compiled, so a
    // prepared one would take effect once, at prepare, and never again.
    this.#relax = () => db.exec('PRAGMA synchronous = NORMAL');
    this.#unrelax = () => db.exec('PRAGMA synchronous = FULL');
    const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
    const setMeta = db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    let tag = getMeta.get('tag')?.value;
    if (opened.previousVersion > 0 && !newJournal) {
      // The schema is there but the journal's identity or its intents are not: rows were deleted
      // (misso itself never deletes any).
      const issued = Number(getMeta.get('seq')?.value ?? '0');
      const intents = (db.prepare('SELECT COUNT(*) AS n FROM orders WHERE seq > 0').get() as { n: number }).n;
      const why = tag === undefined ? 'no journal tag' : issued > 0 && intents === 0 ? `${issued} intents issued, none left` : null;
      if (why !== null) {
        throw new UserError(
          `journal ${opened.path} has been emptied (${why}): its history and queued intents are gone. ` +
            'Restore it from a backup, or start a new journal there with `misso run --new-journal`',
        );
      }
    }
    if (tag === undefined) {
      tag = clock.now().toString(36);
      setMeta.run('tag', tag);
    }
    this.tag = tag;
    const insertRow = db.prepare(
      `INSERT INTO orders(${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`,
    );
    const updateRow = db.prepare(
      `UPDATE orders SET ${COLUMNS.filter((c) => c !== 'client_order_id')
        .map((c) => `${c} = @${c}`)
        .join(', ')} WHERE client_order_id = @client_order_id`,
    );
    const appendEvent = db.prepare(
      'INSERT INTO order_events(client_order_id, at, kind, from_status, to_status, detail) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#allocate = db.transaction(() => {
      const next = Number(getMeta.get('seq')?.value ?? '0') + 1;
      setMeta.run('seq', String(next));
      return next;
    });
    this.#insert = db.transaction((order: Order, kind: string, detail: unknown) => {
      insertRow.run(toRow(order));
      appendEvent.run(order.clientOrderId, order.updatedAt, kind, null, order.status, json(detail));
    });
    // Sequence and row in one transaction: a crash never burns a number without its intent.
    this.#createIntent = db.transaction((intent: OrderIntent, replaces: string | null) => {
      const now = this.#clock.now();
      const seq = this.#allocate();
      const order = Order.intent({
        clientOrderId: makeClientOrderId(this.prefix, this.tag, seq),
        seq,
        tag: intent.tag,
        symbol: intent.symbol,
        side: intent.side,
        type: intent.type,
        price: intent.price,
        amount: intent.amount,
        params: intent.params,
        replaces,
        now,
      });
      this.#insert(order, 'queued', replaces === null ? null : { replaces });
      return order;
    });
    this.#save = db.transaction((order: Order, kind: string, from: OrderStatus | null, detail: unknown) => {
      const r = updateRow.run(toRow(order));
      if (r.changes === 0) insertRow.run(toRow(order));
      appendEvent.run(order.clientOrderId, order.updatedAt, kind, from, order.status, json(detail));
    });
  }

  /** Opens the journal, locking the file against other processes and migrating its schema. @internal */
  static open(options: JournalOptions): OrderJournal {
    const opened = openDatabase({
      path: options.path ?? './misso.db',
      migrations: JOURNAL_MIGRATIONS,
      emptyFile: options.newJournal ? 'start' : 'refuse',
      ...(options.maxPageCount !== undefined ? { maxPageCount: options.maxPageCount } : {}),
    });
    try {
      return new OrderJournal(opened, options.clock, options.name ?? 'misso', options.newJournal ?? false);
    } catch (error: unknown) {
      opened.close();
      throw error instanceof UserError ? error : storageUserError(error, 'journal', opened.path);
    }
  }

  /** Absolute file path or `:memory:`. */
  get path(): string {
    return this.#opened.path;
  }

  /** Schema version the file had when opened (0 = new). */
  get previousVersion(): number {
    return this.#opened.previousVersion;
  }

  /**
   * The raw connection, for inspection in tests (read only, please). Internal: its type comes
   * from a dev-only package, so it stays out of the published types.
   * @internal
   */
  get db(): SqliteDatabase {
    return this.#db;
  }

  /**
   * Gives the intent its client id from the journal's monotonic sequence and writes it, in one
   * transaction, before anything can be sent. `replaces` links an amend's replacement to the
   * order it replaces.
   */
  createIntent(intent: OrderIntent, replaces: string | null = null): Order {
    return this.#health.write(() => this.#createIntent(intent, replaces));
  }

  /**
   * Runs `fn`, whose journal writes (orders, history, actions, fills) belong together, as one
   * transaction through the health guard: either all of them are stored or none is (a
   * `StorageWriteError` for a full disk and the like), so a crash or a fault never leaves half
   * of one state change behind. `durability` says whether it waits for the disk (see
   * {@link Durability}); every other write of the journal is synced.
   */
  atomically<T>(fn: () => T, durability: Durability = 'synced'): T {
    // Inside a transaction the outer one decides; a relaxed one puts FULL back whatever happens.
    if (durability === 'synced' || this.#db.inTransaction) return this.#health.write(() => this.#transaction(fn) as T);
    const result = this.#health.write(() => {
      this.#relax();
      try {
        return this.#transaction(fn) as T;
      } finally {
        this.#unrelax();
      }
    });
    this.#wal.committed();
    return result;
  }

  /**
   * Makes every commit so far durable without blocking the event loop: the write-ahead log is
   * fsynced on libuv's thread pool, and callers that come while one sync runs share the next
   * (a group commit). Await it between a relaxed write and the step it guards (a createOrder
   * after its attempt is journaled): the step then waits for the disk as a synced write would,
   * but fills and prices keep flowing meanwhile. Rejects with `StorageWriteError` (the journal is
   * reported unhealthy) when the sync fails: do not take the step.
   */
  flush(): Promise<void> {
    const flushed = this.#wal.flush();
    this.#clock.track?.(flushed);
    return flushed;
  }

  /**
   * Throws the `StorageWriteError` every {@link flush} rejects with once a sync of the write-ahead
   * log has failed (until the journal is reopened): checked before an attempt is journaled, so an
   * order that cannot be sent keeps `attempts = 0` and waits first in line instead.
   */
  assertFlushable(): void {
    this.#wal.assertSound();
  }

  /** Relaxed commits no finished {@link flush} has made durable yet (0 after one). */
  get unflushed(): number {
    return this.#wal.pending;
  }

  /** The write-ahead log fsyncs {@link flush} has done. */
  get syncs(): number {
    return this.#wal.syncs;
  }

  /** The replacement an amend journaled for `clientOrderId` (cancel-then-replace), if any. */
  replacementOf(clientOrderId: string): Order | null {
    const row = this.#db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE replaces = ? ORDER BY seq LIMIT 1').get(clientOrderId);
    return row ? fromRow(row) : null;
  }

  /** One order by exchange id. */
  getByExchangeId(id: string): Order | null {
    const row = this.#db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE exchange_id = ?').get(id);
    return row ? fromRow(row) : null;
  }

  /** Intents ever queued in this journal (adopted orders not counted). */
  intentCount(): number {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM orders WHERE seq > 0').get() as { n: number }).n;
  }

  /** Writes an order not created through an intent (an adopted one). */
  insert(order: Order, kind: string, detail: unknown = null): void {
    this.#health.write(() => this.#insert(order, kind, detail));
  }

  /** Writes the order's current state and appends one history line, atomically. */
  save(order: Order, kind: string, from: OrderStatus | null = null, detail: unknown = null): void {
    this.#health.write(() => this.#save(order, kind, from, detail));
  }

  /** Write transactions committed since the journal opened. */
  get commits(): number {
    return this.#health.commits;
  }

  /** Why the last write failed (full disk, read-only, I/O), or null while writes succeed. */
  get problem(): string | null {
    return this.#health.problem;
  }

  /**
   * Calls `listener` when writes start failing for a reason outside misso (with the problem) and
   * when they succeed again (with null). Returns the unsubscribe function.
   */
  onHealth(listener: (problem: string | null) => void): () => void {
    return this.#health.onChange(listener);
  }

  /** One order by client id. */
  get(clientOrderId: string): Order | null {
    const row = this.#db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE client_order_id = ?').get(clientOrderId);
    return row ? fromRow(row) : null;
  }

  /**
   * What a restart must pick up: every pending or open order, and finished orders the strategy
   * has not processed yet. In sequence order, so the queue keeps its order.
   */
  loadActive(): Order[] {
    return this.#db
      .prepare<[], OrderRow>(
        `SELECT * FROM orders WHERE status IN ('pending', 'open')
           OR (processed = 0 AND exchange_id IS NOT NULL AND status IN (${FINAL_IN_SQL}))
         ORDER BY seq, created_at`,
      )
      .all()
      .map(fromRow);
  }

  /** Every order, oldest first. */
  all(): Order[] {
    return this.#db.prepare<[], OrderRow>('SELECT * FROM orders ORDER BY seq, created_at').all().map(fromRow);
  }

  /** Every client id this journal ever issued or adopted. */
  hasClientId(clientOrderId: string): boolean {
    return this.#db.prepare('SELECT 1 FROM orders WHERE client_order_id = ?').get(clientOrderId) !== undefined;
  }

  /** History lines, oldest first, for one order or all. */
  events(clientOrderId?: string): JournalEvent[] {
    const rows = (
      clientOrderId === undefined
        ? this.#db.prepare('SELECT * FROM order_events ORDER BY id').all()
        : this.#db.prepare('SELECT * FROM order_events WHERE client_order_id = ? ORDER BY id').all(clientOrderId)
    ) as { id: number; client_order_id: string; at: number; kind: string; from_status: string | null; to_status: string; detail: string | null }[];
    return rows.map((r) => ({
      id: r.id,
      clientOrderId: r.client_order_id,
      at: r.at,
      kind: r.kind,
      fromStatus: r.from_status as OrderStatus | null,
      toStatus: r.to_status as OrderStatus,
      detail: r.detail === null ? null : (JSON.parse(r.detail) as unknown),
    }));
  }

  /** Orders per status. */
  counts(): Partial<Record<OrderStatus, number>> {
    const rows = this.#db.prepare('SELECT status, COUNT(*) AS n FROM orders GROUP BY status').all() as {
      status: OrderStatus;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** The last sequence number handed out. */
  get sequence(): number {
    return Number(readMeta(this.#db, 'seq') ?? '0');
  }

  /** Closes the file and releases the lock. Idempotent. */
  close(): void {
    this.#health.close();
    this.#wal.close();
    this.checkpointer?.close();
    this.#opened.close();
  }
}

const FINAL_IN_SQL = [...FINAL_STATUSES].map((s) => `'${s}'`).join(', ');
