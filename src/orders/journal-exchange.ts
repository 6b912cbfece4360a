import { UserError } from '../core/errors.js';
import type { SqliteDatabase } from '../storage/database.js';

/**
 * Ties a journal to the exchange its orders live on (`exchange.id`), the first time it is opened,
 * and refuses it to a config of another exchange. The start reconciles every order the journal
 * holds open with the exchange: opened by another exchange's config (a copied config, or two
 * configs run from one folder on the default `./misso.db`), it would look the other exchange's
 * orders up where they never were, mark them lost, cancel them there under `on_stop: cancel_all`,
 * and adopt this exchange's orders into the other's history. A journal written before this check
 * is claimed by the first exchange that opens it.
 */
export function claimJournalExchange(db: SqliteDatabase, path: string, exchangeId: string): void {
  const held = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'exchange'").get()?.value;
  if (held === undefined) {
    db.prepare("INSERT INTO meta(key, value) VALUES ('exchange', ?)").run(exchangeId);
    return;
  }
  if (held === exchangeId) return;
  throw new UserError(
    `journal ${path} holds the orders of exchange ${held}, not ${exchangeId} (this config's exchange.id): ` +
      `its open orders would be looked up, adopted or cancelled on the wrong exchange. ` +
      `Point storage.path at a journal of ${exchangeId}'s own (e.g. ./misso-${exchangeId}.db), or run the ${held} config on this one`,
  );
}
