import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a module's source does not parse, and the parser's words for it. */
export interface ParseFailure {
  /** `SyntaxError: Unexpected token ';'` */
  text: string;
  /** `helpers.mjs:3:17`, relative to the config's folder when inside it. */
  at: string | null;
  /**
   * The module itself parses (`node --check` passes): the error is in a module it imports, or in
   * what it imports from one (`does not provide an export named …`). `at` is then the module.
   */
  inImports?: boolean;
}

/** The first error esbuild (tsx's compiler) reports: `/abs/file.ts:4:9: ERROR: Unexpected "="`. */
const ESBUILD_ERROR = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m;

/**
 * A module that failed to import because its source does not parse: a TypeScript file tsx could
 * not compile (esbuild's `TransformError`, whose stack is esbuild's own, not the file's) or a
 * JavaScript file node refused (a `SyntaxError` whose stack names no file). Null for any other
 * error, which the module's own code threw.
 */
export function parseFailure(e: Error, specifier: string, dir: string, located: boolean): ParseFailure | null {
  if (e.name === 'TransformError' || e.message.startsWith('Transform failed with')) {
    const m = ESBUILD_ERROR.exec(e.message);
    if (m === null) return { text: `SyntaxError: ${e.message.split('\n')[0] ?? e.message}`, at: null };
    return { text: `SyntaxError: ${m[4]}`, at: `${shown(existingFile(m[1]!), dir)}:${m[2]}:${m[3]}` };
  }
  if (e.name !== 'SyntaxError' || located || !specifier.startsWith('file:')) return null;
  const file = fileURLToPath(specifier);
  const text = `SyntaxError: ${e.message.split('\n')[0] ?? e.message}`;
  const site = nodeCheckSite(file, dir);
  return site === 'parses' ? { text, at: shown(file, dir), inImports: true } : { text, at: site ?? shown(file, dir) };
}

/**
 * node's stack of a SyntaxError in an imported ES module names neither file nor line; `node
 * --check` prints both (`/abs/file.mjs:3`, the line, a caret under the column), or passes
 * (`parses`) when the error is not the file's own. Run only on this
 * failure path, so a module that loads costs nothing.
 */
function nodeCheckSite(file: string, dir: string): string | 'parses' | null {
  const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return 'parses';
  const lines = (r.stderr ?? '').split('\n');
  const head = /^(.+):(\d+)$/.exec(lines[0] ?? '');
  if (head === null || head[1] !== file) return null;
  const caret = (lines[2] ?? '').indexOf('^');
  return `${shown(file, dir)}:${head[2]}${caret >= 0 ? `:${caret + 1}` : ''}`;
}

/**
 * The file esbuild's error names, as it is on disk: tsx hands esbuild a `.mjs` or `.cjs` file
 * under a `.js` name (and `.mts`/`.cts` under `.ts`), so `dep.js:1:18` is `dep.mjs` when only that
 * exists.
 */
function existingFile(named: string): string {
  if (existsSync(named)) return named;
  const m = /^(.*)\.([jt])s$/.exec(named);
  if (m === null) return named;
  return [`${m[1]}.m${m[2]}s`, `${m[1]}.c${m[2]}s`].find((f) => existsSync(f)) ?? named;
}

function shown(file: string, dir: string): string {
  return file.startsWith(`${dir}/`) ? relative(dir, file) : file;
}
