import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { UserError } from '../../src/core/errors.js';
import { OrderJournal } from '../../src/orders/journal.js';
import { applyOrderUpdate, writeOrder } from '../../src/orders/order.js';
import { openDatabase } from '../../src/storage/database.js';
import { readLock } from '../../src/storage/lock.js';
import { JOURNAL_MIGRATIONS } from '../../src/storage/migrations.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'misso-journal-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const intent = { tag: null, symbol: 'BTC/USD:USD', side: 'buy', type: 'limit', price: 100, amount: 1, params: {} } as const;

function holdInChild(path: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/hold-journal.ts'), path], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`holder exited ${code}: ${err}`)));
  });
}

describe('OrderJournal', () => {
  it('persists intents, client ids and the sequence across reopen (WAL)', () => {
    const path = join(tmp(), 'a.db');
    const clock = new VirtualClock();
    const j1 = OrderJournal.open({ path, clock, name: 'acct' });
    expect(j1.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const a = j1.createIntent(intent);
    const b = j1.createIntent({ ...intent, side: 'sell' });
    expect(a.clientOrderId).not.toBe(b.clientOrderId);
    expect(a.clientOrderId.startsWith(`acct-${j1.tag}-`)).toBe(true);
    j1.close();
    j1.close();
    const j2 = OrderJournal.open({ path, clock, name: 'acct' });
    expect(j2.loadActive().map((o) => o.clientOrderId)).toEqual([a.clientOrderId, b.clientOrderId]);
    const c = j2.createIntent(intent);
    expect(c.seq).toBe(3);
    expect(j2.events(a.clientOrderId)).toMatchObject([{ kind: 'queued', toStatus: 'pending', fromStatus: null }]);
    j2.close();
  });

  it('appends every status change and keeps finished-but-unprocessed orders active', () => {
    const clock = new VirtualClock();
    const j = OrderJournal.open({ path: ':memory:', clock });
    const o = j.createIntent(intent);
    applyOrderUpdate(o, { id: '1', status: 'open' }, clock.now());
    j.save(o, 'sent:open', 'pending');
    applyOrderUpdate(o, { status: 'closed', filled: 1 }, clock.now());
    j.save(o, 'poll:closed', 'open');
    expect(j.events(o.clientOrderId).map((e) => `${e.fromStatus}->${e.toStatus}`)).toEqual([
      'null->pending',
      'pending->open',
      'open->closed',
    ]);
    expect(j.loadActive()).toHaveLength(1);
    writeOrder(o, { processed: true });
    j.save(o, 'processed', 'closed');
    expect(j.loadActive()).toHaveLength(0);
    expect(j.get(o.clientOrderId)?.filled).toBe(1);
    expect(j.counts()).toEqual({ closed: 1 });
  });

  it('upgrades a journal written with schema version 1', () => {
    const path = join(tmp(), 'old.db');
    const old = openDatabase({ path, migrations: JOURNAL_MIGRATIONS, targetVersion: 1 });
    expect(old.version).toBe(1);
    old.db.prepare("INSERT INTO meta(key, value) VALUES ('seq', '41'), ('tag', 'oldtag')").run();
    old.db
      .prepare(
        `INSERT INTO orders(client_order_id, seq, exchange_id, symbol, side, type, price, amount, remaining, status, created_at, updated_at)
         VALUES ('acct-oldtag-15', 41, '900', 'BTC/USD:USD', 'buy', 'limit', 10, 2, 2, 'open', 1, 1)`,
      )
      .run();
    old.close();
    const j = OrderJournal.open({ path, clock: new VirtualClock(), name: 'acct' });
    expect(j.previousVersion).toBe(1);
    expect(j.db.pragma('user_version', { simple: true })).toBe(JOURNAL_MIGRATIONS.at(-1)?.version);
    const [o] = j.loadActive();
    expect(o).toMatchObject({ clientOrderId: 'acct-oldtag-15', id: '900', status: 'open', lost: false, notFoundCount: 0, adopted: false });
    expect(j.tag).toBe('oldtag');
    expect(j.createIntent(intent).seq).toBe(42);
    j.close();
  });

  it("reads the method of a schema-5 journal's unfinished amends, and links a replace amend's cancel to it", () => {
    const path = join(tmp(), 'v5.db');
    const old = openDatabase({ path, migrations: JOURNAL_MIGRATIONS, targetVersion: 5 });
    old.db.prepare("INSERT INTO meta(key, value) VALUES ('seq', '0'), ('tag', 'x')").run();
    const insert = old.db.prepare(
      `INSERT INTO order_actions(id, client_order_id, kind, status, replacement_id, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, 1)`,
    );
    // a-1: an amend under way with a cancel of its order after it (a replace's own, or the
    // strategy's while an edit waited: the journal cannot tell, so it stays unread and resumes by
    // capability); a-2: one whose replacement is journaled; a-3: an edit sent; a-4: an amend that
    // sent nothing yet; a-5: one finished long ago.
    for (const row of [
      [1, 'a-1', 'amend', 'pending', null, 0],
      [2, 'a-1', 'cancel', 'sent', null, 1],
      [3, 'a-2', 'amend', 'pending', 'a-9', 0],
      [4, 'a-2', 'cancel', 'done', null, 1],
      [5, 'a-3', 'amend', 'sent', null, 1],
      [6, 'a-4', 'amend', 'pending', null, 0],
      [7, 'a-5', 'amend', 'done', null, 1],
      [8, 'a-5', 'cancel', 'sent', null, 1],
    ] as const) {
      insert.run(...row);
    }
    old.close();
    const j = OrderJournal.open({ path, clock: new VirtualClock(), name: 'acct' });
    expect(j.previousVersion).toBe(5);
    expect(j.actions.all().map((a) => [a.id, a.kind, a.method, a.amendId])).toEqual([
      [1, 'amend', null, null],
      [2, 'cancel', null, null],
      [3, 'amend', 'replace', null],
      [4, 'cancel', null, 3],
      [5, 'amend', 'edit', null],
      [6, 'amend', null, null],
      [7, 'amend', null, null],
      [8, 'cancel', null, null],
    ]);
    j.close();
  });

  it('keeps the fills of a schema-3 journal, keyed from then on by symbol and trade id', () => {
    const path = join(tmp(), 'v3.db');
    const old = openDatabase({ path, migrations: JOURNAL_MIGRATIONS, targetVersion: 3 });
    old.db.prepare("INSERT INTO meta(key, value) VALUES ('seq', '0'), ('tag', 'x')").run();
    old.db
      .prepare(
        `INSERT INTO fills(trade_id, client_order_id, order_id, symbol, side, price, amount, fee_cost, fee_currency, taker_or_maker, realized_pnl, timestamp)
         VALUES ('7', 'acct-x-1', '900', 'BTC/USD:USD', 'buy', 10, 2, 0.1, 'USD', 'maker', NULL, 5)`,
      )
      .run();
    old.close();
    const j = OrderJournal.open({ path, clock: new VirtualClock(), name: 'acct' });
    expect(j.previousVersion).toBe(3);
    expect(j.fills.of('acct-x-1')).toEqual([
      { tradeId: '7', clientOrderId: 'acct-x-1', orderId: '900', symbol: 'BTC/USD:USD', side: 'buy', price: 10, amount: 2, fee: { cost: 0.1, currency: 'USD' }, takerOrMaker: 'maker', realizedPnl: null, timestamp: 5 },
    ]);
    const fill = { tradeId: '7', clientOrderId: 'acct-x-2', orderId: '901', side: 'sell', price: 3, amount: 1, fee: null, takerOrMaker: null, realizedPnl: null, timestamp: 6 } as const;
    expect(j.fills.insert({ ...fill, symbol: 'ETH/USD:USD' })).toBe(true);
    expect(j.fills.insert({ ...fill, symbol: 'ETH/USD:USD' })).toBe(false);
    expect(j.fills.insert({ ...fill, clientOrderId: 'acct-x-1', symbol: 'BTC/USD:USD' })).toBe(false);
    expect(j.fills.of('acct-x-2')).toHaveLength(1);
    expect(j.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'fills' AND name = 'fills_order'").get()).toBeTruthy();
    j.close();
  });

  it('refuses a journal from a newer misso', () => {
    const path = join(tmp(), 'new.db');
    const d = openDatabase({ path, migrations: JOURNAL_MIGRATIONS });
    d.db.pragma('user_version = 99');
    d.close();
    expect(() => OrderJournal.open({ path, clock: new VirtualClock() })).toThrow(/schema version 99, newer than this misso/);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('refuses a journal held by a live process, naming its pid', async () => {
    const path = join(tmp(), 'held.db');
    const child = await holdInChild(path);
    let error: unknown;
    try {
      OrderJournal.open({ path, clock: new VirtualClock() });
    } catch (e: unknown) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      new RegExp(`journal .*held\\.db is in use by pid ${child.pid} \\(started .*\\); stop that updater or point storage.path elsewhere`),
    );
  });

  it('takes over the lock of a holder killed with SIGKILL, keeping its data', async () => {
    const path = join(tmp(), 'stale.db');
    const child = await holdInChild(path);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(readLock(`${path}.lock`)?.pid).toBe(child.pid);
    const j = OrderJournal.open({ path, clock: new VirtualClock() });
    expect(j.loadActive()).toHaveLength(1);
    expect(readLock(`${path}.lock`)?.pid).toBe(process.pid);
    j.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('treats a lock whose pid now belongs to another process as stale', () => {
    const path = join(tmp(), 'reused.db');
    // pid 1 is alive but its start time is not the one recorded: the pid was reused.
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 1, startedAt: 1, procStart: 'not-a-tick', host: '' }));
    const j = OrderJournal.open({ path, clock: new VirtualClock() });
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8')).pid).toBe(process.pid);
    j.close();
  });

  it('refuses a second open in the same process', () => {
    const path = join(tmp(), 'twice.db');
    const j = OrderJournal.open({ path, clock: new VirtualClock() });
    expect(() => OrderJournal.open({ path, clock: new VirtualClock() })).toThrow(/already open in this process/);
    j.close();
    OrderJournal.open({ path, clock: new VirtualClock() }).close();
  });
});
