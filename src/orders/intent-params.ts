/**
 * Limits on an intent's `params`: they are journaled as JSON and handed to ccxt, so they must be
 * plain data of a sane size, and they must never carry a client order id of their own.
 */
export const PARAMS_LIMITS = Object.freeze({
  /** Nesting depth below the params object itself. */
  maxDepth: 8,
  /** Keys and array elements in total. */
  maxEntries: 256,
  /** Characters of the JSON text. */
  maxJsonChars: 4096,
});

/**
 * Names under which ccxt's exchange classes take a client order id from `params`, across
 * exchanges (the issue list plus what ccxt's sources read). Compared after
 * {@link normaliseKey}, so `client_order_id`, `Client-Order-Id` and `clientOrderId` are one name.
 */
const CLIENT_ID_NAMES = [
  'clientOrderId', 'newClientOrderId', 'origClientOrderId', 'clOrdId', 'clOrdID', 'cliOrdId', 'orderLinkId',
  'client_oid', 'clientOid', 'newClientOid', 'orig_client_oid', 'text', 'clientId', 'client_id', 'cl_ord_id',
  'externalOid', 'custom_id', 'userref', 'cid', 'clientAlgoId', 'newClientStrategyId', 'client_order_index',
  'algo_client_order_id', 'cancelNewClientOrderId', 'cancelOrigClientOrderId',
];

/** Lower case without `_`, `-` and spaces: how two spellings of one key are compared. */
export function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_\s]/g, '');
}

const KNOWN = new Set(CLIENT_ID_NAMES.map(normaliseKey));
/** Any key that spells "client order id" in some way is refused, whatever the exchange. */
const LOOKS_LIKE_CLIENT_ID = /clientorderid|clordid|clientoid/;

/** The set of normalised keys refused in `params`, for {@link checkIntentParams}. */
export type ClientIdKeys = ReadonlySet<string>;

/** True when `key` would set the exchange's client order id (`extra`: names the exchange in use reads). */
export function isClientIdKey(key: string, extra: ClientIdKeys = new Set()): boolean {
  const k = normaliseKey(key);
  return KNOWN.has(k) || extra.has(k) || LOOKS_LIKE_CLIENT_ID.test(k);
}

/**
 * Checks an intent's `params` and returns a plain copy of them. Returns the reason instead
 * when they are not plain JSON (functions, symbols, bigints, class instances, non-finite
 * numbers, cycles), exceed {@link PARAMS_LIMITS}, or set a client order id under any name.
 * The walk is iterative, so a hostile depth cannot overflow the stack.
 */
export function checkIntentParams(params: unknown, extra: ClientIdKeys = new Set()): { params: Record<string, unknown> } | { reason: string; field: string } {
  if (!isPlainObject(params)) return { reason: 'params must be a plain object', field: 'params' };
  for (const key of Object.keys(params)) {
    if (isClientIdKey(key, extra)) {
      return { reason: `params.${key} would set the exchange's client order id, which is assigned by misso; remove it`, field: `params.${key}` };
    }
  }
  const seen = new Set<object>();
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: params, path: 'params', depth: 0 }];
  let entries = 0;
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    // undefined is what JSON drops anyway ({reduceOnly: undefined} is common JavaScript).
    if (value === null || value === undefined || typeof value === 'string' || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { reason: `${path} must be a finite number`, field: path };
      continue;
    }
    if (typeof value !== 'object') return { reason: `${path} is a ${typeof value}; params must be plain JSON`, field: path };
    if (seen.has(value)) return { reason: `${path} refers back to itself; params must be plain JSON`, field: path };
    seen.add(value);
    if (depth >= PARAMS_LIMITS.maxDepth) return { reason: `params nest deeper than ${PARAMS_LIMITS.maxDepth} levels`, field: 'params' };
    // Array.from visits a sparse array's holes (as undefined, which JSON writes as null); map skips them.
    const children: [string, unknown][] = Array.isArray(value)
      ? Array.from(value as unknown[], (v, i) => [`${path}[${i}]`, v])
      : isPlainObject(value)
        ? Object.keys(value).map((k) => [`${path}.${k}`, value[k]])
        : [];
    if (!Array.isArray(value) && !isPlainObject(value)) return { reason: `${path} is not a plain object or array; params must be plain JSON`, field: path };
    entries += children.length;
    if (entries > PARAMS_LIMITS.maxEntries) return { reason: `params hold more than ${PARAMS_LIMITS.maxEntries} entries`, field: 'params' };
    for (const [p, v] of children) stack.push({ value: v, path: p, depth: depth + 1 });
  }
  const text = JSON.stringify(params);
  if (text.length > PARAMS_LIMITS.maxJsonChars) {
    return { reason: `params are ${text.length} characters of JSON, more than ${PARAMS_LIMITS.maxJsonChars}`, field: 'params' };
  }
  return { params: JSON.parse(text) as Record<string, unknown> };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  // Getters and symbol keys would run code or vanish in JSON: only plain data properties pass.
  if (Object.getOwnPropertySymbols(v).length > 0) return false;
  return Object.values(Object.getOwnPropertyDescriptors(v)).every((d) => 'value' in d);
}
