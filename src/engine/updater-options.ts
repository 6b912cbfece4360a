import type { Exchange } from 'ccxt';
import type { Clock } from '../core/clock.js';
import { createLogger, terminalFormat, withMissoSerializers, type Logger } from '../core/logger.js';
import type { Redactor } from '../core/redact.js';
import { keyAt } from '../config/positions.js';
import type { MissoConfig } from '../config/types.js';
import type { TaskHealth } from '../core/task-status.js';
import type { StatusEvent } from '../http/types.js';
import type { Notifier } from '../notify/index.js';
import type { UpdaterPhase } from './lifecycle.js';
import type { TaskKind, TaskRuntime } from '../tasks/contract.js';

/** Options for building an {@link Updater}. */
export interface UpdaterOptions {
  /** @defaultValue the wall clock */
  clock?: Clock;
  /** A logger, or a function that builds one from the validated config. @defaultValue pino, from the config's `logging` section */
  logger?: Logger | ((config: MissoConfig) => Logger);
  /** Environment for `${VAR}` references. @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Extra task kinds, by name, known when the config is validated. */
  taskKinds?: Readonly<Record<string, TaskKind | ((rt: TaskRuntime) => Promise<void> | void)>>;
  /** Use this exchange instead of building one from the config (tests, custom sessions). */
  exchangeFactory?: () => Promise<Exchange>;
  /** Override `storage.path` (e.g. `:memory:`). */
  storagePath?: string;
  /**
   * Start a new journal where the file exists but is empty (`misso run --new-journal`); without
   * it such a file is refused. @defaultValue false
   */
  newJournal?: boolean;
  /**
   * Take the journal over for this config's API key although its pending or open orders were
   * placed with another key (`misso run --rekey-journal`): say so only when the new key belongs
   * to the same account (a rotated key). Without it such a journal is refused. @defaultValue false
   */
  rekeyJournal?: boolean;
  /** Override the notifier. */
  notifier?: Notifier;
  /** Directory relative `modul:` paths resolve against when building from an object. @defaultValue cwd */
  baseDir?: string;
  /** Uniform [0,1) source for backoff jitter. @defaultValue Math.random */
  random?: () => number;
  /** How many times the init update is tried before `start()` fails. @defaultValue 5 */
  initAttempts?: number;
  /** Override `http.port`: a port (0: any free one) for the status server, or null for none. @defaultValue the config's `http.port` */
  httpPort?: number | null;
  /**
   * Backoff of the exchange calls made while starting (opening the session, the first
   * reconciliation, the init update), which are retried until they work or the updater stops.
   * @defaultValue {baseMs: 250, maxMs: 2000}
   */
  startRetry?: { baseMs?: number; maxMs?: number };
}

/** Events an updater emits. */
export interface UpdaterEvents {
  change: [{ name: string; value: unknown; source: string; at: number }];
  task: [{ name: string; status: TaskHealth; error: Error | null }];
  phase: [UpdaterPhase];
  status: [StatusEvent];
  /** The status server (config `http:`) is listening at this URL. */
  listening: [url: string];
}

/** The logger an updater uses: the option's (or the one it builds), else pino from the config's `logging`. */
export function loggerFor(config: MissoConfig, option: UpdaterOptions['logger'], redactor: Redactor): Logger {
  const given = typeof option === 'function' ? option(config) : option;
  if (typeof option === 'function' && !isLogger(given)) {
    throw new TypeError(`the Updater option logger is a function, which must return a pino logger, but it returned ${describe(given)}`);
  }
  return given ? withMissoSerializers(given, redactor) : createLogger({ level: config.logging.level, file: config.logging.file, fileKey: keyAt('logging.file', config.logging.filePos), ...terminalFormat(config.logging.terminal), redactor });
}

/** The backoff of the calls made while starting: the `startRetry` option with its defaults, and `random`. */
export function startRetryOf(options: UpdaterOptions): { baseMs: number; maxMs: number; random?: () => number } {
  const given = options.startRetry ?? {};
  // One given alone moves the other's default: {baseMs: 5000} retries every 5 s, {maxMs: 100} starts at 100.
  const baseMs = given.baseMs ?? Math.min(250, given.maxMs ?? 250);
  const maxMs = given.maxMs ?? Math.max(2000, baseMs);
  return { baseMs, maxMs, ...(options.random ? { random: options.random } : {}) };
}

/** Every option `Updater.fromFile` / `fromConfig` takes; the type below fails to compile if one is missing. */
const OPTION_KEYS = [
  'clock', 'logger', 'env', 'taskKinds', 'exchangeFactory', 'storagePath', 'newJournal', 'rekeyJournal', 'notifier', 'baseDir', 'random',
  'initAttempts', 'httpPort', 'startRetry',
] as const;
type Unlisted = Exclude<keyof UpdaterOptions, (typeof OPTION_KEYS)[number]>;
const allListed: [Unlisted] extends [never] ? true : Unlisted = true;
void allListed;

const LOGGER_METHODS = ['debug', 'info', 'warn', 'error', 'child'] as const;

/**
 * The options an updater is built with, checked before the config is read: a JavaScript caller's
 * mistake (a misspelt key, a negative backoff that would hammer an exchange that is down, a
 * level name given as the logger) is a `TypeError` or `RangeError` naming the option, not a
 * failure deep inside `start()` or `stop()`. Returns the options (`{}` for undefined).
 */
export function checkUpdaterOptions(options: unknown): UpdaterOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`Updater options must be an object, got ${describe(options)}`);
  }
  const o = options as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(OPTION_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new TypeError(`unknown Updater option(s): ${unknown.join(', ')}; the options are ${OPTION_KEYS.join(', ')}`);
  kind(o, 'clock', 'a Clock ({now(), sleep(ms, signal)})', (v) => hasMethods(v, ['now', 'sleep']));
  kind(o, 'logger', 'a pino logger or a function of the config returning one', (v) => typeof v === 'function' || isLogger(v));
  kind(o, 'env', 'an object of environment variables', isObject);
  kind(o, 'taskKinds', 'an object of task kinds by name', isObject);
  kind(o, 'exchangeFactory', 'a function returning a ccxt exchange', (v) => typeof v === 'function');
  kind(o, 'storagePath', 'a path (string)', (v) => typeof v === 'string' && v.length > 0);
  kind(o, 'newJournal', 'true or false', (v) => typeof v === 'boolean');
  kind(o, 'rekeyJournal', 'true or false', (v) => typeof v === 'boolean');
  kind(o, 'notifier', 'a Notifier ({notify(message), close()})', (v) => hasMethods(v, ['notify', 'close']));
  kind(o, 'baseDir', 'a directory (string)', (v) => typeof v === 'string' && v.length > 0);
  kind(o, 'random', 'a function returning a number in [0, 1)', (v) => typeof v === 'function');
  range(o, 'initAttempts', 'an integer of at least 1', (v) => Number.isInteger(v) && v >= 1);
  if (o['httpPort'] !== null) range(o, 'httpPort', 'an integer from 0 to 65535 (0: any free port), or null for no status server', (v) => Number.isInteger(v) && v >= 0 && v <= 65535);
  const retry = o['startRetry'];
  if (retry !== undefined) {
    kind(o, 'startRetry', 'an object {baseMs?, maxMs?}', isObject);
    const r = retry as Record<string, unknown>;
    const extra = Object.keys(r).filter((k) => k !== 'baseMs' && k !== 'maxMs');
    if (extra.length > 0) throw new TypeError(`unknown key(s) in the Updater option startRetry: ${extra.join(', ')}; give {baseMs?, maxMs?}`);
    range(r, 'baseMs', 'a number of milliseconds above 0', (v) => Number.isFinite(v) && v > 0, 'startRetry.');
    range(r, 'maxMs', 'a number of milliseconds above 0', (v) => Number.isFinite(v) && v > 0, 'startRetry.');
    const { baseMs, maxMs } = r as { baseMs?: number; maxMs?: number };
    // Only two given ones can disagree: a default gives way to the one given (startRetryOf).
    if (baseMs !== undefined && maxMs !== undefined && maxMs < baseMs) throw new RangeError(`the Updater option startRetry.maxMs (${maxMs}) is below startRetry.baseMs (${baseMs}); the backoff starts at baseMs and grows to maxMs`);
  }
  return o as UpdaterOptions;
}

/** Whether `value` can be logged to as misso does (pino's methods). */
export function isLogger(value: unknown): boolean {
  return hasMethods(value, LOGGER_METHODS);
}

function kind(o: Record<string, unknown>, key: string, what: string, ok: (v: unknown) => boolean): void {
  const v = o[key];
  if (v !== undefined && !ok(v)) throw new TypeError(`the Updater option ${key} must be ${what}, got ${describe(v)}`);
}

function range(o: Record<string, unknown>, key: string, what: string, ok: (v: number) => boolean, prefix = ''): void {
  const v = o[key];
  if (v === undefined) return;
  if (typeof v !== 'number') throw new TypeError(`the Updater option ${prefix}${key} must be ${what}, got ${describe(v)}`);
  if (!ok(v)) throw new RangeError(`the Updater option ${prefix}${key} must be ${what}, got ${describe(v)}`);
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasMethods(v: unknown, names: readonly string[]): boolean {
  return typeof v === 'object' && v !== null && names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function');
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object' && v !== null) return `an object with keys ${Object.keys(v).join(', ') || '(none)'}`;
  return String(v);
}
