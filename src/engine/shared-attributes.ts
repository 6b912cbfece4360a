import { UserError } from '../core/errors.js';
import type { MissoConfig } from '../config/types.js';
import type { PendingOrderQueue } from '../orders/pending-orders.js';
import type { StateStore } from '../state/state-store.js';
import { FifoQueue } from './fifo-queue.js';
import { loadModule } from './module-registry.js';

/**
 * Builds `shared_attributes`: each calls its module's factory once with its `args` (the seed's
 * `pending_orders: Queue()` is the updater's own order queue, any other `Queue()` a
 * {@link FifoQueue} of its own). A class is constructed with `new`,
 * any other function is called: never both, so a factory with side effects runs exactly once.
 */
export async function buildSharedAttributes(config: MissoConfig, state: StateStore, queue: PendingOrderQueue): Promise<void> {
  for (const [name, shared] of Object.entries(config.sharedAttributes)) {
    if (shared.modul === 'queue' && shared.function === 'Queue') {
      // Only `pending_orders` is the order queue, as in the seed: another name is a queue of its own.
      state.define(name, name === 'pending_orders' ? queue : new FifoQueue(...shared.args), 'shared_attributes');
      continue;
    }
    const mod = await loadModule(shared.modul, config.baseDir);
    const factory = mod[shared.function];
    if (typeof factory !== 'function') throw new UserError(`shared_attributes.${name}: ${shared.modul} has no function '${shared.function}'`);
    state.define(name, instantiate(factory as (...args: unknown[]) => unknown, shared.args), 'shared_attributes');
  }
  if (!state.has('pending_orders')) state.define('pending_orders', queue, 'engine');
}

/** Calls a factory function, or constructs a class (also a built-in one, such as `Map`). */
function instantiate(factory: (...args: unknown[]) => unknown, args: readonly unknown[]): unknown {
  return isConstructorOnly(factory) ? new (factory as unknown as new (...a: unknown[]) => unknown)(...args) : factory(...args);
}

/** True for `class` syntax and for built-in constructors that throw when called without `new`. */
function isConstructorOnly(fn: (...args: unknown[]) => unknown): boolean {
  const source = Function.prototype.toString.call(fn);
  if (/^class[\s{]/.test(source)) return true;
  // A native function with methods on its prototype is a built-in class (Map, Set, Date, …).
  return /\{\s*\[native code\]\s*\}$/.test(source) && typeof fn.prototype === 'object' && Object.getOwnPropertyNames(fn.prototype).length > 1;
}
