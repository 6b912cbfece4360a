import { isLoopbackHost } from '../config/http-exposure.js';
import type { MissoConfig } from '../config/types.js';
import type { Updater } from '../engine/updater.js';
import type { ErrorKind } from '../exchange/types.js';
import { stopLeftOrdersOpen } from '../orders/shutdown.js';
import { RUN_EXIT } from './exit-codes.js';

/** How a `misso run` ended, besides what the updater knows. */
export interface RunOutcome {
  /** `--state-out` could not be written. */
  stateLost: boolean;
  /**
   * `--for` ran out before the start was done (`updater.start()` had not resolved): the run did
   * none of the work it was given the time for. A signal's stop is the operator's own choice.
   */
  forEndedStart: boolean;
}

/**
 * The exit code of a `misso run` whose updater has stopped. Orders possibly left resting after
 * a `cancel_all` stop outrank a fault: they are what the operator must act on first. A `--for`
 * run that never reached running (an exchange unreachable all along) is not a success.
 */
export function runExitCode(updater: Pick<Updater, 'phase' | 'stopReport'>, outcome: RunOutcome): number {
  if (updater.stopReport !== null && stopLeftOrdersOpen(updater.stopReport)) return RUN_EXIT.ordersLeftOpen;
  return updater.phase === 'faulted' || outcome.stateLost || outcome.forEndedStart ? RUN_EXIT.fault : RUN_EXIT.done;
}

/** What `misso run` knows of a start that a stop ended before it was done. */
export interface NotStarted {
  config: Pick<MissoConfig, 'exchange'>;
  /** The config file as the user named it. */
  configPath: string;
  /** The last exchange error the start was still retrying on (`updater.startRetryError`), or null. */
  lastError: string | null;
  /** Its kind (`updater.startRetryErrorKind`): a rate limit or clock skew is no unreachable exchange. */
  lastErrorKind?: ErrorKind | null;
  /** What stopped it: `--for 10`, `SIGINT`. */
  stoppedBy: string;
  /** The init update's failed passes so far and the last one's error (a helper's own, with its line), when it failed. */
  initFailure?: { failures: number; lastError: string } | null;
}

/**
 * Why the run never reached running, in the operator's words, with the next step: with an
 * error the start was still retrying, what it says (unreachable: the server to check and the key
 * that points at it; a rate limit; the clock); without one, what stopped it before it was done.
 */
export function notStartedMessage(n: NotStarted): string {
  const { id } = n.config.exchange;
  if (n.lastError === null && n.initFailure) {
    const { failures, lastError } = n.initFailure;
    return (
      `misso: never reached running: the init update failed ${failures === 1 ? 'once' : `${failures} times`} before ${n.stoppedBy} stopped it; last error: ${lastError}\n` +
      `misso: next: fix what that error names (a subtask's helper and its line in ${n.configPath}), then run again`
    );
  }
  if (n.lastError === null) {
    const more = n.stoppedBy.startsWith('--for') ? '; give --for more seconds if the exchange answers slowly' : '';
    return `misso: never reached running: ${n.stoppedBy} stopped it before the start was done${more}`;
  }
  const retrying = `the start was still retrying when ${n.stoppedBy} stopped it; last error: ${n.lastError}`;
  if (n.lastErrorKind === 'rate_limit') {
    return (
      `misso: never reached running: the exchange ${id} refused the start's requests as too many (rate limited; ${retrying})\n` +
      `misso: next: wait until the exchange lifts the limit (a 418 ban can last hours), check that nothing else uses this API key or IP, then run again`
    );
  }
  if (n.lastErrorKind === 'nonce') {
    return (
      `misso: never reached running: the exchange ${id} refused the requests' timestamps: this machine's clock is off (${retrying})\n` +
      `misso: next: sync this machine's clock (NTP, e.g. timedatectl set-ntp true), then run again`
    );
  }
  const what = n.lastErrorKind === 'unknown' ? 'could not be used: its calls kept failing' : 'was unreachable';
  const head = `misso: never reached running: the exchange ${id} ${what} (${retrying})`;
  const url = firstUrl(n.config.exchange.urls);
  if (url === null) {
    return `${head}\nmisso: next: check that this machine reaches ${id} (network, proxy, the exchange's status page), then run again`;
  }
  const local = isLoopbackHost(url.hostname) ? ` (for the simulated exchange: misso sim-server --port ${url.port || (url.protocol === 'https:' ? '443' : '80')})` : '';
  return `${head}\nmisso: next: is the server at ${url.origin} up${local}, and is exchange.urls in ${n.configPath} the right URL?`;
}

/** The first http(s) or ws(s) URL among a config's `exchange.urls` (a string or a map of them), or null. */
function firstUrl(urls: unknown, depth = 0): URL | null {
  if (typeof urls === 'string') {
    try {
      const url = new URL(urls);
      return /^(http|ws)s?:$/.test(url.protocol) ? url : null;
    } catch {
      return null;
    }
  }
  if (urls === null || typeof urls !== 'object' || depth > 3) return null;
  for (const value of Object.values(urls)) {
    const url = firstUrl(value, depth + 1);
    if (url !== null) return url;
  }
  return null;
}
