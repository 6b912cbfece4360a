import ccxt, { type Exchange } from 'ccxt';

/** One request ccxt sent through {@link BinanceFixture}. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** ccxt aborts it when its timeout passes. */
  signal?: AbortSignal;
}

type Handler = (req: SeenRequest) => Response | Promise<Response>;

/**
 * A real `ccxt.binanceusdm` whose HTTP goes to `handle` instead of a socket (ccxt's
 * `fetchImplementation` hook): ccxt's own signing, error parsing and status mapping all run.
 */
export interface BinanceFixture {
  exchange: Exchange;
  requests: SeenRequest[];
  /** Replaces the answer to every request not served by the defaults (time, exchangeInfo). */
  handle: Handler;
  /** When set and answering, replaces the default exchangeInfo (a rebuild meeting a ban). */
  info?: (req: SeenRequest) => Response | undefined;
}

export const SYMBOL = 'BTC/USDT:USDT';

/** A minimal USD-M exchangeInfo with one perpetual, enough for ccxt's loadMarkets. */
export function exchangeInfo(serverTime: number): unknown {
  return {
    timezone: 'UTC',
    serverTime,
    assets: [],
    symbols: [
      {
        symbol: 'BTCUSDT',
        pair: 'BTCUSDT',
        contractType: 'PERPETUAL',
        deliveryDate: 4133404800000,
        onboardDate: 1569398400000,
        status: 'TRADING',
        baseAsset: 'BTC',
        quoteAsset: 'USDT',
        marginAsset: 'USDT',
        pricePrecision: 2,
        quantityPrecision: 3,
        baseAssetPrecision: 8,
        quotePrecision: 8,
        underlyingType: 'COIN',
        triggerProtect: '0.0500',
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: '0.10', maxPrice: '1000000', tickSize: '0.10' },
          { filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '1000', stepSize: '0.001' },
          { filterType: 'MARKET_LOT_SIZE', minQty: '0.001', maxQty: '120', stepSize: '0.001' },
          { filterType: 'MIN_NOTIONAL', notional: '5' },
        ],
        orderTypes: ['LIMIT', 'MARKET'],
        timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
      },
    ],
  };
}

/** A 24h ticker body for BTCUSDT. */
export function tickerBody(last = '50000.0'): unknown {
  return {
    symbol: 'BTCUSDT',
    priceChange: '0',
    priceChangePercent: '0',
    weightedAvgPrice: last,
    lastPrice: last,
    lastQty: '1',
    openPrice: last,
    highPrice: last,
    lowPrice: last,
    volume: '1',
    quoteVolume: last,
    openTime: 0,
    closeTime: 1,
    count: 1,
  };
}

/** An answer that never comes, until ccxt's timeout aborts the request. */
export function hang(req: SeenRequest): Promise<Response> {
  return new Promise<Response>((_resolve, reject) => {
    req.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
  });
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/**
 * Builds a fixture; `serverTime()` answers /fapi/v1/time and exchangeInfo. With `origin` the api
 * URLs point there first, as for `misso sim-server` (requests still go to `handle`).
 */
export function binanceFixture(
  options: { serverTime?: () => number; timeoutMs?: number; origin?: string } = {},
): BinanceFixture {
  const serverTime = options.serverTime ?? (() => Date.now());
  const exchange = new ccxt.binanceusdm({
    apiKey: 'test-key',
    secret: 'test-secret',
    enableRateLimit: false,
    timeout: options.timeoutMs ?? 10_000,
    options: { fetchCurrencies: false, warnOnFetchOpenOrdersWithoutSymbol: false },
  });
  if (options.origin) {
    // As with `exchange.urls.api: <origin>`: ccxt then only knows Binance's host-independent error table.
    const api = exchange.urls['api'] as Record<string, string>;
    for (const key of Object.keys(api)) api[key] = (api[key] ?? '').replace(/^https:\/\/[^/]+/, options.origin);
  }
  const fixture: BinanceFixture = {
    exchange,
    requests: [],
    handle: () => json(tickerBody()),
  };
  const fetchImplementation = async (url: string, init: { method?: string; signal?: AbortSignal }): Promise<Response> => {
    const parsed = new URL(url);
    const req: SeenRequest = { method: init.method ?? 'GET', path: parsed.pathname, query: parsed.searchParams };
    if (init.signal) req.signal = init.signal;
    fixture.requests.push(req);
    if (req.path === '/fapi/v1/time') return json({ serverTime: serverTime() });
    if (req.path === '/fapi/v1/exchangeInfo') return fixture.info?.(req) ?? json(exchangeInfo(serverTime()));
    return fixture.handle(req);
  };
  (exchange as unknown as { fetchImplementation: unknown }).fetchImplementation = fetchImplementation;
  return fixture;
}
