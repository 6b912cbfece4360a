import { SimError } from '../sim-error.js';
import type { SimVenue } from '../venue.js';
import type { OrderRef, PlaceOrderRequest, SimMarket, SimOrder, SimTimeInForce } from '../venue-types.js';
import { algoIdOf, formatAlgoOrder, isAlgoOrder, isUntriggeredAlgo, venueIdOfAlgo } from './binance-algo-format.js';
import { BinanceApiError, BINANCE_ERRORS } from './binance-error.js';
import {
  callVenue,
  checkStep,
  CLIENT_ORDER_ID,
  decimalParam,
  intParam,
  optionalIntParam,
  type Route,
  type RouteRequest,
} from './binance-routes.js';

const CONDITIONAL_TYPES: Readonly<Record<string, { type: 'limit' | 'market'; kind: 'stop' | 'take_profit' }>> = {
  STOP: { type: 'limit', kind: 'stop' },
  STOP_MARKET: { type: 'market', kind: 'stop' },
  TAKE_PROFIT: { type: 'limit', kind: 'take_profit' },
  TAKE_PROFIT_MARKET: { type: 'market', kind: 'take_profit' },
};

/**
 * Binance USD-M's algo-order API, where ccxt sends every conditional order on a linear swap
 * (`triggerPrice`, `stopLossPrice`, `takeProfitPrice`): `POST|GET|DELETE /fapi/v1/algoOrder`,
 * `GET /fapi/v1/openAlgoOrders`, `GET /fapi/v1/allAlgoOrders` and `DELETE /fapi/v1/algoOpenOrders`.
 * The venue's trigger engine runs underneath; see `binance-algo-format.ts` for how one venue
 * order is both the algo order and, once triggered, the regular order it became.
 */
export function createAlgoRoutes(venue: SimVenue): Map<string, Route> {
  const marketById = (id: string | null): SimMarket => {
    if (id === null || id === '') throw BINANCE_ERRORS.missingParam('symbol');
    const market = venue.listMarkets().find((m) => m.type === 'swap' && m.id === id);
    if (!market) throw BINANCE_ERRORS.badSymbol();
    return market;
  };
  const optionalMarket = (id: string | null): SimMarket | undefined => (id === null || id === '' ? undefined : marketById(id));
  const marketOf = (o: SimOrder): SimMarket => venue.market(o.symbol);

  const routes = new Map<string, Route>();
  const add = (key: string, handle: (r: RouteRequest) => unknown): void => {
    routes.set(key, { signed: true, handle: (r) => callVenue(() => handle(r), key) });
  };

  add('POST /fapi/v1/algoOrder', ({ params }) => {
    const m = marketById(params.get('symbol'));
    return formatAlgoOrder(m, venue.placeOrder(parseAlgoOrder(m, params)));
  });
  add('GET /fapi/v1/algoOrder', ({ params }) => {
    const only = optionalMarket(params.get('symbol'));
    const order = venue.getOrder(algoRef(params));
    if (!isAlgoOrder(order) || (only && order.symbol !== only.symbol)) throw BINANCE_ERRORS.orderNotFound();
    return formatAlgoOrder(marketOf(order), order);
  });
  add('DELETE /fapi/v1/algoOrder', ({ params }) => {
    const only = optionalMarket(params.get('symbol'));
    const ref = algoRef(params);
    let order: SimOrder;
    try {
      // Like a regular cancel, an order still inside the visibility delay can be cancelled.
      const found = venue.orderIgnoringDelay(ref);
      // Once triggered, the order lives in the matching engine: the regular cancel reaches it.
      if (!isUntriggeredAlgo(found) || (only && found.symbol !== only.symbol)) throw BINANCE_ERRORS.unknownOrderCancel();
      order = venue.cancelOrder(ref);
    } catch (error: unknown) {
      if (error instanceof SimError && (error.code === 'order_not_found' || error.code === 'order_not_open')) {
        throw BINANCE_ERRORS.unknownOrderCancel();
      }
      throw error;
    }
    return { algoId: algoIdOf(order), clientAlgoId: order.clientOrderId, code: '200', msg: 'success' };
  });
  // Open algo orders are the ones waiting for their trigger; a triggered one is a regular order.
  add('GET /fapi/v1/openAlgoOrders', ({ params }) => {
    const only = optionalMarket(params.get('symbol'));
    const from = optionalIntParam(params, 'algoId');
    return venue
      .listOrders(only ? { symbol: only.symbol, status: 'open' } : { status: 'open' })
      .filter((o) => isUntriggeredAlgo(o) && (from === undefined || algoIdOf(o) === from))
      .map((o) => formatAlgoOrder(marketOf(o), o));
  });
  add('GET /fapi/v1/allAlgoOrders', ({ params }) => {
    const m = marketById(params.get('symbol'));
    const limit = intParam(params, 'limit', 500, 1, 1000);
    const page = intParam(params, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
    const since = optionalIntParam(params, 'startTime');
    const until = optionalIntParam(params, 'endTime');
    const fromId = optionalIntParam(params, 'algoId');
    const all = venue
      .listOrders(since === undefined ? { symbol: m.symbol } : { symbol: m.symbol, since })
      .filter((o) => isAlgoOrder(o) && (until === undefined || o.timestamp <= until) && (fromId === undefined || algoIdOf(o) >= fromId));
    const chosen =
      since === undefined && fromId === undefined && page === 1 ? all.slice(-limit) : all.slice((page - 1) * limit, page * limit);
    return chosen.map((o) => formatAlgoOrder(m, o));
  });
  add('DELETE /fapi/v1/algoOpenOrders', ({ params }) => {
    const m = marketById(params.get('symbol'));
    for (const o of venue.listOrders({ symbol: m.symbol, status: 'open' })) {
      if (isUntriggeredAlgo(o)) venue.cancelOrder({ id: o.id });
    }
    return { code: 200, msg: 'The operation of cancel all open order is done.' };
  });
  return routes;
}

function parseAlgoOrder(m: SimMarket, params: URLSearchParams): PlaceOrderRequest {
  const algoType = params.get('algoType');
  if (algoType === null || algoType === '') throw BINANCE_ERRORS.missingParam('algoType');
  if (algoType !== 'CONDITIONAL') throw BINANCE_ERRORS.orderRejected(`algoType ${algoType} is not supported by misso sim-server (CONDITIONAL is).`);
  const side = params.get('side');
  if (side === null) throw BINANCE_ERRORS.missingParam('side');
  if (side !== 'BUY' && side !== 'SELL') throw new BinanceApiError(400, -1117, 'Invalid side.');
  const typeText = params.get('type');
  if (typeText === null) throw BINANCE_ERRORS.missingParam('type');
  const kind = CONDITIONAL_TYPES[typeText];
  if (!kind) {
    throw BINANCE_ERRORS.orderRejected(`Order type ${typeText} is not supported by misso sim-server's algo orders (${Object.keys(CONDITIONAL_TYPES).join(', ')} are).`);
  }
  const positionSide = params.get('positionSide');
  if (positionSide !== null && positionSide !== 'BOTH') throw BINANCE_ERRORS.orderRejected("Order's position side does not match user's setting.");
  for (const [name, allowed] of [['workingType', 'CONTRACT_PRICE'], ['priceMatch', 'NONE'], ['closePosition', 'false']] as const) {
    const value = params.get(name);
    if (value !== null && value !== allowed) throw BINANCE_ERRORS.orderRejected(`${name} ${value} is not supported by misso sim-server (${allowed} is).`);
  }
  const amount = decimalParam(params, 'quantity');
  checkStep('LOT_SIZE', amount, m.lotSize, m.minAmount, m.maxAmount, 'quantity');
  const triggerPrice = decimalParam(params, 'triggerPrice');
  checkStep('PRICE_FILTER', triggerPrice, m.tickSize, m.minPrice, m.maxPrice, 'triggerPrice');
  const request: PlaceOrderRequest = { symbol: m.symbol, side: side === 'BUY' ? 'buy' : 'sell', type: kind.type, amount, triggerPrice, triggerKind: kind.kind };
  if (kind.type === 'limit') {
    const price = decimalParam(params, 'price');
    checkStep('PRICE_FILTER', price, m.tickSize, m.minPrice, m.maxPrice, 'price');
    request.price = price;
    const tif = params.get('timeInForce');
    if (tif !== null && !['GTC', 'IOC', 'FOK', 'GTX'].includes(tif)) {
      throw BINANCE_ERRORS.orderRejected(`timeInForce ${tif} is not supported by misso sim-server (GTC, IOC, FOK and GTX are).`);
    }
    if (tif !== null && tif !== 'GTC') request.timeInForce = (tif === 'GTX' ? 'PO' : tif) as SimTimeInForce;
  }
  const reduceOnly = params.get('reduceOnly');
  if (reduceOnly !== null) {
    if (reduceOnly !== 'true' && reduceOnly !== 'false') throw BINANCE_ERRORS.badParam('reduceOnly');
    request.reduceOnly = reduceOnly === 'true';
  }
  const clientAlgoId = params.get('clientAlgoId');
  if (clientAlgoId !== null) {
    if (!CLIENT_ORDER_ID.test(clientAlgoId)) throw new BinanceApiError(400, -4015, 'Client order id is not valid.');
    request.clientOrderId = clientAlgoId;
  }
  return request;
}

function algoRef(params: URLSearchParams): OrderRef {
  const text = params.get('algoId');
  if (text !== null && text !== '') {
    const id = /^\d+$/.test(text) ? venueIdOfAlgo(Number(text)) : undefined;
    // An id outside the algo range names no algo order.
    if (id === undefined) throw new SimError('order_not_found', `no algo order ${text}`);
    return { id };
  }
  const clientAlgoId = params.get('clientAlgoId');
  if (clientAlgoId !== null && clientAlgoId !== '') return { clientOrderId: clientAlgoId };
  throw new BinanceApiError(400, -1102, 'Param algoId or clientAlgoId must be sent, but both were empty/null!');
}
