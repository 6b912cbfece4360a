/**
 * A journal is tied to the API key its orders were placed with, not only to its venue: a config
 * switched to another account's keys must not look the first account's open orders up on the
 * second, mark them lost and adopt the second's orders into the first's history.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { UserError } from '../../src/core/errors.js';
import { accountCredential, claimJournalAccount, keyFingerprint } from '../../src/orders/journal-account.js';

const key = (value: string): { name: string; value: string } => ({ name: 'API key', value });
import { OrderJournal } from '../../src/orders/journal.js';
import { startSimServer } from '../../src/sim/http/binance-server.js';
import { runCli } from '../support/cli-in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-journal-account-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const intent = { tag: null, symbol: 'BTC/USD:USD', side: 'buy', type: 'limit', price: 100, amount: 1, params: {} } as const;
const NO_STACK = /internal error|\n\s+at /;

function accountKey(journal: OrderJournal): string | undefined {
  return journal.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'account_key'").get()?.value;
}

describe('claimJournalAccount', () => {
  it('records the first key, takes another over when nothing is at stake, and refuses it while an order is pending or open', () => {
    const journal = OrderJournal.open({ path: ':memory:', clock: new VirtualClock() });
    try {
      expect(claimJournalAccount(journal.db, 'j.db', null)).toBe('unkeyed');
      expect(accountKey(journal)).toBeUndefined();
      expect(claimJournalAccount(journal.db, 'j.db', key('key-one'))).toBe('claimed');
      expect(accountKey(journal)).toBe(keyFingerprint('key-one'));
      expect(claimJournalAccount(journal.db, 'j.db', key('key-one'))).toBe('same');
      // Nothing pending or open: a new key (another account, or a rotated one) simply takes it.
      expect(claimJournalAccount(journal.db, 'j.db', key('key-two'))).toBe('rekeyed');
      expect(accountKey(journal)).toBe(keyFingerprint('key-two'));

      journal.createIntent(intent);
      expect(() => claimJournalAccount(journal.db, 'j.db', key('key-three'))).toThrow(UserError);
      expect(() => claimJournalAccount(journal.db, 'j.db', key('key-three'))).toThrow(
        `journal j.db holds 1 pending or open order(s) placed with another API key (sha256 ${keyFingerprint('key-two')}…, ` +
          `this config's is ${keyFingerprint('key-three')}…)`,
      );
      // The refusal changed nothing; an unkeyed config (the simulator) is not asked.
      expect(accountKey(journal)).toBe(keyFingerprint('key-two'));
      expect(claimJournalAccount(journal.db, 'j.db', null)).toBe('unkeyed');
      // The operator says the new key is the same account's.
      expect(claimJournalAccount(journal.db, 'j.db', key('key-three'), { rekey: true })).toBe('rekeyed');
      expect(claimJournalAccount(journal.db, 'j.db', key('key-three'))).toBe('same');
    } finally {
      journal.close();
    }
  });

  it('names the account by the wallet address where an exchange is keyed without an API key (Hyperliquid)', () => {
    expect(accountCredential({ apiKey: 'k', credentials: { walletAddress: '0xAB' } })).toEqual({ name: 'API key', value: 'k' });
    // An address is one account however its letters are cased.
    expect(accountCredential({ apiKey: null, credentials: { walletAddress: '0xAbC', privateKey: 'p' } })).toEqual({ name: 'walletAddress', value: '0xabc' });
    expect(accountCredential({ apiKey: null, credentials: { uid: '42' } })).toEqual({ name: 'uid', value: '42' });
    expect(accountCredential({ apiKey: null })).toBeNull();
    const journal = OrderJournal.open({ path: ':memory:', clock: new VirtualClock() });
    try {
      claimJournalAccount(journal.db, 'w.db', accountCredential({ apiKey: null, credentials: { walletAddress: '0xA' } }));
      journal.createIntent(intent);
      expect(() => claimJournalAccount(journal.db, 'w.db', accountCredential({ apiKey: null, credentials: { walletAddress: '0xB' } }))).toThrow(
        /holds 1 pending or open order\(s\) placed with another walletAddress/,
      );
    } finally {
      journal.close();
    }
  });

  it('keeps no key in the journal, only a fingerprint that does not reveal it', () => {
    const fingerprint = keyFingerprint('a-secret-api-key');
    expect(fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(fingerprint).not.toContain('secret');
    expect(keyFingerprint('a-secret-api-key-2')).not.toBe(fingerprint);
  });
});

describe('misso run with a journal of another API key', () => {
  it('refuses it at the storage.path line, exit 2, no stack; --rekey-journal takes it over', async () => {
    const server = await startSimServer({ port: 0, seed: 3, apiKey: 'key-two', secret: 'secret-two' });
    const db = join(dir, 'keyed.db');
    // An earlier run with key-one left an order in the journal.
    const earlier = OrderJournal.open({ path: db, clock: new VirtualClock() });
    claimJournalAccount(earlier.db, db, key('key-one'));
    earlier.createIntent(intent);
    earlier.close();
    const config = join(dir, 'keyed.yaml');
    writeFileSync(
      config,
      [
        `exchange: {id: binanceusdm, apiKey: "\${MISSO_TEST_ACCOUNT_KEY}", secret: "\${MISSO_TEST_ACCOUNT_SECRET}", urls: {api: "${server.url}"}, options: {fetchCurrencies: false}}`,
        `storage: {path: ${JSON.stringify(db)}}`,
        'orders: {on_stop: leave}',
        'class_attributes: {watch_list: ["BTC/USD:USD"]}',
        'tasks:',
        '  t_update_tickers: {freq: 5}',
        '',
      ].join('\n'),
    );
    process.env['MISSO_TEST_ACCOUNT_KEY'] = 'key-two';
    process.env['MISSO_TEST_ACCOUNT_SECRET'] = 'secret-two';
    try {
      const refused = await runCli(['run', config, '--for', '2', '--log-level', 'error']);
      expect(refused.code).toBe(2);
      expect(refused.err).toContain(`${config}:2:11: storage.path: journal ${db} holds 1 pending or open order(s) placed with another API key`);
      expect(refused.err).toContain('--rekey-journal');
      expect(refused.err).not.toMatch(NO_STACK);
      // Nothing was sent or looked up on the other account.
      expect(server.venue.listOrders()).toEqual([]);

      const taken = await runCli(['run', config, '--for', '8', '--log-level', 'error', '--rekey-journal']);
      expect(taken.err).not.toContain('another API key');
      expect(taken.code).toBe(0);
      const after = OrderJournal.open({ path: db, clock: new VirtualClock() });
      expect(accountKey(after)).toBe(keyFingerprint('key-two'));
      after.close();
    } finally {
      delete process.env['MISSO_TEST_ACCOUNT_KEY'];
      delete process.env['MISSO_TEST_ACCOUNT_SECRET'];
      await server.close();
    }
  }, 60_000);
});
