import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SystemClock } from '../core/clock.js';
import { coerceError, StoppedError, UserError } from '../core/errors.js';
import { createLogger, terminalFormat } from '../core/logger.js';
import { Redactor } from '../core/redact.js';
import { ensureWritableFile } from '../core/writable-file.js';
import { LOG_LEVELS } from '../config/schema.js';
import { keyAt } from '../config/positions.js';
import { configSecrets } from '../config/secrets.js';
import { Updater } from '../engine/updater.js';
import { flagMistake, joinDashValues } from './flag-mistake.js';
import type { CliIo } from './io.js';
import { DEFAULT_CONFIG } from './paths.js';
import { RUN_EXIT } from './exit-codes.js';
import { notStartedMessage, runExitCode } from './run-exit-code.js';
import { loadUnlessSignalled } from './signal-while-loading.js';
import { renderStatus, statusLine } from './status-view.js';

/** Usage of `misso run`. */
export const RUN_USAGE = `usage: misso run [CONFIG] [--for SECONDS] [--state-out FILE] [--http-port PORT] [--log-level LEVEL] [--new-journal] [--rekey-journal]

Runs the updater. Without CONFIG it runs the bundled example on the simulated exchange.
  --for SECONDS     stop gracefully after SECONDS and exit 0 (1 if misso had not reached running)
  --state-out FILE  write {"state": ..., "tasks": ...} as JSON when stopping
  --http-port PORT  serve /status, /metrics, /readyz and the live dashboard on 127.0.0.1:PORT
  --log-level LEVEL trace, debug, info, warn, error, fatal or silent (default: the config's, else info)
  --new-journal     start a new order journal where storage.path is an empty file (refused otherwise)
  --rekey-journal   take the journal over for this config's API key although its open orders were
                    placed with another key: only when the new key is the same account's (rotated)
Ctrl-C (SIGINT) or SIGTERM stops gracefully; a second signal forces the exit.`;

/** The options that take a value: `--for -1` is that value, refused in misso run's own words. */
const VALUED = ['--for', '--state-out', '--http-port', '--log-level'];

/** A mistake in `misso run`'s flags, told as every command tells one. */
function flagError(message: string): UserError {
  return new UserError(flagMistake('run', message));
}

function positiveNumber(flag: string, raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw flagError(`${flag} takes a positive number of seconds, not '${raw}'`);
  return n;
}

/** `misso run`. Resolves with the exit code once the updater has stopped. */
export async function runCommand(argv: string[], io: CliIo, signals: NodeJS.EventEmitter = process): Promise<number> {
  const { positionals, values } = parseArgs({
    args: joinDashValues(argv, VALUED),
    allowPositionals: true,
    options: {
      for: { type: 'string' },
      'state-out': { type: 'string' },
      'http-port': { type: 'string' },
      'log-level': { type: 'string' },
      'new-journal': { type: 'boolean' },
      'rekey-journal': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(`${RUN_USAGE}\n`);
    return RUN_EXIT.done;
  }
  if (positionals.length > 1) throw new UserError(`misso run: expected at most one CONFIG, got ${positionals.length}\n\n${RUN_USAGE}`);
  const forSecs = positiveNumber('--for', values.for);
  const httpPort = values['http-port'] === undefined ? null : Number(values['http-port']);
  if (httpPort !== null && (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65535)) {
    throw flagError(`--http-port takes a port number, not '${values['http-port']}'`);
  }
  const logLevel = values['log-level'];
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw flagError(`--log-level takes one of ${LOG_LEVELS.join(', ')}, not '${logLevel}'`);
  }
  const stateOut = values['state-out'] === undefined ? null : ensureWritableFile(values['state-out'], 'misso run: --state-out');
  const configPath = positionals[0] ?? DEFAULT_CONFIG;
  const live = Boolean(io.stdout.isTTY);

  // The logger is built from the validated config so its `logging` section applies.
  const loaded = await loadUnlessSignalled(Updater.fromFile(configPath, {
    newJournal: values['new-journal'] ?? false,
    rekeyJournal: values['rekey-journal'] ?? false,
    ...(httpPort === null ? {} : { httpPort }),
    logger: (config) =>
      createLogger({
        level: values['log-level'] ?? config.logging.level,
        file: config.logging.file ?? (live ? 'logs/misso.log' : null),
        fileKey: keyAt('logging.file', config.logging.filePos),
        ...terminalFormat(config.logging.terminal),
        // A live status screen owns the terminal: only warnings and errors are printed beside it.
        terminalLevel: live ? 'warn' : (values['log-level'] ?? config.logging.level),
        redactor: new Redactor(configSecrets(config)),
      }),
  }), io, signals);
  if (loaded === null) return RUN_EXIT.done;
  const updater = loaded;

  let stateLost = false;
  let started = false;
  // What ended the run (`--for 10`, `SIGINT`), for a start it ended before it was done.
  const forLabel = `--for ${values.for ?? ''}`;
  let stoppedBy: string | null = null;
  let signalled = 0;
  const onSignal = (sig: string): void => {
    signalled += 1;
    if (signalled === 1) {
      stoppedBy ??= sig;
      io.stderr.write(`\nmisso: ${sig} received, stopping (send it again to force)\n`);
      void updater.stop();
    } else {
      io.stderr.write(`misso: second ${sig}, forcing exit\n`);
      process.exit(RUN_EXIT.forced);
    }
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  signals.on('SIGINT', onInt);
  signals.on('SIGTERM', onTerm);

  let ticker: NodeJS.Timeout | null = null;
  let drawn = 0;
  const draw = (): void => {
    const snap = updater.snapshotStatus();
    if (live) {
      const width = (io.stdout as { columns?: number }).columns ?? 100;
      const lines = renderStatus(snap, true, width);
      const clear = drawn > 0 ? `\x1b[${drawn}A\x1b[0J` : '';
      io.stdout.write(`${clear}${lines.join('\n')}\n`);
      drawn = lines.length;
    } else {
      io.stdout.write(`${statusLine(snap)}\n`);
    }
  };
  // --for counts from now: it also bounds a start that waits for an unreachable exchange.
  // The clock's sleep, not setTimeout: `--for` past 24.8 days would overflow setTimeout and stop at once.
  const stopTimer = new AbortController();
  if (forSecs !== null) {
    void new SystemClock().sleep(forSecs * 1000, stopTimer.signal).then((done) => {
      if (!done) return undefined;
      stoppedBy ??= forLabel;
      return updater.stop();
    });
  }
  try {
    io.stderr.write(`misso: starting ${configPath} on ${updater.config.exchange.id}\n`);
    // The updater starts the status server (config `http:` or --http-port) before anything else.
    updater.once('listening', (url) =>
      io.stderr.write(
        `misso: status on ${url} (dashboard: ${updater.dashboardUrl ?? `${url}/`})\n` +
          `misso: control API ${url}/api (OpenAPI at /api/openapi.json), metrics ${url}/metrics\n`,
      ),
    );
    try {
      await updater.start();
      started = true;
    } catch (err: unknown) {
      // A stop requested while starting (Ctrl-C while the exchange is unreachable) is a clean stop.
      if (!(err instanceof StoppedError)) throw err;
    }
    // A start the stop ended has no status to show but the final one, drawn below.
    if (started) {
      draw();
      ticker = setInterval(draw, live ? 1000 : 5000);
    }
    await new Promise<void>((resolveStopped) => {
      if (updater.phase === 'stopped' || updater.phase === 'faulted') resolveStopped();
      updater.on('phase', (p) => (p === 'stopped' || p === 'faulted' ? resolveStopped() : undefined));
    });
  } finally {
    stopTimer.abort();
    if (ticker) clearInterval(ticker);
    await updater.stop();
    signals.off('SIGINT', onInt);
    signals.off('SIGTERM', onTerm);
    if (stateOut !== null) {
      try {
        writeFileSync(stateOut, `${JSON.stringify(updater.snapshot(), null, 2)}\n`);
        // Written all the same: a file left from an earlier run would pass for this one's.
        io.stderr.write(`misso: state written to ${stateOut}${started ? '' : " (the config's initial values only: misso never reached running)"}\n`);
      } catch (error: unknown) {
        io.stderr.write(`misso: could not write the state to ${stateOut}: ${updater.redactor.text(coerceError(error).message)}\n`);
        stateLost = true;
      }
    }
  }
  draw();
  const code = runExitCode(updater, { stateLost, forEndedStart: !started && stoppedBy === forLabel });
  if (code === RUN_EXIT.ordersLeftOpen) io.stderr.write('misso: on_stop cancel_all could not confirm every order cancelled; check the exchange by hand\n');
  if (!started && updater.phase !== 'faulted') {
    const lastError = updater.startRetryError;
    const lastErrorKind = updater.startRetryErrorKind;
    const init = Object.values(updater.taskStatuses()).find((t) => t.kind === 't_init_update' && t.failures > 0 && t.lastError !== null);
    const initFailure = init ? { failures: init.failures, lastError: init.lastError! } : null;
    io.stderr.write(`${notStartedMessage({ config: updater.config, configPath, lastError, lastErrorKind, stoppedBy: stoppedBy ?? 'a stop', initFailure })}\n`);
  }
  return code;
}
