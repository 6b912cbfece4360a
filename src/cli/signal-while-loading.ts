import type { CliIo } from './io.js';
import { RUN_EXIT } from './exit-codes.js';

/**
 * Runs `load` (reading the config, importing its helper modules and ccxt: a module's top-level
 * await may hold it up to its load timeout) with SIGINT and SIGTERM handled from the first moment:
 * a first signal ends the wait at once, nothing having started, and a second forces the exit, as
 * they do once the run is under way. Without this, node's default handling killed the process
 * silently with 130 or 143 for a signal sent while the config loaded. Resolves with what `load`
 * gave, or null when a signal ended the wait (the load is left to finish or fail unheard).
 * `what` is said of the wait in the notice (`SIGTERM received while <what>`).
 */
export async function loadUnlessSignalled<T>(load: Promise<T>, io: CliIo, signals: NodeJS.EventEmitter, what = 'the config was loading'): Promise<T | null> {
  let signalled = false;
  let wake: () => void = () => undefined;
  const woken = new Promise<null>((resolve) => {
    wake = () => resolve(null);
  });
  const onSignal = (sig: string): void => {
    if (signalled) {
      io.stderr.write(`misso: second ${sig}, forcing exit\n`);
      process.exit(RUN_EXIT.forced);
    }
    signalled = true;
    io.stderr.write(`\nmisso: ${sig} received while ${what}, stopping: nothing was started\n`);
    wake();
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  signals.on('SIGINT', onInt);
  signals.on('SIGTERM', onTerm);
  // A load the signal left behind may still fail: that is no longer anyone's to hear.
  load.catch(() => undefined);
  try {
    const first = await Promise.race([load, woken]);
    return signalled ? null : first;
  } finally {
    // After a signal they stay: the process is on its way out, and a second one still forces it.
    // A load that failed (a config refused) takes them off too: the caller reports it.
    if (!signalled) {
      signals.off('SIGINT', onInt);
      signals.off('SIGTERM', onTerm);
    }
  }
}
