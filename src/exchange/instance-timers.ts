import type { Exchange } from 'ccxt';

/** Per instance: the timers ccxt's `delay()` armed and not yet fired, and whether it is closed. */
interface Timers {
  armed: Set<ReturnType<typeof setTimeout>>;
  closed: boolean;
}

const timersOf = new WeakMap<Exchange, Timers>();

/**
 * Keeps track of the timers an instance arms through ccxt's `delay()` (Binance's listenKey
 * keep-alive, every 20 minutes once a user stream authenticated), so {@link clearInstanceTimers}
 * can drop them when the instance is closed: ccxt's `close()` leaves them armed, and each holds a
 * stopped process open for up to 20 minutes. Called again for an instance in use once more (a
 * factory's fixed instance), it lets it arm timers again.
 */
export function trackInstanceTimers(instance: Exchange): void {
  const known = timersOf.get(instance);
  if (known) {
    known.closed = false;
    return;
  }
  const timers: Timers = { armed: new Set(), closed: false };
  timersOf.set(instance, timers);
  Object.defineProperty(instance, 'delay', {
    configurable: true,
    writable: true,
    value: (timeout: number, method: (...args: unknown[]) => Promise<unknown>, ...args: unknown[]): void => {
      // A call that finishes after the close (an authentication under way) arms nothing.
      if (timers.closed) return;
      const timer = setTimeout(() => {
        timers.armed.delete(timer);
        instance.spawn(method, ...args);
      }, timeout);
      timers.armed.add(timer);
    },
  });
}

/** Clears the timers `instance` armed and not yet fired, and arms no more until tracked again. */
export function clearInstanceTimers(instance: Exchange): void {
  const timers = timersOf.get(instance);
  if (!timers) return;
  timers.closed = true;
  for (const timer of timers.armed) clearTimeout(timer);
  timers.armed.clear();
}
