import { EventEmitter } from 'node:events';

let relay: EventEmitter | null = null;

/**
 * SIGINT and SIGTERM as an emitter that stays subscribed to the process for the CLI's life, so
 * that handing over from one handler to the next (the modules' load, the config's load, the run)
 * never leaves the process without a listener: node closes its signal watcher when the last
 * listener goes, and a signal it had caught but not yet dispatched was then lost (a SIGTERM in
 * the last moments of the config's load went unheard, and the run went on). A signal that
 * finds no handler at all ends the process as node's default would (130 or 143).
 */
export function processSignals(): EventEmitter {
  if (relay) return relay;
  const r = new EventEmitter();
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(sig, () => {
      if (r.listenerCount(sig) === 0) process.exit(code);
      r.emit(sig, sig);
    });
  }
  relay = r;
  return r;
}
