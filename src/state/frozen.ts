/**
 * A value as the state hands it out: read-only all the way down. The compiler refuses a write
 * (`lp['BTC/USD:USD'] = 1`, `list.push(x)`); at run time the stored value is frozen, so the write
 * throws a `TypeError` in strict code (every ES module) and does nothing in sloppy code. Change a
 * value by building a new one and writing it with `state.set`.
 */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends ReadonlyMap<infer K, infer V>
    ? ReadonlyMap<K, DeepReadonly<V>>
    : T extends ReadonlySet<infer V>
      ? ReadonlySet<DeepReadonly<V>>
      : T extends object
        ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
        : T;

/**
 * Freezes `value`'s plain objects and arrays, all the way down, in place, and returns it. Class
 * instances (an Order, a Date, a Map) are left as they are: they guard themselves. An object
 * already frozen is not walked again: what the state stored before is frozen, so a write that
 * reuses most of the last value (a price dict with one key changed, a candle window with one
 * row more) costs a check per reused child, not a walk of it.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    Object.freeze(value);
    for (const item of value as unknown[]) deepFreeze(item);
    return value;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
