import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');
const LAYER_DIRS = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

/** Every `.ts` file under src/, relative to src/. */
function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(SRC, join(e.parentPath, e.name)));
}

/** Expands `src/{a,b}/index.ts` into its paths. */
function expandBraces(path: string): string[] {
  const m = /^(.*)\{([^}]+)\}(.*)$/.exec(path);
  return m ? m[2]!.split(',').flatMap((part) => expandBraces(`${m[1]}${part}${m[3]}`)) : [path];
}

/**
 * The source files ARCHITECTURE.md names in backticks: `engine/updater.ts`, `src/index.ts`,
 * `orders/submit.ts#submitUntilSent` (a file and a name it must define) and, in the layer table,
 * bare names (`lifecycle.ts`) that live in the row's directory.
 */
function namedFiles(doc: string): { mention: string; file: string; symbol: string | null }[] {
  const out: { mention: string; file: string; symbol: string | null }[] = [];
  for (const line of doc.split('\n')) {
    const rowDirs = line.startsWith('|') ? [...line.matchAll(/`([a-z-]+)\/`/g)].map((m) => m[1]!) : [];
    for (const [, mention] of line.matchAll(/`([^`\s]+\.ts(?:#\w+)?)`/g)) {
      const [path, symbol = null] = mention!.split('#');
      for (const p of expandBraces(path!)) {
        const inSrc = p.startsWith('src/') ? p.slice(4) : p;
        if (inSrc.includes('/')) out.push({ mention: mention!, file: inSrc, symbol });
        else {
          // A bare name in a layer row: it must be in one of that row's directories.
          const dir = rowDirs.find((d) => existsSync(join(SRC, d, inSrc))) ?? rowDirs[0] ?? '';
          out.push({ mention: mention!, file: join(dir, inSrc), symbol });
        }
      }
    }
  }
  return out;
}

describe('ARCHITECTURE.md', () => {
  const doc = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');

  it('names only source files that exist, and names defined in them', () => {
    const named = namedFiles(doc);
    // The page walks through start, a freq pass and an order: it names dozens of files.
    expect(named.length).toBeGreaterThan(40);
    const missing = named.filter((n) => !existsSync(join(SRC, n.file))).map((n) => `${n.mention} (src/${n.file})`);
    expect(missing).toEqual([]);
    const undefinedNames = named
      .filter((n) => n.symbol !== null && !new RegExp(`\\b(function|class|const|let|interface|type)\\s+${n.symbol}\\b|\\b${n.symbol}\\s*\\(`).test(readFileSync(join(SRC, n.file), 'utf8')))
      .map((n) => n.mention);
    expect(undefinedNames).toEqual([]);
  });

  it('names only directories src/ has, and every directory src/ has is in the layer table', () => {
    const table = doc.split('\n').filter((l) => l.startsWith('|'));
    const tableDirs = table.flatMap((l) => [...l.matchAll(/`([a-z-]+)\/`/g)].map((m) => m[1]!));
    expect(tableDirs.filter((d) => !LAYER_DIRS.includes(d))).toEqual([]);
    // A directory holding only an entry (src/testing/index.ts) sits on top, outside the layers.
    const layered = LAYER_DIRS.filter((d) => readdirSync(join(SRC, d)).some((f) => f !== 'index.ts'));
    expect(layered.filter((d) => !tableDirs.includes(d))).toEqual([]);
  });
});

describe('the house', () => {
  it('keeps every src file (the dashboard scripts too) under 400 lines, and engine/updater.ts under 300', () => {
    const lines = (file: string): number => readFileSync(join(SRC, file), 'utf8').split('\n').length - 1;
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(100);
    // The dashboard's scripts too (plain JavaScript, served as files).
    const scripts = readdirSync(SRC, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.js'))
      .map((e) => relative(SRC, join(e.parentPath, e.name)));
    expect(scripts.length).toBeGreaterThan(3);
    expect([...files, ...scripts].filter((f) => lines(f) >= 400).map((f) => `src/${f}: ${lines(f)} lines`)).toEqual([]);
    expect(lines('engine/updater.ts')).toBeLessThan(300);
  });
});
