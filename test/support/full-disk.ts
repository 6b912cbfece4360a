import type { SqliteDatabase } from '../../src/storage/database.js';

/**
 * Simulates a full disk on a journal's own connection: SQLite's `max_page_count` caps the file
 * at its current size, and history lines of a made-up order take every byte left inside it
 * (free pages and the slack of the history table), so every journal write that stores something
 * new fails with SQLITE_FULL, as on a full volume. `release()` raises the cap: "space returns".
 * (Filling a real volume would need root and a dedicated file system.)
 */
export function fillDisk(db: SqliteDatabase): { release: () => void } {
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
  const fill = db.prepare("INSERT INTO order_events (client_order_id, at, kind, to_status, detail) VALUES ('disk-filler', 0, 'filler', 'closed', ?)");
  for (const size of [16_384, 1_024, 128, 16, 1]) {
    for (;;) {
      try {
        fill.run('x'.repeat(size));
      } catch {
        break;
      }
    }
  }
  return { release: () => void db.pragma('max_page_count = 1073741823') };
}

/**
 * {@link fillDisk}, with room handed back one small row at a time: `freeOne()` frees the last
 * filler row, so a write that needs a little more space fails at each point until it fits.
 */
export function fillDiskByRows(db: SqliteDatabase): { release: () => void; freeOne: () => boolean } {
  const disk = fillDisk(db);
  const dropLast = db.prepare("DELETE FROM order_events WHERE rowid = (SELECT MAX(rowid) FROM order_events WHERE client_order_id = 'disk-filler')");
  // Room comes back in the last page, then is taken again by small rows freed one by one.
  dropLast.run();
  const small = db.prepare("INSERT INTO order_events (client_order_id, at, kind, to_status, detail) VALUES ('disk-filler', 0, 'filler', 'closed', 'x')");
  for (;;) {
    try {
      small.run();
    } catch {
      break;
    }
  }
  return { release: disk.release, freeOne: () => dropLast.run().changes === 1 };
}
