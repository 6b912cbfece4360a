import type { Exchange } from 'ccxt';

// Keys of ccxt's `has` that are market-type or feature flags, not methods.
const NOT_METHODS = new Set(['index', 'spot', 'margin', 'swap', 'future', 'option', 'sandbox', 'CORS', 'publicAPI', 'privateAPI', 'ws', 'deposit']);
// Request-making methods that ccxt does not list in `has`.
const EXTRA = new Set(['loadMarkets', 'loadTimeDifference', 'fetchTime', 'fetchMarkets', 'fetchCurrencies', 'fetchStatus']);
// ccxt's implicit REST methods, defined per instance from the exchange's API table.
const IMPLICIT = /(Get|Post|Put|Delete|Patch)([A-Z0-9]|$)|_(get|post|put|delete|patch)(_|$)/;

const cache = new Map<string, boolean>();

/**
 * True for the methods that send requests and so go through the restart gate and the budget:
 * ccxt's unified REST methods (the names in `has`), `loadMarkets` and friends, and the implicit
 * endpoint methods (`fapiPrivatePostOrder`). Websocket streams (`watch*`, `*Ws`) and synchronous
 * helpers (`market()`, `amountToPrecision`) are not gated. camelCase and snake_case alike.
 */
export function isGatedMethod(exchange: Exchange, name: string): boolean {
  const known = cache.get(name);
  if (known !== undefined) return known;
  const camel = camelName(name);
  let gated: boolean;
  if (EXTRA.has(camel)) gated = true;
  else if (/^(watch|unWatch)/.test(camel) || camel.endsWith('Ws') || NOT_METHODS.has(camel)) gated = false;
  else if (camel in exchange.has) gated = true;
  else gated = IMPLICIT.test(name) && Object.prototype.hasOwnProperty.call(exchange, name);
  // Implicit names depend on the class; only cache answers that hold for every exchange.
  if (gated || !IMPLICIT.test(name)) cache.set(name, gated);
  return gated;
}

/** `fetch_open_orders` → `fetchOpenOrders`; camelCase names are returned as they are. */
export function camelName(name: string): string {
  return name.includes('_') ? name.replace(/_([a-z0-9])/g, (_all, c: string) => c.toUpperCase()) : name;
}
