import type { Clock } from '../../../core/clock.js';
import { BinanceApiError } from '../binance-error.js';
import type { Route } from '../binance-routes.js';
import type { ListenKeys } from './listen-keys.js';

/** `-1125`, Binance's answer to keeping a dead listenKey alive. */
export const listenKeyNotFound = (): BinanceApiError => new BinanceApiError(400, -1125, 'This listenKey does not exist.');

/**
 * `POST|PUT|DELETE /fapi/v1/listenKey` (USER_STREAM: API key, no signature), keyed
 * `METHOD /path` like the other routes.
 */
export function listenKeyRoutes(keys: ListenKeys, clock: Clock): Map<string, Route> {
  const path = '/fapi/v1/listenKey';
  return new Map<string, Route>([
    [`POST ${path}`, { signed: false, apiKeyOnly: true, handle: () => ({ listenKey: keys.open(clock.now()) }) }],
    [
      `PUT ${path}`,
      {
        signed: false,
        apiKeyOnly: true,
        handle: () => {
          if (!keys.keepAlive(clock.now())) throw listenKeyNotFound();
          return {};
        },
      },
    ],
    [
      `DELETE ${path}`,
      {
        signed: false,
        apiKeyOnly: true,
        handle: () => {
          keys.close();
          return {};
        },
      },
    ],
  ]);
}
