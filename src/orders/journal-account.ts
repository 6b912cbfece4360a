import { createHash } from 'node:crypto';
import { UserError } from '../core/errors.js';
import type { SqliteDatabase } from '../storage/database.js';
import { readMeta, writeMeta } from '../storage/meta.js';

/**
 * A short one-way fingerprint of an API key: enough to tell two keys apart in a journal and in
 * an error message, nothing anyone can sign with or search for.
 */
export function keyFingerprint(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 12);
}

/** The credential that names the account a config trades on, by its ccxt name, or null (the simulator, public data only). */
export interface AccountCredential {
  name: string;
  value: string;
}

/**
 * Which credential names the account: the API key; for an exchange keyed without one, the
 * wallet address (Hyperliquid), else the user or account id or login; else the private key
 * (only ever fingerprinted).
 */
export function accountCredential(exchange: { apiKey: string | null; credentials?: Readonly<Record<string, string>> }): AccountCredential | null {
  if (exchange.apiKey) return { name: 'API key', value: exchange.apiKey };
  for (const name of ['walletAddress', 'uid', 'accountId', 'login', 'privateKey']) {
    const value = exchange.credentials?.[name];
    if (value) return { name, value: name === 'walletAddress' ? value.toLowerCase() : value };
  }
  return null;
}

/** What {@link claimJournalAccount} did. */
export type AccountClaim = 'unkeyed' | 'claimed' | 'same' | 'rekeyed';

/**
 * Ties a journal to the API key (or, without one, the wallet address) its orders were placed with, beside its venue
 * (`claimJournalExchange`). Two accounts on one venue are one venue to that check, so a config
 * whose keys were switched to another account would open the first account's journal, look
 * its open orders up on the second (where they never were), mark them lost, and adopt the
 * second account's orders into the first's history, while the first account's orders stay on
 * the exchange with nothing managing them.
 *
 * A key is recorded the first time a keyed config opens the journal. Another key is taken
 * over silently when nothing is at stake (no order pending or open in the journal), and
 * otherwise refused unless `rekey` says the new key is the same account's (a rotated key):
 * misso cannot tell that from the key, so the operator says it once.
 */
export function claimJournalAccount(
  db: SqliteDatabase,
  path: string,
  credential: AccountCredential | null,
  options: { rekey?: boolean } = {},
): AccountClaim {
  if (!credential) return 'unkeyed';
  const key = keyFingerprint(credential.value);
  const held = readMeta(db, 'account_key');
  if (held === key) return 'same';
  if (held === undefined) {
    writeMeta(db, 'account_key', key);
    return 'claimed';
  }
  const atStake = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM orders WHERE status IN ('pending', 'open')").get()?.n ?? 0;
  if (atStake > 0 && options.rekey !== true) {
    throw new UserError(
      `journal ${path} holds ${atStake} pending or open order(s) placed with another ${credential.name} ` +
        `(sha256 ${held}…, this config's is ${key}…): with it they would be looked up on another account, ` +
        `marked lost, and that account's orders adopted in their place. ` +
        `If the new ${credential.name} belongs to the same account (a rotated key), start once with misso run --rekey-journal ` +
        `(rekeyJournal: true in the library); if it is another account, point storage.path at a journal of its own`,
    );
  }
  writeMeta(db, 'account_key', key);
  return 'rekeyed';
}
