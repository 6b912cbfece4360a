/**
 * Applies the `exchange.urls` config to a ccxt `urls` object and returns the result (the input is
 * not changed). Objects are merged key by key, anything else replaces. One shorthand: a string
 * `api` (`urls: {api: http://127.0.0.1:8555}`) moves every URL under `urls.api` to that origin
 * and keeps each path, so `https://fapi.binance.com/fapi/v1` becomes
 * `http://127.0.0.1:8555/fapi/v1`; websocket URLs follow with `ws://` (or `wss://` for https).
 */
export function applyUrlOverrides(urls: unknown, overrides: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const base = isPlainObject(urls) ? urls : {};
  const { api, ...rest } = overrides;
  let result = deepMerge(base, rest);
  if (typeof api === 'string') {
    result = { ...result, api: rewriteOrigins(result['api'], api) };
  } else if (api !== undefined) {
    result = deepMerge(result, { api });
  }
  return result;
}

/** Moves every `http(s)://` / `ws(s)://` URL inside `value` to `origin`, keeping paths. */
export function rewriteOrigins(value: unknown, origin: string): unknown {
  const match = /^(https?):\/\/([^/]+)/i.exec(origin.trim());
  if (!match) throw new Error(`urls.api must be an http(s) origin such as http://127.0.0.1:8555, got "${origin}"`);
  const [, scheme = 'http', host = ''] = match;
  const wsScheme = scheme.toLowerCase() === 'https' ? 'wss' : 'ws';
  const rewrite = (v: unknown): unknown => {
    if (typeof v === 'string') {
      return v.replace(/^(https?|wss?):\/\/[^/]+/i, (_all, s: string) =>
        `${s.toLowerCase().startsWith('ws') ? wsScheme : scheme.toLowerCase()}://${host}`,
      );
    }
    if (Array.isArray(v)) return v.map(rewrite);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewrite(x)]));
    return v;
  };
  return rewrite(value);
}

/**
 * Whether a ccxt `urls.api` holds a plain `ws://` URL (a local sim-server's): ccxt dials one only
 * after `await exchange.loadHttpProxyAgent()`, and refuses it before with `NotSupported: … to use
 * proxy with non-ssl ws:// urls`.
 */
export function hasPlainWsUrl(api: unknown): boolean {
  if (typeof api === 'string') return /^ws:\/\//i.test(api);
  if (Array.isArray(api)) return api.some(hasPlainWsUrl);
  return isPlainObject(api) && Object.values(api).some(hasPlainWsUrl);
}

function deepMerge(target: Record<string, unknown>, source: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const current = out[key];
    out[key] = isPlainObject(value) && isPlainObject(current) ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
