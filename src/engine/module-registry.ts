import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { coerceError, ModuleLoadError } from '../core/errors.js';
import * as asyncHelper from '../helpers/async-helper.js';
import * as helper from '../helpers/helper.js';
import { parseFailure } from './module-syntax.js';

/** The seed's module names and the built-in modules they stand for. */
export const BUILTIN_MODULES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  'Misso.services.async_helper': asyncHelper,
  'Misso.services.helper': helper,
};

const LOCAL_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

// When misso itself runs from TypeScript sources (tsx, vitest), a loader for .ts is active
// already; the compiled package registers tsx the first time a config names a .ts module, so
// plain JavaScript users never load it.
const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
/** This file: a stack frame here is misso's, not the module's. */
const SELF = fileURLToPath(import.meta.url);
/** misso's own code (src/ or dist/), whose frames sit below every import's. */
const OWN_CODE = `${dirname(dirname(SELF))}/`;
let tsLoader: Promise<void> | null = null;

function ensureTypeScriptLoader(): Promise<void> {
  // Both of tsx's hooks: in a project whose package.json says (or defaults to) CommonJS, node
  // takes a `.ts` file for CommonJS and loads it through `require`, which the ESM hook alone does
  // not compile (an ESM-syntax helper then fails as a "require() of ES Module in a cycle").
  tsLoader ??= Promise.all([import('tsx/cjs/api'), import('tsx/esm/api')]).then(([cjs, esm]) => {
    cjs.register();
    esm.register();
  });
  return tsLoader;
}

/**
 * A module's exports by name. A file node loaded as CommonJS (a `.js` helper, or a `.ts` one in
 * a CommonJS project, compiled by tsx) has its `module.exports` as `default`, and only the names
 * node could find by reading its source besides: those of `default` count too.
 */
function exportsOf(ns: Record<string, unknown>): Record<string, unknown> {
  const d = ns['default'];
  return d !== null && typeof d === 'object' && !Array.isArray(d) ? { ...(d as Record<string, unknown>), ...ns } : ns;
}

/** How long a module may take to load (its top-level code, a top-level await). */
const MODULE_LOAD_TIMEOUT_MS = 30_000;

/**
 * A module whose top level never finishes (an await on something that never comes) would leave
 * the check hanging, or node ending it with exit 13 and no word: it fails instead, saying so.
 */
async function withinLoadTime<T>(loading: Promise<T>, modul: string, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    const hint = "its top-level code waits for something that never comes: fix the module's top-level await, then run misso check again";
    timer = setTimeout(() => reject(new ModuleLoadError(`${modul} did not finish loading within ${ms / 1000} s (a top-level await that never settles?)`, hint)), ms);
  });
  try {
    return await Promise.race([loading, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A `modul:` that names a file rather than a package. */
function isPathLike(modul: string): boolean {
  return modul.startsWith('./') || modul.startsWith('../') || isAbsolute(modul) || /\.([cm]?[jt]s)$/.test(modul);
}

/** What a `modul:` may be besides a package, for the hints. */
const OTHER_MODULS = `${Object.keys(BUILTIN_MODULES).join(' or ')}, or a file from the config's folder (./my-helpers.ts)`;

/**
 * Loads what a subtask's `modul:` names: a built-in helper module, a file relative to the config
 * (`.ts`, `.mts`, `.js`, `.mjs`, whose extension may be left out, or `.cts`, `.cjs`), or an installed package, looked
 * up from `baseDir` (the config's folder). Throws a `ModuleLoadError` saying what was tried, or
 * the module's own error when its code threw as it loaded, each with its hint.
 */
export async function loadModule(modul: string, baseDir: string, loadTimeoutMs = MODULE_LOAD_TIMEOUT_MS): Promise<Record<string, unknown>> {
  const imported = async (specifier: string): Promise<Record<string, unknown>> => {
    try {
      return exportsOf(await withinLoadTime(import(specifier) as Promise<Record<string, unknown>>, modul, loadTimeoutMs));
    } catch (err: unknown) {
      throw loadFailure(modul, err, { baseDir, specifier });
    }
  };
  const builtin = BUILTIN_MODULES[modul];
  if (builtin) return builtin;
  if (isPathLike(modul)) {
    const base = resolve(baseDir, modul);
    const candidates = /\.([cm]?[jt]s)$/.test(base) ? [base] : LOCAL_EXTENSIONS.map((ext) => base + ext);
    const found = candidates.find((c) => existsSync(c));
    if (!found && /\.py$/.test(base)) throw new ModuleLoadError(`${modul} is a Python module: misso loads JavaScript or TypeScript`, `port the helper to ${modul.replace(/\.py$/, '.ts')} (or .js, .mjs), exporting the same function names`);
    if (!found) throw new ModuleLoadError(`no file ${candidates.join(' or ')}`, `a path is read from the config's folder (${resolve(baseDir)}): check the name and where the file is`);
    if (/\.[cm]?ts$/.test(found) && !RUNNING_FROM_SOURCE) await ensureTypeScriptLoader();
    return imported(pathToFileURL(found).href);
  }
  return imported(resolvePackage(modul, baseDir));
}

/** Python's own modules a seed config may name (`threading.Lock`, `multiprocessing.Queue`, …). */
const PYTHON_MODULES = new Set(['threading', 'multiprocessing', 'asyncio', 'collections', 'concurrent', 'logging', 'time', 'datetime', 'json', 'os', 'sys', 'math', 'random', 'ccxt.async_support', 'pandas', 'numpy']);

/**
 * A `modul:` that names Python, not npm: one of Python's own modules, or a dotted path with a
 * capital (`Misso.services.custom_helper`), which no npm package name can be.
 */
function looksLikePython(modul: string): boolean {
  return PYTHON_MODULES.has(modul) || (/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$/.test(modul) && /[A-Z]/.test(modul));
}

/** The package a bare `modul:` names: `pkg` of `pkg/sub`, `@scope/pkg` of `@scope/pkg/sub`. */
function packageName(modul: string): string {
  return /^(@[^/]+\/[^/]+|[^/]+)/.exec(modul)?.[1] ?? modul;
}

/**
 * What a failed import of `modul` is reported as: a package not installed where the config is,
 * a module that could not be loaded (a file or package it imports is missing), or the module's
 * own error, thrown by its top-level code, with where it was thrown.
 */
function loadFailure(modul: string, err: unknown, from: { baseDir: string; specifier: string }): ModuleLoadError {
  if (err instanceof ModuleLoadError) return err;
  const { baseDir, specifier } = from;
  const e = coerceError(err);
  const first = e.message.split('\n')[0] ?? e.message;
  const code = (e as { code?: unknown }).code;
  const name = packageName(modul);
  const dir = resolve(baseDir);
  // node names the package (`'pkg'`), vitest's loader the whole specifier (`'pkg/sub'`).
  if (code === 'ERR_MODULE_NOT_FOUND' && (first.startsWith(`Cannot find package '${name}'`) || first.startsWith(`Cannot find package '${name}/`)) && !isPathLike(modul)) {
    // `Misso.services.custom_helper`, `threading`: the seed's Python, which no npm package stands for.
    if (looksLikePython(modul)) {
      return new ModuleLoadError(`\`${modul}\` is a Python module, not a package misso can load`, `name ${OTHER_MODULS}, exporting the function`, { cause: err });
    }
    return new ModuleLoadError(
      `no package \`${name}\` in node_modules of the config's folder ${dir} or of a folder above it`,
      `install it there (npm install ${name}), or name ${OTHER_MODULS}`,
      { cause: err },
    );
  }
  if (typeof code === 'string' && isLoaderCode(code)) {
    return new ModuleLoadError(`it could not be loaded: ${first}`, `something \`${modul}\` needs is missing: install what it imports in the config's project (${dir}), or fix the import`, {
      cause: err,
    });
  }
  const at = throwSite(e, dir);
  const parse = parseFailure(e, specifier, dir, at !== null);
  if (parse?.inImports === true) {
    return new ModuleLoadError(
      `what it imports does not load: ${parse.text} (${parse.at} itself parses: the error is in a module it imports, or in what it imports from one)`,
      'fix that module or the import, then run misso check again',
      { cause: err },
    );
  }
  if (parse !== null) {
    const where = parse.at !== null ? ` (at ${parse.at})` : '';
    return new ModuleLoadError(`its source does not parse: ${parse.text}${where}`, 'fix the module there, then run misso check again', { cause: err });
  }
  const where = at !== null ? ` (at ${at})` : '';
  // Placed by a frame of running code (JSON.parse of a file it read, a RegExp built at the top
  // level), a SyntaxError is the module's own error, not its source's: that parsed.
  if (e.name === 'SyntaxError' && throwSite(e, dir, true) === null) {
    return new ModuleLoadError(`its source does not parse: ${e.name}: ${first}${where}`, 'fix the module there, then run misso check again', { cause: err });
  }
  const hint =
    "the error is the module's own, thrown by its top-level code as it was imported: fix the module, or give it what it reads then (an environment variable, a file), then run misso check again";
  return new ModuleLoadError(`it threw while loading: ${e.name}: ${first}${where}`, hint, { cause: err });
}

/**
 * The codes of node's module loader: the module, or something it imports, could not be found or
 * read as a module. Any other code (ERR_INVALID_URL of `new URL(process.env.X)`, ERR_ASSERTION,
 * ERR_INVALID_ARG_TYPE) is an error the module's own code threw.
 */
const LOADER_CODES = new Set([
  'ERR_MODULE_NOT_FOUND',
  'MODULE_NOT_FOUND',
  'ERR_UNSUPPORTED_DIR_IMPORT',
  'ERR_PACKAGE_PATH_NOT_EXPORTED',
  'ERR_PACKAGE_IMPORT_NOT_DEFINED',
  'ERR_UNKNOWN_FILE_EXTENSION',
  'ERR_UNKNOWN_MODULE_FORMAT',
  'ERR_UNKNOWN_BUILTIN_MODULE',
  'ERR_UNSUPPORTED_ESM_URL_SCHEME',
  'ERR_INVALID_MODULE_SPECIFIER',
  'ERR_INVALID_PACKAGE_CONFIG',
  'ERR_INVALID_PACKAGE_TARGET',
  'ERR_REQUIRE_ESM',
  'ERR_REQUIRE_CYCLE_MODULE',
  'ERR_REQUIRE_ASYNC_MODULE',
  'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING',
]);

function isLoaderCode(code: string): boolean {
  return LOADER_CODES.has(code) || code.startsWith('ERR_IMPORT_ATTRIBUTE_') || code.startsWith('ERR_IMPORT_ASSERTION_');
}

/** A file location in a stack trace: a file URL or an absolute path (not node's own, `node:internal/…`), a line and maybe a column. */
const SITE = /(file:\/\/\/[^\s()]+?|(?<![\w:.])\/[^\s():]+):(\d+)(?::(\d+))?/g;

/**
 * Where the module's code threw: the first file location in the error's stack outside node and
 * misso (a SyntaxError names it above its message), relative to `dir` when inside it.
 */
function throwSite(e: Error, dir: string, framesOnly = false): string | null {
  const whole = typeof e.stack === 'string' ? e.stack.replace(e.message, '') : '';
  // A parse error's place heads the stack (`/abs/file.cjs:1`); running code's is in its `at` frames.
  const stack = framesOnly ? whole.split('\n').filter((line) => /^\s+at /.test(line)).join('\n') : whole;
  for (const m of stack.matchAll(SITE)) {
    const file = m[1]!.startsWith('file:') ? fileURLToPath(m[1]!) : m[1]!;
    if (file === SELF || file.includes('/node_modules/tsx/') || (framesOnly && file.startsWith(OWN_CODE))) continue;
    return `${shownPath(file, dir)}:${m[2]}${m[3] === undefined ? '' : `:${m[3]}`}`;
  }
  return null;
}

/** `file` relative to `dir` when inside it (the config's folder), else as it is. */
function shownPath(file: string, dir: string): string {
  return file.startsWith(`${dir}/`) ? relative(dir, file) : file;
}

/**
 * A package as the config's project would find it (its `node_modules`, upwards from the config's
 * directory), not only where misso is installed (a global install, a checkout). A package that
 * only the ESM resolver can find (exports for `import` only) is left to it, from misso's place.
 */
function resolvePackage(modul: string, baseDir: string): string {
  const entry = esmEntry(modul, resolve(baseDir));
  if (entry !== null) return pathToFileURL(entry).href;
  try {
    return pathToFileURL(createRequire(join(resolve(baseDir), 'package.json')).resolve(modul)).href;
  } catch {
    return modul;
  }
}

/**
 * The file `import` would load for a bare package name from `dir`: the nearest
 * `node_modules/<name>` upwards, its `exports` read with the `import`, `node` and `default`
 * conditions, else `module`, `main` or index.js. Null for a subpath or what this does not read.
 */
function esmEntry(modul: string, dir: string): string | null {
  const name = /^(@[^/]+\/[^/]+|[^@/][^/]*)$/.exec(modul)?.[1];
  if (name === undefined) return null;
  for (let at = dir; ; at = dirname(at)) {
    const root = join(at, 'node_modules', name);
    if (existsSync(join(root, 'package.json'))) {
      const pkg = packageJson(join(root, 'package.json'), name);
      const exp = pkg.exports !== null && typeof pkg.exports === 'object' && '.' in pkg.exports ? (pkg.exports as Record<string, unknown>)['.'] : pkg.exports;
      const file = exp !== undefined ? conditional(exp) : [pkg.module, pkg.main, 'index.js'].find((f): f is string => typeof f === 'string');
      return file === null || file === undefined ? null : join(root, file);
    }
    if (dirname(at) === at) return null;
  }
}

/** A package's package.json, read; one that does not parse is a ModuleLoadError naming it. */
function packageJson(file: string, name: string): { exports?: unknown; module?: unknown; main?: unknown } {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { exports?: unknown; module?: unknown; main?: unknown };
  } catch (err: unknown) {
    const first = coerceError(err).message.split('\n')[0];
    throw new ModuleLoadError(`it could not be loaded: its package.json (${file}) does not parse: ${first}`, `fix or reinstall the package \`${name}\` (npm install ${name}), then run misso check again`, { cause: err });
  }
}

/** An `exports` target under the `import`, `node` and `default` conditions, or null. */
function conditional(target: unknown): string | null {
  if (typeof target === 'string') return target;
  if (target === null || typeof target !== 'object' || Array.isArray(target)) return null;
  for (const [key, value] of Object.entries(target)) {
    if (key !== 'import' && key !== 'node' && key !== 'default') continue;
    const found = conditional(value);
    if (found !== null) return found;
  }
  return null;
}

/** Splits `./my-tasks.ts#t_my_task` into the module and the export name. */
export function splitKindSpec(spec: string): { modul: string; exportName: string } | null {
  const hash = spec.lastIndexOf('#');
  if (hash <= 0 || hash === spec.length - 1) return null;
  return { modul: spec.slice(0, hash), exportName: spec.slice(hash + 1) };
}

/** Loads a user task kind `./file.ts#t_name`. */
export async function loadTaskKind(spec: string, baseDir: string): Promise<unknown> {
  const parts = splitKindSpec(spec);
  if (!parts) throw new Error(`'${spec}' is not a known task kind; a user kind reads ./file.ts#export_name`);
  const mod = await loadModule(parts.modul, baseDir);
  const value = mod[parts.exportName];
  if (value === undefined) throw new Error(`${parts.modul} has no export '${parts.exportName}'`);
  return value;
}

