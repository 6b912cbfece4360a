import { isUtf8 } from 'node:buffer';
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { coerceError } from '../core/errors.js';
import { ConfigError, NEXT_STEP_FOR_OBJECT, nextStepForFile, type ConfigProblem } from './config-error.js';
import type { ConfigContext } from './context.js';
import { isPlainObject } from './env.js';
import { CONFIG_LIMITS } from './limits.js';
import { deepFreeze, normaliseConfig } from './normalise.js';
import { PositionIndex, formatPath, type ConfigPath } from './positions.js';
import { rawConfigSchema } from './schema.js';
import type { MissoConfig } from './types.js';
import { checkExchange, checkProcess, resolveSecrets } from './validate-sections.js';
import { checkTaskOptionValues } from './validate-options.js';
import { checkStreamMethods, checkStreamSettings } from './validate-streams.js';
import { checkHttpExposure, resolveHttpToken } from './validate-http.js';
import { checkInteractor, checkNotifyUrls } from './validate-notify.js';
import { checkLocalFiles } from './validate-files.js';
import { checkReferences } from './validate-tasks.js';
import { parseYamlWithPositions } from './yaml-positions.js';
import { reportZodIssues } from './zod-issues.js';

/** Options of {@link loadConfigObject}. */
export interface LoadObjectOptions {
  /** Directory that relative `modul` paths and user task kinds resolve against. @defaultValue process.cwd() */
  baseDir?: string;
}

/** Options of {@link loadConfigText}. */
export interface LoadTextOptions {
  /** @defaultValue the directory of `file` */
  baseDir?: string;
}

const OBJECT_FILE = '<config object>';

/**
 * Reads, validates and normalises a YAML config file. Every problem is collected before anything
 * is thrown: a {@link ConfigError} (exit code 2) lists them all as `FILE:LINE:COL: path: message`.
 * The result is deeply frozen; copy `classAttributes` values before mutating them as state.
 */
export async function loadConfigFile(path: string, ctx: ConfigContext | (() => Promise<ConfigContext>)): Promise<MissoConfig> {
  const text = await readConfigText(path);
  return loadConfigText(text, path, ctx);
}

/** How long a pipe's writer may take to open it and write the config. */
const PIPE_WAIT_MS = 10_000;

/**
 * Reads a config file, refusing one over {@link CONFIG_LIMITS.maxBytes} without reading the rest
 * (a config is a few kilobytes; a device or a log file named by mistake is not).
 */
export async function readConfigText(path: string, pipeWaitMs = PIPE_WAIT_MS): Promise<string> {
  const fail = (message: string, next: string): ConfigError =>
    new ConfigError([{ file: path, line: 0, col: 0, path: '', message }], next);
  try {
    // A device or socket is no config. A pipe is read (`cat c.yaml | misso check /dev/stdin`),
    // opened without waiting for a writer: a plain open of a named pipe nothing writes to blocks
    // for good, and a signal cannot end that wait.
    const kind = await stat(path);
    const pipe = kind.isFIFO();
    if (!kind.isFile() && !kind.isDirectory() && !pipe) {
      throw fail(`cannot read the config: it is not a regular file (${kind.isSocket() ? 'a socket' : 'a device'})`, 'give the path of the config file itself');
    }
    const handle = await open(path, pipe ? constants.O_RDONLY | constants.O_NONBLOCK : 'r');
    try {
      const buffer = Buffer.alloc(CONFIG_LIMITS.maxBytes + 1);
      let filled = 0;
      for (let waitedMs = 0; ; ) {
        const bytesRead = await handle.read(buffer, filled, buffer.length - filled, null).then(
          (r) => r.bytesRead,
          (error: unknown) => {
            // A pipe whose writer has not written yet: wait for it a little, at most PIPE_WAIT_MS.
            if (!pipe || (error as { code?: unknown }).code !== 'EAGAIN' || waitedMs >= pipeWaitMs) throw error;
            return null;
          },
        );
        // Nothing read and no writer yet (a pipe's writer may open it after us): wait as for data.
        if (bytesRead === null || (pipe && bytesRead === 0 && filled === 0 && waitedMs < pipeWaitMs)) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          waitedMs += 20;
          continue;
        }
        if (bytesRead === 0) break;
        filled += bytesRead;
        if (filled > CONFIG_LIMITS.maxBytes) {
          throw fail(`the config is larger than ${CONFIG_LIMITS.maxBytes} bytes`, 'a config is a few kilobytes: check that this is the right file');
        }
      }
      if (pipe && filled === 0) throw fail('cannot read the config: the named pipe gave nothing (nothing writes to it)', 'give the path of the config file itself, or write the config into the pipe');
      const bad = firstNonUtf8Line(buffer.subarray(0, filled));
      if (bad !== undefined) {
        throw new ConfigError(
          [{ file: path, line: bad, col: 1, path: '', message: 'this line is not UTF-8 text' }],
          'save the config as UTF-8 (a binary file or another encoding was given)',
        );
      }
      return buffer.toString('utf8', 0, filled);
    } finally {
      await handle.close();
    }
  } catch (error: unknown) {
    if (error instanceof ConfigError) throw error;
    const code = (error as { code?: unknown }).code;
    const message = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : coerceError(error).message;
    throw fail(`cannot read the config: ${message}`, 'check the path and try again');
  }
}

/**
 * The 1-based line of the first bytes that are not UTF-8, or undefined when all are: decoding would
 * silently turn them into U+FFFD and run a config that differs from the file.
 */
function firstNonUtf8Line(bytes: Buffer): number | undefined {
  if (isUtf8(bytes)) return undefined;
  let line = 1;
  for (let start = 0; start < bytes.length; line++) {
    const end = bytes.indexOf(0x0a, start);
    const stop = end === -1 ? bytes.length : end;
    if (!isUtf8(bytes.subarray(start, stop))) return line;
    start = stop + 1;
  }
  return line;
}

/**
 * Validates and normalises YAML text as if read from `file` (which names it in errors and is the
 * base for relative `modul` paths unless `baseDir` is given).
 */
export async function loadConfigText(
  text: string,
  file: string,
  ctx: ConfigContext | (() => Promise<ConfigContext>),
  options: LoadTextOptions = {},
): Promise<MissoConfig> {
  if (Buffer.byteLength(text, 'utf8') > CONFIG_LIMITS.maxBytes) {
    throw new ConfigError([{ file, line: 0, col: 0, path: '', message: `the config is larger than ${CONFIG_LIMITS.maxBytes} bytes` }], nextStepForFile(file));
  }
  const parsed = parseYamlWithPositions(text, file);
  if (parsed.problems.length > 0) throw new ConfigError(parsed.problems, nextStepForFile(file));
  return check(parsed.value, parsed.positions, {
    displayFile: file,
    file: resolve(file),
    baseDir: options.baseDir ?? dirname(resolve(file)),
    // The context may be built lazily: it loads ccxt, which a file refused by its syntax never needs.
    ctx: typeof ctx === 'function' ? await ctx() : ctx,
    nextStep: nextStepForFile(file),
  });
}

/**
 * Validates and normalises a config given as a plain object in the YAML's shape (snake_case keys,
 * `'None'` read as null). Errors name `<config object>` and the path, without line numbers.
 */
export async function loadConfigObject(obj: unknown, ctx: ConfigContext, options: LoadObjectOptions = {}): Promise<MissoConfig> {
  const problems: ConfigProblem[] = [];
  const value = copyPlain(obj, [], problems);
  if (problems.length > 0) throw new ConfigError(problems, NEXT_STEP_FOR_OBJECT);
  return check(value, new PositionIndex(), {
    displayFile: OBJECT_FILE,
    file: null,
    baseDir: resolve(options.baseDir ?? process.cwd()),
    ctx,
    nextStep: NEXT_STEP_FOR_OBJECT,
  });
}

interface CheckSource {
  displayFile: string;
  file: string | null;
  baseDir: string;
  ctx: ConfigContext;
  nextStep: string;
}

async function check(raw: unknown, positions: PositionIndex, source: CheckSource): Promise<MissoConfig> {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  const add = (path: ConfigPath, prefer: 'key' | 'value', message: string, hint?: string): void => {
    const at = positions.locate(path, prefer);
    const problem: ConfigProblem = { file: source.displayFile, ...at, path: formatPath(path), message };
    if (hint !== undefined) problem.hint = hint;
    const id = JSON.stringify(problem);
    if (seen.has(id)) return;
    seen.add(id);
    problems.push(problem);
  };
  const report = (path: ConfigPath, message: string, hint?: string): void => add(path, 'value', message, hint);
  const reportKey = (path: ConfigPath, message: string, hint?: string): void => add(path, 'key', message, hint);

  if (raw === null || raw === undefined) {
    report([], 'the config is empty', 'a config needs at least a `tasks:` section');
    throw new ConfigError(problems, source.nextStep);
  }
  const resolved = resolveHttpToken(resolveSecrets(withoutExtensions(raw), source.ctx.env ?? process.env, report), source.ctx.env ?? process.env, report);
  const result = rawConfigSchema.safeParse(resolved);
  if (!result.success) {
    // A value already refused (a literal secret, an unset variable) needs no second complaint about its type.
    const refused = new Set(problems.map((p) => p.path));
    const reportShape = (path: ConfigPath, message: string, hint?: string): void => {
      if (!refused.has(formatPath(path))) report(path, message, hint);
    };
    reportZodIssues(result.error.issues, rawConfigSchema, resolved, reportShape, reportKey, (path) => positions.wroteNone(path));
  }
  const exchangeId = isPlainObject(resolved) && isPlainObject(resolved['exchange']) ? (resolved['exchange']['id'] ?? 'sim') : 'sim';
  if (typeof exchangeId === 'string' && source.ctx.exchangeIds?.has(exchangeId) !== false) await source.ctx.prepareExchange?.(exchangeId);
  checkExchange(resolved, source.ctx, report, reportKey);
  checkTaskOptionValues(resolved, source.ctx, report);
  checkStreamMethods(resolved, source.ctx, report, reportKey);
  checkStreamSettings(resolved, report);
  checkHttpExposure(resolved, report);
  checkProcess(resolved, report);
  checkInteractor(resolved, report);
  checkLocalFiles(resolved, report);
  checkNotifyUrls(resolved, report);
  await checkReferences(resolved, source.ctx, source.baseDir, report, reportKey, (path) => positions.wroteNone(path));

  if (problems.length > 0 || !result.success) throw new ConfigError(problems, source.nextStep);
  const config = normaliseConfig(result.data, {
    file: source.file,
    displayFile: source.displayFile,
    baseDir: source.baseDir,
    positions,
  });
  return deepFreeze(config);
}

/** Copies plain objects and arrays (reading the string `'None'` as null); other values are kept as they are. */
function copyPlain(value: unknown, path: ConfigPath, problems: ConfigProblem[], within = new Set<object>()): unknown {
  const refuse = (message: string): undefined => {
    problems.push({ file: OBJECT_FILE, line: 0, col: 0, path: formatPath(path), message });
    return undefined;
  };
  if (value === 'None') return null;
  // A config is data, as its YAML would be: a function or a symbol cannot be written in one.
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
    return refuse(`a ${typeof value} is not config data; give the updater such values in code once it is built (updater.state.set)`);
  }
  if (typeof value === 'object' && value !== null && within.has(value)) return refuse('this value contains itself (a circular reference); a config is a tree');
  if (Array.isArray(value)) {
    within.add(value);
    const out = value.map((item, i) => copyPlain(item, [...path, i], problems, within));
    within.delete(value);
    return out;
  }
  if (!isPlainObject(value)) return value;
  within.add(value);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === '__proto__') {
      problems.push({ file: OBJECT_FILE, line: 0, col: 0, path: formatPath([...path, key]), message: 'this key is not allowed' });
      continue;
    }
    out[key] = copyPlain(item, [...path, key], problems, within);
  }
  within.delete(value);
  return out;
}

/**
 * The config without its top-level `x-` keys: the file's own blocks (shared values kept for their
 * anchors, `x-defaults: &d` merged with `<<: *d`, as in Compose files), which misso does not read.
 */
function withoutExtensions(raw: unknown): unknown {
  if (!isPlainObject(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([key]) => !key.startsWith('x-')));
}
