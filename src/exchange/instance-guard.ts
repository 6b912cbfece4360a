import type { Exchange } from 'ccxt';
import { ExchangeClosedByUser } from './ccxt-lib.js';

/** What the session holds over one ccxt instance it put in use. */
interface Guard {
  /** Closed by the session: no new connection, no new timer. */
  closed: boolean;
  /** The timers ccxt's `delay()` armed and that have not fired yet. */
  timers: Set<ReturnType<typeof setTimeout>>;
  /** Which retirement closed it ({@link retirements} after it), while closed. */
  retiredAs: number;
  /** The rebuild that retired it failed at least once: the exchange is down, not only being replaced. */
  rebuildFailed: boolean;
  /** The last failed rebuild attempt's error, as an operator reads it. */
  rebuildError?: string;
}

/** Retirements so far, across every instance: a watch call notes it as it begins. */
let retired = 0;

const guards = new WeakMap<Exchange, Guard>();

type Future = unknown;
interface ClientLike {
  futures?: Record<string, Future>;
  future?: (hash: string) => Future;
  reusableFuture?: (hash: string) => Future;
}
const quieted = new WeakSet<object>();

/**
 * Puts an instance in use (again, for a factory's fixed instance) and watches what ccxt leaves
 * behind it, so that a closed instance holds nothing open and a future nobody awaits cannot end
 * the process:
 * - every websocket client it opens marks the futures it parks handled as they are created. A
 *   caller that awaits one still sees its rejection, but ccxt parks some that nobody awaits at
 *   the time they fail (Binance's positions snapshot when a user stream's dial fails, the
 *   listenKey flight while its REST call runs when the instance closes), and an unhandled
 *   rejection ends a Node process;
 * - once {@link retireInstance} closed it, `client()` fails: a watch call still under way
 *   (awaiting its markets or a listenKey) would otherwise connect after ccxt's `close()`, and its
 *   socket and keep-alive would hold a stopped process open;
 * - the timers its `delay()` arms (Binance's 20-minute listenKey keep-alive, which `close()`
 *   leaves armed) are tracked, so {@link retireInstance} can drop them.
 */
export function adoptInstance(instance: Exchange): void {
  const known = guards.get(instance);
  if (known) {
    known.closed = false;
    known.rebuildFailed = false;
    return;
  }
  const guard: Guard = { closed: false, timers: new Set(), retiredAs: 0, rebuildFailed: false };
  guards.set(instance, guard);
  const connect = instance.client.bind(instance);
  define(instance, 'client', (url: string) => {
    if (guard.closed) {
      // Once the rebuild failed, what the stream meets is the outage: say it, not the instance's state.
      throw new ExchangeClosedByUser(
        guard.rebuildFailed && guard.rebuildError !== undefined
          ? `${instance.id} unreachable: the exchange session is being rebuilt, and its last attempt failed (${guard.rebuildError})`
          : `${instance.id} closed: this instance opens no new connection`,
      );
    }
    return quiet(connect(url) as ClientLike);
  });
  define(instance, 'delay', (timeout: number, method: (...args: unknown[]) => Promise<unknown>, ...args: unknown[]): void => {
    // A call that finishes after the close (an authentication under way) arms nothing.
    if (guard.closed) return;
    const timer = setTimeout(() => {
      guard.timers.delete(timer);
      instance.spawn(method, ...args);
    }, timeout);
    guard.timers.add(timer);
  });
}

/** Closes an adopted instance for use: no new connection or timer from now on (before `close()`). */
export function retireInstance(instance: Exchange): void {
  const guard = guards.get(instance);
  if (!guard || guard.closed) return;
  guard.closed = true;
  guard.retiredAs = ++retired;
  guard.rebuildFailed = false;
}

/** How many retirements there were so far: a stream notes it as a watch call begins (see {@link endedByRetirement}). */
export function retirements(): number {
  return retired;
}

/** The rebuild that retired `instance` failed an attempt: the exchange is down (see {@link endedByRetirement}). */
export function rebuildFailedAfter(instance: Exchange, error?: string): void {
  const guard = guards.get(instance);
  if (!guard?.closed) return;
  guard.rebuildFailed = true;
  if (error !== undefined) guard.rebuildError = error;
}

/**
 * Whether a watch call on `instance` that began when {@link retirements} was `begunAt` and then
 * failed was ended by misso's rebuild, not by the exchange: the session retired the instance
 * after the call began, or the rebuild that retired it is still on its first attempt (a call
 * retried on it meanwhile). Once that rebuild failed (the exchange is down), a call begun on the
 * retired instance fails for the outage: the stream's failure, warned and notified.
 */
export function endedByRetirement(instance: Exchange, begunAt: number): boolean {
  const guard = guards.get(instance);
  if (!guard?.closed) return false;
  return guard.retiredAs > begunAt || !guard.rebuildFailed;
}

/** The session retired `instance` ({@link retireInstance}): it opens no new connection, so nothing on it counts as connected. */
export function isRetired(instance: Exchange): boolean {
  return guards.get(instance)?.closed === true;
}

/** Drops the timers a retired instance armed and that have not fired (after `close()`). */
export function clearInstanceTimers(instance: Exchange): void {
  const guard = guards.get(instance);
  if (!guard) return;
  for (const timer of guard.timers) clearTimeout(timer);
  guard.timers.clear();
}

function quiet(client: ClientLike): ClientLike {
  if (typeof client !== 'object' || client === null || quieted.has(client)) return client;
  quieted.add(client);
  const handled = (future: Future): Future => {
    if (future instanceof Promise) future.catch(() => undefined);
    return future;
  };
  for (const future of Object.values(client.futures ?? {})) handled(future);
  for (const name of ['future', 'reusableFuture'] as const) {
    const park = client[name];
    if (typeof park === 'function') client[name] = (hash: string) => handled(park.call(client, hash));
  }
  return client;
}

function define(instance: Exchange, name: string, value: unknown): void {
  Object.defineProperty(instance, name, { configurable: true, writable: true, value });
}
