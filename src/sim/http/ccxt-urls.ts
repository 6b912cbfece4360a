/**
 * Points a ccxt exchange's REST endpoints at a local server: every string in `urls.api` keeps its
 * path (`/fapi/v1`, `/api/v3` …) and gets `baseUrl` as its origin. Only `http(s)://` strings
 * change (websocket URLs are left alone: the sim server speaks REST only). Returns a new object;
 * pass it as the exchange's `urls.api`.
 *
 * @example
 * ```ts
 * const ex = new ccxt.binanceusdm({ apiKey, secret });
 * ex.urls['api'] = rewriteApiUrls(ex.urls['api'], server.url);
 * ```
 */
export function rewriteApiUrls<T>(api: T, baseUrl: string): T {
  const base = baseUrl.replace(/\/+$/, '');
  return rewrite(api, base) as T;
}

function rewrite(value: unknown, base: string): unknown {
  if (typeof value === 'string') return value.replace(/^https?:\/\/[^/]+/i, base);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, base)]));
  }
  return value;
}
