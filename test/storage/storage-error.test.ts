import { describe, expect, it } from 'vitest';
import { describeStorageError, storageUserError } from '../../src/storage/storage-error.js';

// better-sqlite3's own words when its install script never ran (npm 11 skips dependencies'
// install scripts it is not told to allow), or ran under another Node.
const NOT_BUILT = [
  'Could not locate the bindings file. Tried:\n → /p/node_modules/better-sqlite3/build/better_sqlite3.node\n → /p/node_modules/better-sqlite3/build/Debug/better_sqlite3.node',
  "The module '/p/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 127. This version of Node.js requires\nNODE_MODULE_VERSION 115.",
];

describe('a SQLite driver without its native module', () => {
  it('is named as the driver, not the file, with the rebuild as the next step', () => {
    for (const message of NOT_BUILT) {
      const p = describeStorageError(new Error(message), 'journal');
      expect(p.problem).toMatch(/^cannot be opened: SQLite's driver \(better-sqlite3\) has no native module built for this Node v\d+/);
      expect(p.problem).not.toContain('\n');
      expect(p.hint).toContain('npm rebuild better-sqlite3');
      expect(p.hint).toContain('npm install-scripts approve better-sqlite3');
      expect(storageUserError(new Error(message), 'journal', ':memory:').message).not.toContain('check storage.path');
    }
  });

  it('leaves other failures as they were', () => {
    expect(describeStorageError(new Error('something else'), 'journal')).toEqual({ kind: 'other', problem: 'failed: something else', hint: 'check storage.path' });
  });
});
