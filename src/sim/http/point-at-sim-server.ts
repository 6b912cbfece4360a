import type { Exchange } from 'ccxt';
import { hasPlainWsUrl, rewriteOrigins } from '../../exchange/urls.js';

/**
 * Points an unmodified ccxt Binance USD-M exchange (`new ccxt.binanceusdm(…)`, or
 * `new ccxt.pro.binanceusdm(…)` to stream) at a running `misso sim-server`, as misso does for
 * `exchange.urls: {api: URL}`, and returns it:
 * - every URL under `urls.api`, nested maps included (ccxt.pro's `urls.api.ws`), moves to `url`'s
 *   origin with its path kept; websocket URLs become `ws://` (`wss://` for an https `url`);
 * - `options.fetchCurrencies` is switched off: `loadMarkets` would otherwise ask for Binance's
 *   wallet currencies (`/sapi/v1/capital/config/getall`) when credentials are set, which the
 *   server does not serve;
 * - ccxt's proxy agent is loaded, since ccxt refuses to dial a `ws://` URL before that
 *   (`NotSupported: … to use proxy with non-ssl ws:// urls`).
 *
 * Call it before the first `loadMarkets()` (ccxt keeps a failed load's promise). The server
 * takes only its key and secret (`DEFAULT_SIM_API_KEY` / `DEFAULT_SIM_SECRET` unless started
 * with others).
 *
 * @param url - the server's origin, such as `http://127.0.0.1:8555` (`SimServer.url`)
 * @throws TypeError when `exchange` is not a ccxt exchange or `url` is not an http(s) origin
 */
export async function pointAtSimServer<T extends Exchange>(exchange: T, url: string): Promise<T> {
  // From JavaScript the url alone, or the two swapped, must say what to give, not fail inside.
  const urls = (exchange as Partial<Exchange> | null)?.urls as Record<string, unknown> | undefined;
  if (typeof exchange !== 'object' || urls === null || typeof urls !== 'object') {
    throw new TypeError(
      `pointAtSimServer(exchange, url): exchange must be a ccxt exchange such as new ccxt.pro.binanceusdm({apiKey, secret}), got ${typeof exchange === 'string' ? `"${exchange}"` : String(exchange)}`,
    );
  }
  if (typeof url !== 'string' || !/^https?:\/\/[^/]+/i.test(url.trim())) {
    throw new TypeError(`pointAtSimServer: url must be the sim-server's http(s) origin, such as http://127.0.0.1:8555, got ${typeof url === 'string' ? `"${url}"` : String(url)}`);
  }
  const api = rewriteOrigins(urls['api'], url);
  exchange.urls = { ...urls, api } as Exchange['urls'];
  exchange.options['fetchCurrencies'] = false;
  if (hasPlainWsUrl(api)) await exchange.loadHttpProxyAgent();
  return exchange;
}
