import { coerceError, StartupError, UserError } from '../core/errors.js';
import { packageVersion } from '../core/package-info.js';
import { flagMistake, parseArgsMessage } from './flag-mistake.js';
import { processIo, type CliIo } from './io.js';
import { RUN_EXIT } from './exit-codes.js';
import { processSignals } from './process-signals.js';
import { loadUnlessSignalled } from './signal-while-loading.js';

const USAGE = `usage: misso <command> [options]

commands:
  run [CONFIG]     run the updater (default: the bundled example on the simulated exchange)
  check CONFIG     validate a config without contacting any exchange
  sim-server       serve the simulated market over the Binance USD-M REST dialect

misso <command> --help shows the command's options.`;

/**
 * The CLI: parses the command, runs it and turns the outcome into an exit code. User mistakes
 * (bad flags, bad config) print their message without a stack trace and exit 2; anything else
 * is a bug and prints its stack with exit 1.
 */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      // Each command is loaded on demand: `check` refuses a bad file before ccxt (≈250 MB) loads.
      case 'run': {
        // Its modules (the engine, ccxt) take about half a second to load: a signal meanwhile is
        // heard, as one while the config loads is, instead of node's default killing the
        // process silently with 130 or 143.
        const signals = processSignals();
        const run = await loadUnlessSignalled(import('./run.js'), io, signals, 'misso was loading');
        return run === null ? RUN_EXIT.done : await run.runCommand(rest, io, signals);
      }
      case 'check': {
        // A helper module's top-level code may wait (a connection, a fetch) up to the load
        // timeout: a signal meanwhile ends the check, not validated (130, or 143 for SIGTERM).
        const signals = processSignals();
        let heard: string | null = null;
        const note = (sig: string): void => void (heard ??= sig);
        signals.once('SIGINT', note).once('SIGTERM', note);
        // A helper module that ends the process while it loads (process.exit) must not pass for valid.
        let settled = false;
        const cutShort = (): void => {
          if (settled) return;
          io.stderr.write('misso check: a module the config loads ended the process (process.exit) before the check finished: the config was not validated\n');
          process.exitCode = 2;
        };
        process.on('exit', cutShort);
        try {
          const checked = await loadUnlessSignalled((async () => (await import('./check.js')).checkCommand(rest, io))(), io, signals, 'misso check was reading the config');
          return checked ?? (heard === 'SIGTERM' ? 143 : 130);
        } finally {
          settled = true;
          process.off('exit', cutShort);
        }
      }
      case 'sim-server': {
        const signals = processSignals();
        const command = await loadUnlessSignalled(import('./sim-server.js'), io, signals, 'misso was loading');
        return command === null ? 0 : await command.simServerCommand(rest, { ...io, signals });
      }
      case '--version':
      case '-v':
        io.stdout.write(`${packageVersion()}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        io.stderr.write(`misso: unknown command '${command}'\n\n${USAGE}\n`);
        return 2;
    }
  } catch (err: unknown) {
    if (err instanceof UserError) {
      io.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof StartupError) {
      io.stderr.write(`misso: could not start: ${err.message}\n`);
      return err.exitCode;
    }
    const flags = parseArgsMessage(err);
    if (flags !== null) {
      io.stderr.write(`${flagMistake(command ?? '', flags)}\n`);
      return 2;
    }
    const e = coerceError(err);
    io.stderr.write(`misso: internal error: ${e.stack ?? e.message}\n`);
    return 1;
  }
}

/**
 * Runs the CLI for this process: the exit code becomes the process's, and the process exits
 * shortly after even if a library left a handle open after a clean stop.
 */
export async function runCli(argv: string[] = process.argv.slice(2)): Promise<void> {
  const code = await main(argv);
  process.exitCode = code;
  // The command is done: a signal in the last moments (a second Ctrl-C after a clean stop) ends
  // the process with the command's own code, not node's 130 or 143.
  const done = (): never => process.exit(code);
  processSignals().on('SIGINT', done).on('SIGTERM', done);
  setTimeout(() => process.exit(code), 500).unref();
}

// `tsx src/cli/main.ts` (npm run misso) and `node dist/cli/main.js` run it directly; bin/misso.js
// calls runCli() itself.
const isEntry = process.argv[1] !== undefined && /[\\/]cli[\\/]main\.[jt]s$/.test(process.argv[1]);
if (isEntry) await runCli();
