import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Journal file paths, each in a temporary directory of its own, and the clean-up of them all
 * (call `cleanup` in `afterEach`).
 */
export function tempJournals(prefix: string): { path: () => string; cleanup: () => void } {
  const dirs: string[] = [];
  return {
    path: () => {
      const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
      dirs.push(dir);
      return join(dir, 'journal.db');
    },
    cleanup: () => {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
