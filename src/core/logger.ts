import { pino, type Logger, type LoggerOptions } from 'pino';
import { coerceError } from './errors.js';
import { FAULT_STACK_KEY, serializeLogError, serializeLogText } from './log-error.js';
import { redactPaths } from './redact-paths.js';
import { Redactor } from './redact.js';
import { ensureWritableFile } from './writable-file.js';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line. */
export const REDACT_PATHS = [
  'apiKey',
  'secret',
  'password',
  'token',
  'uid',
  'privateKey',
  'twofa',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.token',
  '*.privateKey',
  'exchange.apiKey',
  'exchange.secret',
  'config.exchange.apiKey',
  'config.exchange.secret',
];

const REDACT_CENSOR = '[redacted]';

/** Options for {@link createLogger}. */
export interface LogOptions {
  /** @defaultValue 'info' */
  level?: string;
  /** JSON lines are appended here when set. */
  file?: string | null;
  /** How a file that cannot be written is named in the error (`c.yaml:3:9: logging.file`). @defaultValue 'logging.file' */
  fileKey?: string;
  /** Human-readable lines on stderr (coloured on a TTY), else JSON lines. @defaultValue true when stderr is a TTY */
  pretty?: boolean;
  /** Minimum level shown on the terminal (the file still gets `level`). @defaultValue level */
  terminalLevel?: string;
  /** Write nothing to the terminal (tests). @defaultValue false */
  silent?: boolean;
  /**
   * Scrubs the config's secrets, by value, from every serialised line (whatever field or message
   * they hide in), after the path-based redaction. @defaultValue signed query strings only
   */
  redactor?: Redactor;
}

/**
 * The logger's serializers: `err` as pino's, but exchange faults' stacks set apart and HTML error
 * pages reduced to their title (see `serializeLogError`); `detail` (a classified failure's
 * message) without its HTML page too.
 */
export const LOG_SERIALIZERS = Object.freeze({ err: serializeLogError, detail: serializeLogText });

/**
 * A logger the caller passed, as a child that logs misso's lines as misso's own logger would:
 * the same paths redacted, errors serialised alike (HTML pages reduced to their title), and the
 * config's secrets and request signatures scrubbed by value from an error's and a detail's text.
 * The caller's own `redact` rules stay in force on misso's lines: pino's `child(…, { redact })`
 * would replace them, so misso's paths are applied to each line's object (a `formatters.log`
 * run before the caller's own, if any) and to what the `err` and `detail` serializers return.
 * What the child cannot reach is the rest of a line's text (misso's own logger scrubs every
 * line as it leaves), so free text with a secret in it is only as safe as the caller's logger.
 * A logger without pino's `child(bindings, options)` is used as it is.
 */
export function withMissoSerializers(logger: Logger, redactor: Redactor): Logger {
  const scrub = (value: unknown): unknown => scrubStrings(value, redactor, 0);
  const censorUnder = (key: string, value: unknown): unknown =>
    (redactPaths({ [key]: value }, REDACT_PATHS, REDACT_CENSOR) as Record<string, unknown>)[key];
  try {
    const callersLog = callersLogFormatter(logger);
    const log = (object: object): Record<string, unknown> => {
      const censored = redactPaths(object, REDACT_PATHS, REDACT_CENSOR) as Record<string, unknown>;
      return callersLog ? callersLog(censored) : censored;
    };
    return logger.child({}, {
      formatters: { log },
      serializers: {
        err: (e: unknown) => censorUnder('err', scrub(serializeLogError(e))),
        detail: (d: unknown) => censorUnder('detail', scrub(serializeLogText(d))),
      },
    });
  } catch {
    return logger;
  }
}

type LogFormatter = (object: Record<string, unknown>) => Record<string, unknown>;

/** The caller's `formatters.log`, which a child's own would otherwise replace. */
function callersLogFormatter(logger: Logger): LogFormatter | undefined {
  const formatters = (logger as unknown as Record<symbol, { log?: unknown } | undefined>)[pino.symbols.formattersSym];
  const log = formatters?.log;
  return typeof log === 'function' ? (log as LogFormatter).bind(formatters) : undefined;
}

/**
 * `value` with `redactor` applied to every string in it (a serialised error: message, stack,
 * cause). What lies deeper than the walk goes is written as its scrubbed JSON text, never raw.
 */
function scrubStrings(value: unknown, redactor: Redactor, depth: number): unknown {
  if (typeof value === 'string') return redactor.text(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 4) return deepText(value, redactor);
  if (Array.isArray(value)) return value.map((v) => scrubStrings(v, redactor, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubStrings(v, redactor, depth + 1);
  return out;
}

function deepText(value: object, redactor: Redactor): string {
  try {
    const json = JSON.stringify(value);
    return typeof json === 'string' ? redactor.text(json) : '[deep]';
  } catch {
    return '[deep]';
  }
}

/**
 * pino-pretty's options for the terminal. An exchange fault's stack (see `serializeLogError`)
 * is left out there: the line and the error's message say what happened; the JSON log keeps it.
 */
export function terminalPrettyOptions(colorize = true): Record<string, unknown> {
  return { destination: 2, colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: `pid,hostname,app,err.${FAULT_STACK_KEY}` };
}

/** `logging.terminal` as {@link LogOptions.pretty}: nothing for `auto` (readable on a terminal). */
export function terminalFormat(terminal: 'auto' | 'readable' | 'json' | undefined): Pick<LogOptions, 'pretty'> {
  return terminal === 'readable' ? { pretty: true } : terminal === 'json' ? { pretty: false } : {};
}

/** Builds the process logger: JSON lines to a file and/or readable lines on the terminal. */
export function createLogger(options: LogOptions = {}): Logger {
  const level = options.level ?? 'info';
  const redactor = options.redactor ?? Redactor.none();
  const base: LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: REDACT_CENSOR },
    base: { app: 'misso' },
    serializers: LOG_SERIALIZERS,
    // The last step before a line leaves the process: nothing gets past it, whatever its shape.
    hooks: { streamWrite: (line: string) => redactor.text(line) },
  };
  const targets: { target: string; level: string; options: Record<string, unknown> }[] = [];
  if (options.file) {
    targets.push({ target: 'pino/file', level, options: { destination: ensureWritableFile(options.file, options.fileKey ?? 'logging.file'), mkdir: true } });
  }
  if (!options.silent) {
    const terminalLevel = options.terminalLevel ?? level;
    if (options.pretty ?? process.stderr.isTTY) {
      targets.push({
        target: 'pino-pretty',
        level: terminalLevel,
        options: terminalPrettyOptions(Boolean(process.stderr.isTTY)),
      });
    } else {
      targets.push({ target: 'pino/file', level: terminalLevel, options: { destination: 2 } });
    }
  }
  if (targets.length === 0) return pino({ ...base, enabled: false });
  // The root level must let through what the most verbose target wants.
  base.level = lowestLevel(targets.map((t) => t.level));
  const transport = pino.transport({ targets });
  // A log that can no longer be written (disk full, file removed) must not end the run: say so once.
  let reported = false;
  transport.on('error', (error: unknown) => {
    if (reported) return;
    reported = true;
    process.stderr.write(`misso: the log cannot be written (${redactor.text(coerceError(error).message)}); running on without it\n`);
  });
  return pino(base, transport);
}

/** A logger that writes nothing, for tests and library users who bring none. */
export function silentLogger(): Logger {
  return pino({ enabled: false });
}

function lowestLevel(levels: string[]): string {
  const order = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
  return levels.reduce((a, b) => (order.indexOf(b) < order.indexOf(a) ? b : a));
}
