import type { Clock } from '../../core/clock.js';
import { SimError } from '../sim-error.js';
import type { SimVenue } from '../venue.js';
import {
  SIM_TIMEFRAMES,
  isSimTimeframe,
  type ListOrdersQuery,
  type OrderRef,
  type PlaceOrderRequest,
  type SimMarket,
  type SimCandle,
  type SimOrder,
} from '../venue-types.js';
import { isUntriggeredAlgo } from './binance-algo-format.js';
import { BinanceApiError, BINANCE_ERRORS } from './binance-error.js';
import { historyPage } from '../history-page.js';
import {
  formatAccount,
  formatBalanceList,
  formatBookTicker,
  formatExchangeInfo,
  formatKline,
  formatLeverageBracket,
  formatOrder,
  formatPositionRisk,
  formatTicker24h,
  formatTrade,
} from './binance-format.js';

/** A request that passed the auth check (when its route needs one). */
export interface RouteRequest {
  method: string;
  path: string;
  params: URLSearchParams;
}

/** One served endpoint. */
export interface Route {
  /** USER_DATA / TRADE endpoints need a key and a signature. */
  signed: boolean;
  /** USER_STREAM endpoints need the API key but no signature. @defaultValue false */
  apiKeyOnly?: boolean;
  handle(request: RouteRequest): unknown;
}

/** Binance's pattern for client order ids (and client algo ids). */
export const CLIENT_ORDER_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const DECIMAL = /^\d+(\.\d+)?$/;
/** Conditional types Binance takes only through the algo-order API (`POST /fapi/v1/algoOrder`). */
export const ALGO_TYPES: readonly string[] = ['STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'];

/**
 * Builds the route table, keyed `METHOD /path`. Only USD-settled perpetuals are listed: a USD-M
 * futures API has no spot markets, so the venue's spot markets stay hidden here.
 */
export function createBinanceRoutes(venue: SimVenue, clock: Clock): Map<string, Route> {
  const swaps = (): SimMarket[] => venue.listMarkets().filter((m) => m.type === 'swap');
  const marketById = (id: string | null, required = true): SimMarket | undefined => {
    if (id === null || id === '') {
      if (required) throw BINANCE_ERRORS.missingParam('symbol');
      return undefined;
    }
    const market = swaps().find((m) => m.id === id);
    if (!market) throw BINANCE_ERRORS.badSymbol();
    return market;
  };
  const marketBySymbol = (symbol: string): SimMarket => {
    const market = venue.listMarkets().find((m) => m.symbol === symbol);
    if (!market) throw BINANCE_ERRORS.internal(`venue returned unknown symbol ${symbol}`);
    return market;
  };

  const routes = new Map<string, Route>();
  const add = (key: string, signed: boolean, handle: (r: RouteRequest) => unknown): void => {
    routes.set(key, { signed, handle: (r) => callVenue(() => handle(r), key) });
  };

  const time = (): unknown => ({ serverTime: clock.now() });
  for (const prefix of ['/fapi/v1', '/api/v3']) {
    add(`GET ${prefix}/ping`, false, () => ({}));
    add(`GET ${prefix}/time`, false, time);
  }
  add('GET /fapi/v1/exchangeInfo', false, () => formatExchangeInfo(swaps(), clock.now()));

  add('GET /fapi/v1/ticker/24hr', false, ({ params }) => {
    const m = marketById(params.get('symbol'), false);
    if (m) return formatTicker24h(m, venue.ticker(m.symbol));
    return swaps().map((x) => formatTicker24h(x, venue.ticker(x.symbol)));
  });
  add('GET /fapi/v1/ticker/bookTicker', false, ({ params }) => {
    const m = marketById(params.get('symbol'), false);
    if (m) return formatBookTicker(m, venue.ticker(m.symbol));
    return swaps().map((x) => formatBookTicker(x, venue.ticker(x.symbol)));
  });
  const lastPrice = (m: SimMarket): unknown => {
    const t = venue.ticker(m.symbol);
    return { symbol: m.id, price: formatTicker24h(m, t)['lastPrice'], time: t.timestamp };
  };
  for (const path of ['/fapi/v1/ticker/price', '/fapi/v2/ticker/price']) {
    add(`GET ${path}`, false, ({ params }) => {
      const m = marketById(params.get('symbol'), false);
      return m ? lastPrice(m) : swaps().map(lastPrice);
    });
  }

  add('GET /fapi/v1/klines', false, ({ params }) => {
    const m = marketById(params.get('symbol'));
    if (!m) throw BINANCE_ERRORS.missingParam('symbol');
    const interval = params.get('interval');
    if (interval === null) throw BINANCE_ERRORS.missingParam('interval');
    if (!isSimTimeframe(interval)) throw new BinanceApiError(400, -1120, 'Invalid interval.');
    const tf = SIM_TIMEFRAMES[interval];
    const limit = intParam(params, 'limit', 500, 1, 1500);
    const since = optionalIntParam(params, 'startTime');
    const until = optionalIntParam(params, 'endTime');
    let rows: SimCandle[];
    if (until === undefined) {
      rows = venue.candles(m.symbol, interval, since, limit);
    } else if (since === undefined) {
      // The `limit` candles up to endTime: start far enough back, then keep the tail.
      const from = Math.floor(until / tf) * tf - (limit - 1) * tf;
      rows = venue.candles(m.symbol, interval, Math.max(0, from), limit).filter((c) => c[0] <= until);
    } else {
      rows = venue.candles(m.symbol, interval, since, limit).filter((c) => c[0] <= until);
    }
    return rows.map((c) => formatKline(m, c, tf));
  });

  const account = (): unknown => {
    const positions = venue.positions().map((p) => [marketBySymbol(p.symbol), p] as const);
    return formatAccount(venue.balance(), positions);
  };
  add('GET /fapi/v3/account', true, account);
  add('GET /fapi/v2/account', true, account);
  add('GET /fapi/v2/balance', true, () => formatBalanceList(venue.balance()));
  add('GET /fapi/v3/balance', true, () => formatBalanceList(venue.balance()));

  const positionRisk = (withLeverage: boolean) => ({ params }: RouteRequest): unknown => {
    const only = marketById(params.get('symbol'), false);
    return venue
      .positions()
      .map((p) => [marketBySymbol(p.symbol), p] as const)
      .filter(([m]) => !only || m.id === only.id)
      .map(([m, p]) => formatPositionRisk(m, p, withLeverage));
  };
  add('GET /fapi/v3/positionRisk', true, positionRisk(false));
  add('GET /fapi/v2/positionRisk', true, positionRisk(true));
  add('GET /fapi/v1/leverageBracket', true, ({ params }) => {
    const only = marketById(params.get('symbol'), false);
    return only ? [formatLeverageBracket(only)] : swaps().map(formatLeverageBracket);
  });

  add('POST /fapi/v1/order', true, ({ params }) => {
    const m = marketById(params.get('symbol'));
    if (!m) throw BINANCE_ERRORS.missingParam('symbol');
    const request = parseNewOrder(m, params);
    return formatOrder(m, venue.placeOrder(request), false);
  });
  add('GET /fapi/v1/order', true, ({ params }) => {
    const m = marketById(params.get('symbol'));
    if (!m) throw BINANCE_ERRORS.missingParam('symbol');
    const order = venue.getOrder(orderRef(params));
    // An algo order is not in the matching engine until it triggers.
    if (order.symbol !== m.symbol || isUntriggeredAlgo(order)) throw BINANCE_ERRORS.orderNotFound();
    return formatOrder(m, order, true);
  });
  add('DELETE /fapi/v1/order', true, ({ params }) => {
    const m = marketById(params.get('symbol'));
    if (!m) throw BINANCE_ERRORS.missingParam('symbol');
    const ref = orderRef(params);
    let order: SimOrder;
    try {
      // Like the in-process face: an order still inside the visibility delay can be cancelled.
      const found = venue.orderIgnoringDelay(ref);
      if (found.symbol !== m.symbol || isUntriggeredAlgo(found)) throw BINANCE_ERRORS.unknownOrderCancel();
      order = venue.cancelOrder(ref);
    } catch (error: unknown) {
      // Binance answers every failed cancel (unknown, finished, not yet visible) with -2011.
      if (error instanceof SimError && (error.code === 'order_not_found' || error.code === 'order_not_open')) {
        throw BINANCE_ERRORS.unknownOrderCancel();
      }
      throw error;
    }
    return formatOrder(m, order, false);
  });
  add('PUT /fapi/v1/order', true, ({ params }) => {
    const m = marketById(params.get('symbol'));
    if (!m) throw BINANCE_ERRORS.missingParam('symbol');
    const side = params.get('side');
    if (side === null) throw BINANCE_ERRORS.missingParam('side');
    const ref = orderRef(params);
    const amount = decimalParam(params, 'quantity');
    checkStep('LOT_SIZE', amount, m.lotSize, m.minAmount, m.maxAmount, 'quantity');
    const price = decimalParam(params, 'price');
    checkStep('PRICE_FILTER', price, m.tickSize, m.minPrice, m.maxPrice, 'price');
    let current: SimOrder;
    try {
      current = venue.orderIgnoringDelay(ref);
    } catch {
      throw BINANCE_ERRORS.orderNotFound();
    }
    if (current.symbol !== m.symbol || isUntriggeredAlgo(current)) throw BINANCE_ERRORS.orderNotFound();
    if ((side === 'BUY' ? 'buy' : 'sell') !== current.side) throw BINANCE_ERRORS.orderRejected('Side does not match the order.');
    if (current.status !== 'open') throw BINANCE_ERRORS.orderRejected('Order can not be modified: it is not open.');
    return formatOrder(m, venue.amendOrder(ref, { amount, price }), false);
  });
  add('GET /fapi/v1/userTrades', true, ({ params }) => {
    const m = marketById(params.get('symbol'));
    if (!m) throw BINANCE_ERRORS.missingParam('symbol');
    const limit = intParam(params, 'limit', 500, 1, 1000);
    const since = optionalIntParam(params, 'startTime');
    const until = optionalIntParam(params, 'endTime');
    const fromId = optionalIntParam(params, 'fromId');
    const orderId = params.get('orderId');
    const fills = venue
      .listFills({ symbol: m.symbol, ...(since !== undefined ? { since } : {}) })
      .filter((f) => (until === undefined || f.timestamp <= until) && (fromId === undefined || Number(f.id) >= fromId) && (orderId === null || f.orderId === orderId));
    const chosen = historyPage(fills, since !== undefined || fromId !== undefined, limit);
    return chosen.map((f) => formatTrade(m, f));
  });
  add('GET /fapi/v1/openOrders', true, ({ params }) => {
    const m = marketById(params.get('symbol'), false);
    const query: ListOrdersQuery = m ? { symbol: m.symbol, status: 'open' } : { status: 'open' };
    return venue
      .listOrders(query)
      .filter((o) => !isUntriggeredAlgo(o))
      .map((o) => formatOrder(marketBySymbol(o.symbol), o, true));
  });
  add('GET /fapi/v1/allOrders', true, ({ params }) => {
    const m = marketById(params.get('symbol'));
    if (!m) throw BINANCE_ERRORS.missingParam('symbol');
    const limit = intParam(params, 'limit', 500, 1, 1000);
    const since = optionalIntParam(params, 'startTime');
    const until = optionalIntParam(params, 'endTime');
    const fromId = optionalIntParam(params, 'orderId');
    let orders: SimOrder[];
    if (until === undefined && fromId === undefined) {
      orders = venue.listOrders(since === undefined ? { symbol: m.symbol, limit } : { symbol: m.symbol, since, limit });
    } else {
      orders = venue
        .listOrders(since === undefined ? { symbol: m.symbol } : { symbol: m.symbol, since })
        .filter((o) => (until === undefined || o.timestamp <= until) && (fromId === undefined || Number(o.id) >= fromId));
      orders = historyPage(orders, since !== undefined || fromId !== undefined, limit);
    }
    return orders.filter((o) => !isUntriggeredAlgo(o)).map((o) => formatOrder(m, o, true));
  });
  return routes;
}

function parseNewOrder(m: SimMarket, params: URLSearchParams): PlaceOrderRequest {
  const sideText = params.get('side');
  if (sideText === null) throw BINANCE_ERRORS.missingParam('side');
  if (sideText !== 'BUY' && sideText !== 'SELL') throw new BinanceApiError(400, -1117, 'Invalid side.');
  const typeText = params.get('type');
  if (typeText === null) throw BINANCE_ERRORS.missingParam('type');
  if (ALGO_TYPES.includes(typeText)) throw BINANCE_ERRORS.algoOnlyType();
  if (typeText !== 'LIMIT' && typeText !== 'MARKET') {
    throw BINANCE_ERRORS.orderRejected(`Order type ${typeText} is not supported by misso sim-server (LIMIT and MARKET are).`);
  }
  const positionSide = params.get('positionSide');
  if (positionSide !== null && positionSide !== 'BOTH') {
    throw BINANCE_ERRORS.orderRejected("Order's position side does not match user's setting.");
  }
  const tif = params.get('timeInForce');
  if (typeText === 'LIMIT' && tif !== null && !['GTC', 'IOC', 'FOK', 'GTX'].includes(tif)) {
    throw BINANCE_ERRORS.orderRejected(`timeInForce ${tif} is not supported by misso sim-server (GTC, IOC, FOK and GTX are).`);
  }
  const amount = decimalParam(params, 'quantity');
  checkStep('LOT_SIZE', amount, m.lotSize, m.minAmount, m.maxAmount, 'quantity');
  const request: PlaceOrderRequest = {
    symbol: m.symbol,
    side: sideText === 'BUY' ? 'buy' : 'sell',
    type: typeText === 'LIMIT' ? 'limit' : 'market',
    amount,
  };
  if (typeText === 'LIMIT') {
    const price = decimalParam(params, 'price');
    checkStep('PRICE_FILTER', price, m.tickSize, m.minPrice, m.maxPrice, 'price');
    request.price = price;
  }
  const reduceOnly = params.get('reduceOnly');
  if (reduceOnly !== null) {
    if (reduceOnly !== 'true' && reduceOnly !== 'false') throw BINANCE_ERRORS.badParam('reduceOnly');
    request.reduceOnly = reduceOnly === 'true';
  }
  if (typeText === 'LIMIT' && tif !== null && tif !== 'GTC') request.timeInForce = tif === 'GTX' ? 'PO' : (tif as 'IOC' | 'FOK');
  const clientOrderId = params.get('newClientOrderId');
  if (clientOrderId !== null) {
    if (!CLIENT_ORDER_ID.test(clientOrderId)) throw new BinanceApiError(400, -4015, 'Client order id is not valid.');
    request.clientOrderId = clientOrderId;
  }
  return request;
}

/** Refuses (-1013 LOT_SIZE / PRICE_FILTER) a value off the market's step or outside its bounds. */
export function checkStep(filter: 'LOT_SIZE' | 'PRICE_FILTER', value: number, step: number, min: number, max: number, name: string): void {
  const steps = value / step;
  const fail = filter === 'LOT_SIZE' ? BINANCE_ERRORS.lotSize : BINANCE_ERRORS.priceFilter;
  if (Math.abs(steps - Math.round(steps)) > 1e-6) throw fail(`${name} ${value} is not a multiple of ${step}`);
  if (value < min - step / 2) throw fail(`${name} ${value} is below the minimum ${min}`);
  if (value > max + step / 2) throw fail(`${name} ${value} is above the maximum ${max}`);
}

/** A required decimal parameter (-1102 when missing, -1100 when malformed). */
export function decimalParam(params: URLSearchParams, name: string): number {
  const text = params.get(name);
  if (text === null || text === '') throw BINANCE_ERRORS.missingParam(name);
  if (!DECIMAL.test(text)) throw BINANCE_ERRORS.badParam(name);
  return Number(text);
}

/** An optional whole-number parameter (-1100 when malformed). */
export function optionalIntParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw BINANCE_ERRORS.badParam(name);
  return Number(text);
}

/** A whole-number parameter with a default, capped at `max` (-1100 below `min`). */
export function intParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const value = optionalIntParam(params, name) ?? fallback;
  if (value < min) throw BINANCE_ERRORS.badParam(name);
  return Math.min(value, max);
}

function orderRef(params: URLSearchParams): OrderRef {
  const id = params.get('orderId');
  if (id !== null && id !== '') return { id };
  const clientOrderId = params.get('origClientOrderId');
  if (clientOrderId !== null && clientOrderId !== '') return { clientOrderId };
  throw new BinanceApiError(400, -1102, 'Param orderId or origClientOrderId must be sent, but both were empty/null!');
}

/** Runs a handler, turning the venue's typed refusals into Binance answers. */
export function callVenue(run: () => unknown, route: string): unknown {
  try {
    return run();
  } catch (error: unknown) {
    if (error instanceof BinanceApiError) throw error;
    if (error instanceof SimError) throw fromSimError(error);
    const message = error instanceof Error ? error.message : String(error);
    throw BINANCE_ERRORS.internal(`${route}: ${message}`);
  }
}

/** Maps a venue refusal to the Binance error ccxt turns into the matching class. */
export function fromSimError(error: SimError): BinanceApiError {
  switch (error.code) {
    case 'insufficient_funds':
      return BINANCE_ERRORS.insufficientMargin();
    case 'bad_symbol':
      return BINANCE_ERRORS.badSymbol();
    case 'invalid_order':
      return error.detail === 'reduce_only_rejected' ? BINANCE_ERRORS.reduceOnlyRejected() : BINANCE_ERRORS.orderRejected(error.message);
    case 'duplicate_client_order_id':
      return BINANCE_ERRORS.duplicateClientOrderId();
    case 'order_not_found':
      return BINANCE_ERRORS.orderNotFound();
    case 'order_not_open':
      return BINANCE_ERRORS.unknownOrderCancel();
    case 'bad_request':
      return new BinanceApiError(400, -1100, error.message);
    case 'post_only_would_take':
      return new BinanceApiError(400, -5022, 'Due to the order could not be executed as maker, the Post Only order will be rejected.');
    case 'would_trigger_now':
      return new BinanceApiError(400, -2021, 'Order would immediately trigger.');
  }
}
