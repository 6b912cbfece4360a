import type { Exchange } from 'ccxt';
import type { Clock } from '../core/clock.js';
import { createLogger, withMissoSerializers, type Logger } from '../core/logger.js';
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
  return given ? withMissoSerializers(given, redactor) : createLogger({ level: config.logging.level, file: config.logging.file, fileKey: keyAt('logging.file', config.logging.filePos), redactor });
}

/** The backoff of the calls made while starting: the `startRetry` option with its defaults, and `random`. */
export function startRetryOf(options: UpdaterOptions): { baseMs: number; maxMs: number; random?: () => number } {
  const { baseMs = 250, maxMs = 2000 } = options.startRetry ?? {};
  return { baseMs, maxMs, ...(options.random ? { random: options.random } : {}) };
}
