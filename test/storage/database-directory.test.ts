/**
 * The journal's directory is made one level at a time: Node's recursive mkdir never returns for a
 * path under /proc and spins on the event loop's thread, so `misso run` with such a storage.path
 * hung for good, deaf to signals and to `--for`. It is refused at once, as a UserError naming it.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { openDatabase } from '../../src/storage/database.js';
import { JOURNAL_MIGRATIONS } from '../../src/storage/migrations.js';

describe("the journal's directory", () => {
  it.runIf(existsSync('/proc/self'))('under /proc is refused at once, naming the path and storage.path', () => {
    const started = Date.now();
    expect(() => openDatabase({ path: '/proc/nope/deeper/x.db', migrations: JOURNAL_MIGRATIONS })).toThrow(UserError);
    expect(() => openDatabase({ path: '/proc/nope/x.db', migrations: JOURNAL_MIGRATIONS })).toThrow(/cannot create the directory of journal \/proc\/nope\/x\.db: .*ENOENT.*; point storage\.path elsewhere/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('that does not exist yet is made, several levels deep', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'misso-dir-')), 'a', 'b', 'journal.db');
    const opened = openDatabase({ path, migrations: JOURNAL_MIGRATIONS });
    opened.close();
    expect(existsSync(path)).toBe(true);
  });
});
