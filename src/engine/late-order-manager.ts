import { EventEmitter } from 'node:events';
import { coerceError, NotStartedError } from '../core/errors.js';
import { emitEach } from '../core/emit-each.js';
import type { OrderManager } from '../orders/manager.js';
import type { OrderManagerEvents } from '../orders/order-book.js';

const ORDER_EVENTS = ['order', 'filled', 'failed', 'adopted', 'lost', 'journal', 'fill'] as const satisfies readonly (keyof OrderManagerEvents)[];
// Fails to compile when OrderManagerEvents gains an event this list does not forward.
const EVERY_EVENT_FORWARDED: Exclude<keyof OrderManagerEvents, (typeof ORDER_EVENTS)[number]> extends never ? true : never = true;
void EVERY_EVENT_FORWARDED;

/**
 * `updater.orders` from the moment the updater is built. The OrderManager itself can only be
 * built during `start()` (it needs the exchange session and the journal), yet a strategy must be
 * able to subscribe before `start()`, or it misses the events of the start's reconciliation
 * (adopted, filled and failed orders). The view is an event emitter from the start: listeners
 * live on it, the manager's events are forwarded to it once attached, and every other member is
 * the manager's (reading one before `start()` throws an error saying so).
 */
export class LateOrderManager {
  /** What `updater.orders` returns, before and after the manager exists. */
  readonly view: OrderManager;
  readonly #events = new EventEmitter<OrderManagerEvents>();
  #manager: OrderManager | null = null;

  constructor() {
    // A strategy may subscribe any number of listeners; that is not a leak.
    this.#events.setMaxListeners(0);
    const events = this.#events;
    this.view = new Proxy(events, {
      get: (target, prop) => {
        if (prop in target) {
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        }
        const manager = this.#manager;
        if (manager) {
          const value: unknown = Reflect.get(manager, prop, manager);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(manager) : value;
        }
        // Symbols and `then` are probed by await, inspection and test matchers: not a user's read.
        if (typeof prop === 'symbol' || prop === 'then') return undefined;
        throw new NotStartedError(`updater.orders.${prop} is available after start(); updater.orders.on(...) works before`);
      },
    }) as unknown as OrderManager;
  }

  /** Hands over the manager built by `start()`; its events reach the listeners from now on. */
  attach(manager: OrderManager): void {
    if (this.#manager) throw new Error('the order manager is attached already');
    this.#manager = manager;
    for (const name of ORDER_EVENTS) {
      manager.on(name, (...args: unknown[]) => {
        // Every listener hears it, as on the manager; what threw goes back to the manager, which
        // reports it (see emitEach) without failing the change.
        // An async listener's rejection comes after the forwarding returned: reported directly.
        const errors: unknown[] = [];
        let returned = false;
        emitEach(this.#events, name, args, (_event, error) => (returned ? manager.reportListenerFailure(name, error) : void errors.push(error)));
        returned = true;
        if (errors.length === 1) throw errors[0];
        // Named in the message too: the operator's notification carries only the message.
        if (errors.length > 1) throw new AggregateError(errors, `${errors.length} listeners threw: ${errors.map((e) => coerceError(e).message).join('; ')}`);
      });
    }
  }
}
