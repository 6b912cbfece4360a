import type { SqliteDatabase } from './database.js';

/** A value of a database's `meta` table (key → text), undefined when unset. */
export function readMeta(db: SqliteDatabase, key: string): string | undefined {
  return db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value;
}

/** Sets a value of a database's `meta` table, whether or not it was set. */
export function writeMeta(db: SqliteDatabase, key: string, value: string): void {
  db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}
