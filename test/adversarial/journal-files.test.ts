import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as run } from '../support/cli-in-process.js';
import { VirtualClock } from '../../src/core/clock.js';
import { UserError } from '../../src/core/errors.js';
import { OrderJournal } from '../../src/orders/journal.js';
import { CLI_FROM_SOURCE } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-journal-files-'));
// Readable by an unprivileged child (see the read-only test).
chmodSync(dir, 0o755);
afterAll(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** A config on the simulated exchange whose journal is `dbPath`. */
function configFor(dbPath: string): string {
  const file = join(dir, `config-${++n}.yaml`);
  writeFileSync(
    file,
    [
      `storage: {path: ${JSON.stringify(dbPath)}}`,
      'class_attributes: {watch_list: ["BTC/USD:USD"]}',
      'tasks:',
      '  t_update_tickers: {freq: 5}',
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o644);
  return file;
}

const NO_STACK = /internal error|\n\s+at /;
const intent = { tag: null, symbol: 'BTC/USD:USD', side: 'buy', type: 'limit', price: 100, amount: 1, params: {} } as const;

describe('journal files (issue 8 item 13)', () => {
  it("refuses a journal of another exchange at its storage.path line, exit 2, before that exchange's orders are reconciled, adopted or cancelled on this one", async () => {
    const db = join(dir, 'other-exchange.db');
    const sim = configFor(db);
    expect((await run(['run', sim, '--for', '3', '--log-level', 'error'])).code).toBe(0);
    const binance = join(dir, 'binance.yaml');
    writeFileSync(
      binance,
      [
        'exchange: {id: binanceusdm, apiKey: "${MISSO_TEST_JOURNAL_KEY}", secret: "${MISSO_TEST_JOURNAL_SECRET}", urls: {api: "http://127.0.0.1:9"}, timeout_ms: 500}',
        `storage: {path: ${JSON.stringify(db)}}`,
        'orders: {on_stop: cancel_all}',
        'class_attributes: {watch_list: ["BTC/USD:USD"]}',
        'tasks:',
        '  t_update_tickers: {freq: 5}',
        '',
      ].join('\n'),
    );
    process.env['MISSO_TEST_JOURNAL_KEY'] = 'k';
    process.env['MISSO_TEST_JOURNAL_SECRET'] = 's';
    try {
      const r = await run(['run', binance, '--for', '2', '--log-level', 'error']);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${binance}:2:11: storage.path: journal ${db} holds the orders of exchange sim, not binanceusdm at 127.0.0.1, this config's exchange (its urls point at 127.0.0.1)`);
      expect(r.err).toContain("Point storage.path at a journal of this exchange's own (e.g. ./misso-binanceusdm-local.db)");
      expect(r.err).not.toMatch(NO_STACK);
    } finally {
      delete process.env['MISSO_TEST_JOURNAL_KEY'];
      delete process.env['MISSO_TEST_JOURNAL_SECRET'];
    }
    // The sim config's journal still opens for it.
    expect((await run(['run', sim, '--for', '3', '--log-level', 'error'])).code).toBe(0);
  }, 30_000);

  it('refuses a garbage file with a clear message naming it, exit 2, no stack, and leaves it alone', async () => {
    const db = join(dir, 'garbage.db');
    const junk = 'this is not a database\n'.repeat(200);
    writeFileSync(db, junk);
    const r = await run(['run', configFor(db), '--for', '1', '--log-level', 'error']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(db);
    expect(r.err).toMatch(/is not a readable SQLite journal/);
    expect(r.err).toMatch(/backup|move it aside/);
    expect(r.err).not.toMatch(NO_STACK);
    expect(readFileSync(db, 'utf8')).toBe(junk);
    expect(existsSync(`${db}.lock`)).toBe(false);
  });

  it('refuses a journal in a read-only location with a clear message naming it, exit 2, no stack', async () => {
    const ro = join(dir, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const db = join(ro, 'misso.db');
    const config = configFor(db);
    // root writes anywhere: run the CLI as an unprivileged user then, so the directory is read-only for it.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const child = spawn(process.execPath, [...CLI_FROM_SOURCE, 'run', config, '--for', '1'], {
      cwd: dir,
      env: { ...process.env, HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...asNobody,
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(err).toContain(db);
    expect(err).toMatch(/cannot be written/);
    expect(err).not.toMatch(NO_STACK);
    expect(code).toBe(2);
  }, 30_000);

  it('refuses a journal on a full disk with a clear message naming it (a full disk simulated by SQLite max_page_count)', () => {
    const db = join(dir, 'full.db');
    let error: unknown;
    try {
      OrderJournal.open({ path: db, clock: new VirtualClock(), maxPageCount: 2 });
    } catch (e: unknown) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as UserError).message).toContain(db);
    expect((error as UserError).message).toMatch(/disk is full/);
    expect(existsSync(`${db}.lock`)).toBe(false);
  });
});

describe('empty journals (issue 8 item 14)', () => {
  it('creates the journal on a first-ever run', async () => {
    const db = join(dir, 'first', 'misso.db');
    const r = await run(['run', configFor(db), '--for', '1', '--log-level', 'error']);
    expect(r.code).toBe(0);
    const j = OrderJournal.open({ path: db, clock: new VirtualClock() });
    expect(j.tag).toMatch(/^[0-9a-z]+$/);
    j.close();
  });

  it('refuses a zero-length file, and starts one only with --new-journal', async () => {
    const db = join(dir, 'zero.db');
    writeFileSync(db, '');
    const config = configFor(db);
    const refused = await run(['run', config, '--for', '1', '--log-level', 'error']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(db);
    expect(refused.err).toMatch(/exists but is empty \(0 bytes\)/);
    expect(refused.err).toContain('--new-journal');
    expect(refused.err).not.toMatch(NO_STACK);
    expect(statSync(db).size).toBe(0);
    const started = await run(['run', config, '--for', '1', '--log-level', 'error', '--new-journal']);
    expect(started.code).toBe(0);
    expect(statSync(db).size).toBeGreaterThan(0);
    // From now on it is a journal like any other: no flag needed.
    expect((await run(['run', config, '--for', '1', '--log-level', 'error'])).code).toBe(0);
  });

  it('refuses a journal whose rows were deleted', () => {
    const db = join(dir, 'emptied.db');
    const j = OrderJournal.open({ path: db, clock: new VirtualClock() });
    j.createIntent(intent);
    j.close();
    const raw = new Sqlite(db);
    raw.exec('DELETE FROM orders; DELETE FROM order_events; DELETE FROM meta;');
    raw.close();
    expect(() => OrderJournal.open({ path: db, clock: new VirtualClock() })).toThrow(/has been emptied.*--new-journal/);
    expect(existsSync(`${db}.lock`)).toBe(false);
    const fresh = OrderJournal.open({ path: db, clock: new VirtualClock(), newJournal: true });
    expect(fresh.createIntent(intent).seq).toBe(1);
    fresh.close();
  });

  it('refuses a journal whose orders were deleted though its sequence remains', () => {
    const db = join(dir, 'orders-deleted.db');
    const j = OrderJournal.open({ path: db, clock: new VirtualClock() });
    j.createIntent(intent);
    j.createIntent(intent);
    const tag = j.tag;
    j.close();
    const raw = new Sqlite(db);
    raw.exec('DELETE FROM orders; DELETE FROM order_events;');
    raw.close();
    expect(() => OrderJournal.open({ path: db, clock: new VirtualClock() })).toThrow(/has been emptied \(2 intents issued, none left\)/);
    // Started again on purpose, it keeps its tag and sequence, so no client id is ever reused.
    const again = OrderJournal.open({ path: db, clock: new VirtualClock(), newJournal: true });
    expect(again.tag).toBe(tag);
    expect(again.createIntent(intent).seq).toBe(3);
    again.close();
  });
});
