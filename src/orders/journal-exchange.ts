import { basename } from 'node:path';
import { UserError } from '../core/errors.js';
import type { SqliteDatabase } from '../storage/database.js';
import { readMeta, writeMeta } from '../storage/meta.js';

/**
 * Ties a journal to the exchange its orders live on (`exchange.id`, and the host of
 * `exchange.urls` when the config moves them), the first time it is opened,
 * and refuses it to a config of another exchange. The start reconciles every order the journal
 * holds open with the exchange: opened by another exchange's config (a copied config, or two
 * configs run from one folder on the default `./misso.db`), it would look the other exchange's
 * orders up where they never were, mark them lost, cancel them there under `on_stop: cancel_all`,
 * and adopt this exchange's orders into the other's history. A journal written before this check
 * is claimed by the first exchange that opens it. The id needs no canonical form: ccxt 4.5 has no
 * alias classes (no `gateio`, `huobi` or `okex` module; none whose `describe()` says `alias`),
 * which a test pins.
 */
export function claimJournalExchange(db: SqliteDatabase, path: string, exchangeId: string, urls: Readonly<Record<string, unknown>> | null = null): void {
  const venue = venueOf(exchangeId, urls);
  const held = readMeta(db, 'exchange');
  if (held === undefined) {
    writeMeta(db, 'exchange', venue);
    return;
  }
  if (held === venue) return;
  const local = venue === exchangeId ? '' : ` (its urls point at ${venue.slice(exchangeId.length + AT.length)})`;
  // Never the refused file itself as the way out.
  let own = `./misso-${exchangeId}${local ? '-local' : ''}.db`;
  if (basename(own) === basename(path)) own = `./misso-${exchangeId}${local ? '-local' : ''}-2.db`;
  throw new UserError(
    `journal ${path} holds the orders of exchange ${held}, not ${venue}, this config's exchange${local}: ` +
      `its open orders would be looked up, adopted or cancelled on the wrong exchange. ` +
      `Point storage.path at a journal of this exchange's own (e.g. ${own}), or run the config of ${held} on this one`,
  );
}

const AT = ' at ';

/**
 * Which venue a config trades on: its exchange id, and the host its `exchange.urls` point at when
 * it moves them (a local `misso sim-server` speaks binanceusdm, but its orders are not the real
 * venue's). The port is left out, so a local server restarted on another port keeps its journal.
 */
function venueOf(exchangeId: string, urls: Readonly<Record<string, unknown>> | null): string {
  const host = urls === null ? undefined : firstHost(urls['api'] ?? urls);
  return host === undefined ? exchangeId : `${exchangeId}${AT}${host}`;
}

/** The host of the first URL in `value` (a URL, or an object of them, nested as ccxt's `urls.api` is). */
function firstHost(value: unknown, depth = 0): string | undefined {
  if (typeof value === 'string') {
    try {
      return new URL(value).hostname || undefined;
    } catch {
      return undefined;
    }
  }
  if (depth > 3 || typeof value !== 'object' || value === null) return undefined;
  for (const item of Object.values(value)) {
    const host = firstHost(item, depth + 1);
    if (host !== undefined) return host;
  }
  return undefined;
}
