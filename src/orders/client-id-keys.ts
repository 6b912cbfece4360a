import { normaliseKey, type ClientIdKeys } from './intent-params.js';

/** Methods whose reads from `params` decide the client id of a new or amended order. */
const ORDER_METHOD = /^create|^edit|request$/i;
/** A ccxt `safeString(params, 'a')`, `safeString2(params, 'a', 'b')` or `safeStringN(params, ['a', …])`. */
const PARAMS_READ = /safe[A-Za-z]*\d?N?\(\s*params\s*,\s*(\[[^\]]*\]|[^)]*)\)/g;
const LITERAL = /['"]([^'"]+)['"]/g;
const CLIENT_ID_LIKE = /client|clord|cliord|oid$|linkid/i;

const cache = new WeakMap<object, ClientIdKeys>();

/**
 * The `params` names under which this exchange's ccxt class takes a client order id: every key
 * of a `safe…(params, …)` read in its order-creating methods that also reads a client-id-like
 * name (ccxt reads aliases together, as `safeString2(params, 'text', 'clientOrderId')` on gate).
 * Read from the class's own source once per class, so a new ccxt release is covered without a
 * table to keep. Returned normalised (see {@link normaliseKey}).
 */
export function clientIdKeysOf(exchange: object): ClientIdKeys {
  const top = (Object.getPrototypeOf(exchange) as object | null) ?? exchange;
  const hit = cache.get(top);
  if (hit) return hit;
  const keys = new Set<string>();
  for (let proto: object | null = top; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (!ORDER_METHOD.test(name)) continue;
      const fn = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
      if (typeof fn !== 'function') continue;
      for (const read of Function.prototype.toString.call(fn).matchAll(PARAMS_READ)) {
        const names = [...(read[1] ?? '').matchAll(LITERAL)].map((m) => m[1] ?? '');
        if (names.some((n) => CLIENT_ID_LIKE.test(n))) for (const n of names) keys.add(normaliseKey(n));
      }
    }
  }
  cache.set(top, keys);
  return keys;
}
