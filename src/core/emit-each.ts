import type { EventEmitter } from 'node:events';
import { coerceError } from './errors.js';
import type { Logger } from './logger.js';
import type { NotifyLevel } from './notify-level.js';

/**
 * Emits `event` calling every listener on its own: one that throws does not keep the listeners
 * after it from hearing the event, and its error goes to `failed` instead of the code that
 * emitted. `once` listeners and removal during the call behave as with `emit` (the listeners are
 * taken before the first call; a `once` wrapper removes itself). Returns whether any listened.
 * An async listener's rejection goes to `failed` too, later: left alone it would be an unhandled
 * rejection, which ends a Node process.
 *
 * The order manager's, the state's and the updater's events announce changes that are already
 * stored, and misso's own bookkeeping (summaries, streams, the status server) listens beside the
 * strategy: a strategy's bug must neither skip that bookkeeping nor fail the write or stream
 * delivery that made the change.
 */
export function emitEach<E extends string>(emitter: Pick<EventEmitter, 'rawListeners'>, event: E, args: readonly unknown[], failed: (event: E, error: unknown) => void): boolean {
  const listeners = emitter.rawListeners(event) as ((...a: unknown[]) => unknown)[];
  for (const listener of listeners) {
    try {
      const result: unknown = listener.apply(emitter, args as unknown[]);
      if (isThenable(result)) result.then(undefined, (error: unknown) => failed(event, error));
    } catch (error: unknown) {
      failed(event, error);
    }
  }
  return listeners.length > 0;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** How many different errors of one event are notified; the ones after are logged only. */
export const NOTIFIED_ERRORS_PER_EVENT = 3;

/**
 * What {@link emitEach} does with a listener's error, for `owner`'s events: logged each time,
 * notified once per different message (a strategy's listener that throws, throws at every
 * change), at most {@link NOTIFIED_ERRORS_PER_EVENT} per event: a message naming an order would
 * otherwise notify at every order.
 */
export function reportListenerFailures(owner: string, logger: Logger, notify: (text: string, level: NotifyLevel) => void): (event: string, error: unknown) => void {
  const notified = new Map<string, Set<string>>();
  return (event, error) => {
    const err = coerceError(error);
    logger.error({ err, event }, `a '${event}' listener of ${owner} threw; the change stands and the other listeners heard it`);
    const seen = notified.get(event) ?? new Set<string>();
    notified.set(event, seen);
    if (seen.has(err.message) || seen.size >= NOTIFIED_ERRORS_PER_EVENT) return;
    seen.add(err.message);
    const last = seen.size === NOTIFIED_ERRORS_PER_EVENT ? '; further different errors of this event are logged only' : '';
    notify(`a '${event}' listener of ${owner} threw: ${err.message} (logged each time${last})`, 'error');
  };
}
