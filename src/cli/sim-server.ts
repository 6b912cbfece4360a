import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { coerceError, UserError } from '../core/errors.js';
import { listenFault } from '../core/listen-fault.js';
import { createLogger } from '../core/logger.js';
import {
  DEFAULT_SIM_API_KEY,
  DEFAULT_SIM_PORT,
  DEFAULT_SIM_SECRET,
  DEFAULT_SIM_SEED,
  describeFaultSyntax,
  isLoopbackHost,
  NON_LOOPBACK_WARNING,
  startSimServer,
  type SimServer,
} from '../sim/http/binance-server.js';
import { parseFaultSpec } from '../sim/http/fault-spec.js';
import { flagMistake, joinDashValues, parseArgsMessage } from './flag-mistake.js';

/** Where the command writes, and an optional way to stop it without a signal (tests). */
export interface SimServerCommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Aborting it stops the server like SIGTERM does. */
  signal?: AbortSignal;
  /** Called once the server listens (tests read the port from it). */
  onListening?: (server: SimServer) => void;
  /**
   * Where SIGINT and SIGTERM are heard (the CLI's relay, see `process-signals.ts`), else the
   * process. Heard from the command's first moment: one while the server starts stops it as soon
   * as it listens.
   */
  signals?: NodeJS.EventEmitter;
}

export const SIM_SERVER_USAGE = `Usage: misso sim-server [--host 127.0.0.1] [--port ${DEFAULT_SIM_PORT}] [--seed N] [--markets N] [--funding] [--no-liquidation] [--faults SPEC]
                        [--api-key KEY] [--secret SECRET] [--clock-offset-ms N] [--listen-key-ttl SECS]
                        [--log-level LEVEL] [--help]

Serves the simulated market over the Binance USD-M futures REST dialect, so that an unmodified
ccxt.binanceusdm can trade against it once every URL in its urls.api has this server as origin,
paths kept (https://fapi.binance.com/fapi/v1 -> http://127.0.0.1:8555/fapi/v1; the engine config
exchange.urls: {api: http://127.0.0.1:8555} does that). Give ccxt the options
fetchCurrencies: false and fetchOpenOrders: {warnWithoutSymbol: false}.

  --host HOST        address to listen on (default 127.0.0.1)
  --port PORT        port to listen on, 0 for any free port (default ${DEFAULT_SIM_PORT})
  --seed N           seed of the markets, prices and fault draws (default ${DEFAULT_SIM_SEED})
  --markets N        number of perpetuals, 1 to 5000 (default 40)
  --funding          perpetuals carry a seeded funding rate and open positions pay or receive it
                     at 00:00, 08:00 and 16:00 UTC (default off: rate 0, nothing charged)
  --no-liquidation   never liquidate: equity may go negative (default: an account whose margin balance
                     falls to its maintenance margin is liquidated, as on Binance)
  --faults SPEC      HTTP faults to inject (default none; syntax below)
  --api-key KEY      the only API key accepted (default $MISSO_SIM_API_KEY or ${DEFAULT_SIM_API_KEY})
  --secret SECRET    its HMAC secret (default $MISSO_SIM_SECRET or ${DEFAULT_SIM_SECRET})
  --clock-offset-ms N run the server's clock N ms ahead of this machine's (negative: behind, e.g. -500);
                     at most a day either way; server time, timestamps and the recvWindow check all use it (default 0)
  --listen-key-ttl SECS a user-data listenKey not kept alive (PUT /fapi/v1/listenKey) expires after SECS
                     seconds, 1 to 86400: listenKeyExpired, then the user stream closes (default 3600, Binance's
                     hour; ccxt keeps its key alive every 20 min, options.listenKeyRefreshRate in ms)
  --log-level LEVEL  log level on stderr: debug, info, warn, error (default warn)
  --help             print this help

Admin endpoints (no auth; same origin only, POSTs as application/json): GET /__misso/counters,
POST /__misso/counters/reset, GET /__misso/faults, POST /__misso/faults with {"spec": "..."}
switches faults at run time. Binding beyond loopback prints a warning.
SIGINT or SIGTERM stops the server (exit 0); a second signal stops it at once (exit 130). Bad flags, a port
in use and a host that is not an address of this machine exit 2.

`;

interface ParsedFlags {
  host: string;
  port: number;
  seed: number;
  markets: number;
  funding: boolean;
  liquidation: boolean;
  faults: string | undefined;
  apiKey: string;
  secret: string;
  clockOffsetMs: number;
  listenKeyTtlSecs: number | undefined;
  logLevel: string;
  help: boolean;
}

/**
 * `misso sim-server`: parses `argv` (the arguments after the command name), starts the server,
 * prints its address and runs until SIGINT/SIGTERM (or `io.signal`). Returns the exit code:
 * 0 after a clean stop, 2 for bad flags or an address that cannot be listened on (a port in
 * use, a host not of this machine), 1 when the server cannot start for another reason.
 */
export async function simServerCommand(argv: string[], io: SimServerCommandIo): Promise<number> {
  let flags: ParsedFlags;
  try {
    flags = parseFlags(argv);
  } catch (error: unknown) {
    io.stderr.write(`${flagMistake('sim-server', parseArgsMessage(error) ?? coerceError(error).message)}\n`);
    return 2;
  }
  if (flags.help) {
    io.stdout.write(`${SIM_SERVER_USAGE}${describeFaultSyntax()}\n`);
    return 0;
  }

  const logger = createLogger({ level: flags.logLevel, pretty: false });
  const signals: NodeJS.EventEmitter = io.signals ?? process;
  let early: string | null = null;
  const noteEarly = (sig: NodeJS.Signals): void => void (early ??= sig);
  signals.on('SIGINT', noteEarly).on('SIGTERM', noteEarly);
  let server: SimServer;
  try {
    server = await startSimServer({
      host: flags.host,
      port: flags.port,
      seed: flags.seed,
      markets: flags.markets,
      funding: flags.funding,
      liquidation: flags.liquidation,
      apiKey: flags.apiKey,
      secret: flags.secret,
      clockOffsetMs: flags.clockOffsetMs,
      ...(flags.listenKeyTtlSecs === undefined ? {} : { listenKeyValidityMs: flags.listenKeyTtlSecs * 1000 }),
      logger,
      ...(flags.faults === undefined ? {} : { faults: flags.faults }),
    });
  } catch (error: unknown) {
    signals.off('SIGINT', noteEarly).off('SIGTERM', noteEarly);
    // A spec the server refuses (a fault path it does not serve) is a flag mistake like the others.
    if (error instanceof UserError) {
      io.stderr.write(`${flagMistake('sim-server', error.message)}\n`);
      return 2;
    }
    const err = coerceError(error) as NodeJS.ErrnoException;
    const fault = listenFault(err.code, { host: '--host', port: '--port' });
    const why = err.code === 'EADDRINUSE' ? `port ${flags.port} on ${flags.host} is already in use` : err.message;
    io.stderr.write(`misso sim-server: cannot start: ${why}. ${fault.hint}\n`);
    return fault.inputMistake ? 2 : 1;
  }

  const keyNote = flags.apiKey === DEFAULT_SIM_API_KEY ? `key ${flags.apiKey}` : 'custom key';
  const faultNote = `${flags.funding ? ', funding' : ''}${flags.liquidation ? '' : ', no liquidation'}${server.faults.spec === 'none' ? '' : `, faults ${server.faults.spec}`}`;
  const clockNote = flags.clockOffsetMs === 0 ? '' : `, clock ${flags.clockOffsetMs > 0 ? '+' : ''}${flags.clockOffsetMs} ms`;
  const ttlNote = flags.listenKeyTtlSecs === undefined ? '' : `, listenKey ttl ${flags.listenKeyTtlSecs} s`;
  io.stdout.write(`misso sim-server listening on ${server.url} (seed ${flags.seed}, ${keyNote}${faultNote}${clockNote}${ttlNote})\n`);
  if (!isLoopbackHost(flags.host)) io.stderr.write(`misso sim-server: warning: ${NON_LOOPBACK_WARNING}\n`);
  io.onListening?.(server);

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const cleanup = (): void => {
      signals.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      io.signal?.removeEventListener('abort', onAbort);
    };
    const stop = (reason: string): void => {
      if (stopping) {
        // Second signal: do not wait for the graceful close any more.
        cleanup();
        io.stderr.write(`misso sim-server: ${reason} again, stopping now\n`);
        // 130 as misso run's forced exit: interrupted, not failed.
        resolve(130);
        return;
      }
      stopping = true;
      io.stderr.write(`misso sim-server: ${reason}, stopping\n`);
      server.close().then(
        () => {
          cleanup();
          io.stdout.write('misso sim-server stopped\n');
          resolve(0);
        },
        (error: unknown) => {
          cleanup();
          io.stderr.write(`misso sim-server: stop failed: ${coerceError(error).message}\n`);
          resolve(1);
        },
      );
    };
    const onSignal = (signal: NodeJS.Signals): void => stop(signal);
    const onAbort = (): void => stop('aborted');
    signals.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    signals.off('SIGINT', noteEarly).off('SIGTERM', noteEarly);
    // A signal while it started: stopped now that it listens.
    if (early !== null) stop(early);
    else if (io.signal?.aborted) onAbort();
    else io.signal?.addEventListener('abort', onAbort);
  });
}

/** The options that take a value: `--markets -1` reads as that value, not as an option. */
const VALUED = ['--host', '--port', '--seed', '--markets', '--faults', '--api-key', '--secret', '--clock-offset-ms', '--listen-key-ttl', '--log-level'];

function parseFlags(argv: string[]): ParsedFlags {
  // `--clock-offset-ms -500` is that option's value (and `-abc` is then told as a bad value,
  // not as an ambiguous option).
  const { values, positionals } = parseArgs({
    args: joinDashValues(argv, VALUED),
    allowPositionals: true,
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      seed: { type: 'string' },
      markets: { type: 'string' },
      funding: { type: 'boolean' },
      'no-liquidation': { type: 'boolean' },
      faults: { type: 'string' },
      'api-key': { type: 'string' },
      secret: { type: 'string' },
      'clock-offset-ms': { type: 'string' },
      'listen-key-ttl': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length > 0) throw new UserError(`unexpected argument "${positionals[0]}"`);
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '') throw new UserError('--host must not be empty');
  // Dotted digits are meant as an IPv4 address, never a name: say so rather than what DNS says.
  if (/^\d+(\.\d+){3}$/.test(host) && isIP(host) === 0) {
    throw new UserError(`--host ${host} is not an IPv4 address (four numbers from 0 to 255); 127.0.0.1 is loopback, 0.0.0.0 every interface`);
  }
  const port = wholeNumber('--port', values.port, DEFAULT_SIM_PORT);
  if (port > 65_535) throw new UserError(`--port ${port} is above 65535`);
  const seed = wholeNumber('--seed', values.seed, DEFAULT_SIM_SEED);
  const markets = integer('--markets', values.markets, 40, 'a whole number');
  if (markets < 1 || markets > 5000) throw new UserError(`--markets ${markets} must be from 1 to 5000`);
  if (values.faults !== undefined) parseFaultSpec(values.faults);
  const apiKey = values['api-key'] ?? process.env['MISSO_SIM_API_KEY'] ?? DEFAULT_SIM_API_KEY;
  const secret = values.secret ?? process.env['MISSO_SIM_SECRET'] ?? DEFAULT_SIM_SECRET;
  if (apiKey === '' || secret === '') throw new UserError('--api-key and --secret must not be empty');
  const clockOffsetMs = integer('--clock-offset-ms', values['clock-offset-ms'], 0);
  // A skew past a day is a typo (no venue's clock is that far off), and past 2^53 not even a number.
  if (Math.abs(clockOffsetMs) > 86_400_000) throw new UserError(`--clock-offset-ms ${values['clock-offset-ms'] ?? ''} is more than a day (86400000 ms) either way`);
  const ttl = values['listen-key-ttl'];
  const listenKeyTtlSecs = ttl === undefined ? undefined : integer('--listen-key-ttl', ttl, 0, 'a whole number of seconds (e.g. 60)');
  // Under a second the key would die between a client's POST and its dial; past a day is a typo.
  if (listenKeyTtlSecs !== undefined && (listenKeyTtlSecs < 1 || listenKeyTtlSecs > 86_400)) {
    throw new UserError(`--listen-key-ttl ${ttl ?? ''} must be from 1 to 86400 seconds (Binance's is 3600)`);
  }
  const logLevel = values['log-level'] ?? 'warn';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) {
    throw new UserError(`--log-level "${logLevel}" must be one of debug, info, warn, error, silent`);
  }
  return {
    host,
    port,
    seed,
    markets,
    funding: values.funding ?? false,
    liquidation: !(values['no-liquidation'] ?? false),
    faults: values.faults,
    apiKey,
    secret,
    clockOffsetMs,
    listenKeyTtlSecs,
    logLevel,
    help: values.help ?? false,
  };
}

function wholeNumber(flag: string, text: string | undefined, fallback: number): number {
  const n = integer(flag, text, fallback, 'a whole number');
  if (n < 0) throw new UserError(`${flag} ${n} must not be negative`);
  return n;
}

function integer(flag: string, text: string | undefined, fallback: number, what = 'a whole number of milliseconds (negative: behind)'): number {
  if (text === undefined) return fallback;
  if (!/^[+-]?\d+$/.test(text.trim())) throw new UserError(`${flag} "${text}" must be ${what}`);
  return Number(text.trim());
}
