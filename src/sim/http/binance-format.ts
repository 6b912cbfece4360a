import { LIQUIDATION_FEE_RATE, maintMarginRatio } from '../margin-rules.js';
import { listingTime } from '../universe.js';
import type { SimBalance, SimCandle, SimFill, SimMarket, SimOrder, SimPosition, SimTicker } from '../venue-types.js';

/**
 * Venue data → Binance USD-M futures JSON. Numbers go out as decimal strings with the market's
 * precision, as Binance sends them; ids and times as JSON numbers.
 */

const DAY_MS = 86_400_000;
/** Binance's `deliveryDate` for perpetuals (year 2100), which ccxt reads as "no expiry". */
const PERPETUAL_DELIVERY_DATE = 4_133_404_800_000;
/** Decimals for USD amounts that have no market precision (balances, PnL). */
const USD_DECIMALS = 8;

/** Number of decimals of a step such as 0.001 (3) or 10 (0). */
export function decimalsOf(step: number): number {
  for (let p = 0; p <= 16; p++) {
    const scaled = step * 10 ** p;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return p;
  }
  return 16;
}

/** A plain decimal string (never exponent notation), `places` decimals, no negative zero. */
export function dec(value: number, places: number): string {
  const text = value.toFixed(places);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** The shortest decimal string that reads back as exactly `value` (never exponent notation). */
export function exact(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toFixed(20).replace(/\.?0+$/, '');
}

/** One `symbols[]` entry of `GET /fapi/v1/exchangeInfo` for a USD-settled perpetual. */
export function formatExchangeInfoSymbol(m: SimMarket, listedAtMs: number): Record<string, unknown> {
  const pricePlaces = decimalsOf(m.tickSize);
  const qtyPlaces = decimalsOf(m.lotSize);
  return {
    symbol: m.id,
    pair: m.id,
    contractType: 'PERPETUAL',
    deliveryDate: PERPETUAL_DELIVERY_DATE,
    onboardDate: listedAtMs,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: m.base,
    quoteAsset: m.quote,
    marginAsset: m.settle ?? m.quote,
    pricePrecision: pricePlaces,
    quantityPrecision: qtyPlaces,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    triggerProtect: '0.0500',
    liquidationFee: LIQUIDATION_FEE_RATE.toFixed(6),
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: dec(m.minPrice, pricePlaces), maxPrice: dec(m.maxPrice, pricePlaces), tickSize: dec(m.tickSize, pricePlaces) },
      { filterType: 'LOT_SIZE', minQty: dec(m.minAmount, qtyPlaces), maxQty: dec(m.maxAmount, qtyPlaces), stepSize: dec(m.lotSize, qtyPlaces) },
      { filterType: 'MARKET_LOT_SIZE', minQty: dec(m.minAmount, qtyPlaces), maxQty: dec(m.maxAmount, qtyPlaces), stepSize: dec(m.lotSize, qtyPlaces) },
      { filterType: 'MAX_NUM_ORDERS', limit: 200 },
      { filterType: 'MIN_NOTIONAL', notional: String(m.minNotional) },
    ],
    // Only what the sim venue fills; ccxt refuses other order types before sending them.
    orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET'],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
    // Not a Binance field: the seed's watch-list filter reads `market.info.volumeUsd24h`.
    volumeUsd24h: m.volumeUsd24h,
    maxLeverage: m.maxLeverage,
  };
}

/** The whole `GET /fapi/v1/exchangeInfo` answer. */
export function formatExchangeInfo(markets: readonly SimMarket[], nowMs: number): Record<string, unknown> {
  const listedAt = listingTime(nowMs);
  return {
    timezone: 'UTC',
    serverTime: nowMs,
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: [{ asset: 'USD', marginAvailable: true, autoAssetExchange: '0' }],
    symbols: markets.map((m) => formatExchangeInfoSymbol(m, listedAt)),
  };
}

/** One entry of `GET /fapi/v1/ticker/24hr` (futures tickers carry no bid/ask). */
export function formatTicker24h(m: SimMarket, t: SimTicker): Record<string, unknown> {
  const pp = decimalsOf(m.tickSize);
  const change = t.last - t.open;
  return {
    symbol: m.id,
    priceChange: dec(change, pp),
    priceChangePercent: dec(t.open === 0 ? 0 : (change / t.open) * 100, 3),
    weightedAvgPrice: dec(t.baseVolume > 0 ? t.quoteVolume / t.baseVolume : t.last, pp),
    lastPrice: dec(t.last, pp),
    lastQty: dec(m.lotSize, decimalsOf(m.lotSize)),
    openPrice: dec(t.open, pp),
    highPrice: dec(t.high, pp),
    lowPrice: dec(t.low, pp),
    volume: dec(t.baseVolume, 8),
    quoteVolume: dec(t.quoteVolume, 2),
    openTime: t.timestamp - DAY_MS,
    closeTime: t.timestamp,
    firstId: 1,
    lastId: 1,
    count: 1,
  };
}

/** One entry of `GET /fapi/v1/ticker/bookTicker`. */
export function formatBookTicker(m: SimMarket, t: SimTicker): Record<string, unknown> {
  const pp = decimalsOf(m.tickSize);
  const qp = decimalsOf(m.lotSize);
  return {
    symbol: m.id,
    bidPrice: dec(t.bid, pp),
    bidQty: dec(t.bidVolume, qp),
    askPrice: dec(t.ask, pp),
    askQty: dec(t.askVolume, qp),
    time: t.timestamp,
  };
}

/** One row of `GET /fapi/v1/klines`. */
export function formatKline(m: SimMarket, c: SimCandle, timeframeMs: number): unknown[] {
  const pp = decimalsOf(m.tickSize);
  const [t, o, h, l, close, v] = c;
  // Volumes are not on the lot grid: send the shortest exact decimal, so nothing is lost.
  return [t, dec(o, pp), dec(h, pp), dec(l, pp), dec(close, pp), exact(v), t + timeframeMs - 1,
    dec(v * close, 4), 1, '0', '0', '0'];
}

function binanceStatus(o: SimOrder): string {
  switch (o.status) {
    case 'open':
      return o.filled > 0 ? 'PARTIALLY_FILLED' : 'NEW';
    case 'closed':
      return 'FILLED';
    case 'canceled':
      return 'CANCELED';
    case 'expired':
      return 'EXPIRED';
  }
}

/** An order's type as Binance names it: `LIQUIDATION` for the venue's closing order of a liquidation. */
export function binanceOrderType(o: Pick<SimOrder, 'type'>): string {
  return o.type === 'limit' ? 'LIMIT' : o.type === 'liquidation' ? 'LIQUIDATION' : 'MARKET';
}

/** An order's price field: the limit price, or a liquidation order's price (the mark it closed at); 0 for a market order. */
export function binanceOrderPrice(o: Pick<SimOrder, 'type' | 'price'>, places: number): string {
  return o.type !== 'market' && o.price !== undefined ? dec(o.price, places) : dec(0, places);
}

/**
 * An order's time in force as Binance names it, on REST answers and in the user stream's
 * `ORDER_TRADE_UPDATE` (`f`): post-only is `GTX`, and a market order carries `GTC`.
 */
export function binanceTimeInForce(o: Pick<SimOrder, 'type' | 'timeInForce'>): string {
  if (o.type === 'market') return 'GTC';
  return o.timeInForce === 'PO' ? 'GTX' : o.timeInForce;
}

/**
 * A futures order object. `withTime` adds `time` (creation), which Binance sends on queries but
 * not on the answers to POST and DELETE.
 */
export function formatOrder(m: SimMarket, o: SimOrder, withTime: boolean): Record<string, unknown> {
  const pp = decimalsOf(m.tickSize);
  const qp = decimalsOf(m.lotSize);
  const type = binanceOrderType(o);
  const out: Record<string, unknown> = {
    orderId: orderIdJson(o.id),
    symbol: m.id,
    status: binanceStatus(o),
    clientOrderId: o.clientOrderId,
    price: binanceOrderPrice(o, pp),
    avgPrice: dec(o.average ?? 0, Math.max(pp, 5)),
    origQty: dec(o.amount, qp),
    executedQty: dec(o.filled, qp),
    cumQty: dec(o.filled, qp),
    cumQuote: dec(o.cost, USD_DECIMALS),
    timeInForce: binanceTimeInForce(o),
    type,
    reduceOnly: o.reduceOnly,
    closePosition: false,
    side: o.side === 'buy' ? 'BUY' : 'SELL',
    positionSide: 'BOTH',
    stopPrice: '0',
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: type,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
    updateTime: o.lastUpdateTimestamp,
  };
  if (withTime) out['time'] = o.timestamp;
  return out;
}

/** One entry of `GET /fapi/v1/userTrades`; the commission is positive, in USD. */
export function formatTrade(m: SimMarket, f: SimFill): Record<string, unknown> {
  const pp = decimalsOf(m.tickSize);
  const qp = decimalsOf(m.lotSize);
  return {
    buyer: f.side === 'buy',
    commission: dec(f.fee, USD_DECIMALS),
    commissionAsset: 'USD',
    id: orderIdJson(f.id),
    maker: f.maker,
    orderId: orderIdJson(f.orderId),
    price: dec(f.price, pp),
    qty: dec(f.amount, qp),
    quoteQty: dec(f.price * f.amount, USD_DECIMALS),
    realizedPnl: dec(f.realizedPnl, USD_DECIMALS),
    side: f.side === 'buy' ? 'BUY' : 'SELL',
    positionSide: 'BOTH',
    symbol: m.id,
    time: f.timestamp,
  };
}

/** Binance order ids are JSON numbers; ids that are not safe integers go out as strings. */
export function orderIdJson(id: string): number | string {
  const n = Number(id);
  return Number.isSafeInteger(n) && String(n) === id ? n : id;
}

/** `GET /fapi/v3/account` (also served as v2). */
export function formatAccount(
  b: SimBalance,
  positions: readonly (readonly [SimMarket, SimPosition])[],
): Record<string, unknown> {
  const u = (x: number): string => dec(x, USD_DECIMALS);
  const positionMargin = positions.reduce((sum, [, p]) => sum + p.initialMargin, 0);
  const maintenance = positions.reduce((sum, [, p]) => sum + p.maintenanceMargin, 0);
  const usd = {
    asset: 'USD',
    walletBalance: u(b.wallet),
    unrealizedProfit: u(b.unrealizedPnl),
    marginBalance: u(b.total),
    maintMargin: u(maintenance),
    initialMargin: u(b.used),
    positionInitialMargin: u(positionMargin),
    openOrderInitialMargin: u(Math.max(0, b.used - positionMargin)),
    crossWalletBalance: u(b.wallet),
    crossUnPnl: u(b.unrealizedPnl),
    availableBalance: u(b.free),
    maxWithdrawAmount: u(Math.max(0, b.free)),
    updateTime: b.timestamp,
  };
  const others = Object.entries(b.assets).map(([asset, a]) => ({
    asset,
    walletBalance: u(a.total),
    unrealizedProfit: u(0),
    marginBalance: u(a.total),
    maintMargin: u(0),
    initialMargin: u(a.used),
    positionInitialMargin: u(0),
    openOrderInitialMargin: u(a.used),
    crossWalletBalance: u(a.total),
    crossUnPnl: u(0),
    availableBalance: u(a.free),
    maxWithdrawAmount: u(a.free),
    updateTime: b.timestamp,
  }));
  return {
    totalInitialMargin: usd.initialMargin,
    totalMaintMargin: usd.maintMargin,
    totalWalletBalance: usd.walletBalance,
    totalUnrealizedProfit: usd.unrealizedProfit,
    totalMarginBalance: usd.marginBalance,
    totalPositionInitialMargin: usd.positionInitialMargin,
    totalOpenOrderInitialMargin: usd.openOrderInitialMargin,
    totalCrossWalletBalance: usd.crossWalletBalance,
    totalCrossUnPnl: usd.crossUnPnl,
    availableBalance: usd.availableBalance,
    maxWithdrawAmount: usd.maxWithdrawAmount,
    assets: [usd, ...others],
    positions: positions.map(([m, p]) => ({
      symbol: m.id,
      positionSide: 'BOTH',
      positionAmt: dec(p.side === 'short' ? -p.contracts : p.contracts, decimalsOf(m.lotSize)),
      unrealizedProfit: u(p.unrealizedPnl),
      isolatedMargin: '0',
      notional: u(signedNotional(p)),
      isolatedWallet: '0',
      initialMargin: u(p.initialMargin),
      maintMargin: u(p.maintenanceMargin),
      updateTime: p.timestamp,
    })),
  };
}

/** `GET /fapi/v2/balance`. */
export function formatBalanceList(b: SimBalance): Record<string, unknown>[] {
  const u = (x: number): string => dec(x, USD_DECIMALS);
  return [
    {
      accountAlias: 'misso-sim',
      asset: 'USD',
      balance: u(b.wallet),
      crossWalletBalance: u(b.wallet),
      crossUnPnl: u(b.unrealizedPnl),
      availableBalance: u(b.free),
      maxWithdrawAmount: u(Math.max(0, b.free)),
      marginAvailable: true,
      updateTime: b.timestamp,
    },
  ];
}

function signedNotional(p: SimPosition): number {
  return p.side === 'short' ? -p.notional : p.notional;
}

/** One entry of `GET /fapi/v3/positionRisk` (v3 has no `leverage`; v2 adds it). */
export function formatPositionRisk(m: SimMarket, p: SimPosition, withLeverage: boolean): Record<string, unknown> {
  const pp = decimalsOf(m.tickSize);
  const qp = decimalsOf(m.lotSize);
  const u = (x: number): string => dec(x, USD_DECIMALS);
  const out: Record<string, unknown> = {
    symbol: m.id,
    positionSide: 'BOTH',
    positionAmt: dec(p.side === 'short' ? -p.contracts : p.contracts, qp),
    entryPrice: dec(p.entryPrice, Math.max(pp, 8)),
    breakEvenPrice: dec(p.entryPrice, Math.max(pp, 8)),
    markPrice: dec(p.markPrice, Math.max(pp, 8)),
    unRealizedProfit: u(p.unrealizedPnl),
    liquidationPrice: dec(p.liquidationPrice, Math.max(pp, 8)),
    isolatedMargin: '0',
    notional: u(signedNotional(p)),
    marginAsset: 'USD',
    isolatedWallet: '0',
    initialMargin: u(p.initialMargin),
    maintMargin: u(p.maintenanceMargin),
    positionInitialMargin: u(p.initialMargin),
    openOrderInitialMargin: '0',
    adl: 0,
    bidNotional: '0',
    askNotional: '0',
    updateTime: p.timestamp,
  };
  if (withLeverage) {
    out['leverage'] = String(p.leverage);
    out['marginType'] = 'cross';
    out['maxNotionalValue'] = '1000000000';
  }
  return out;
}

/** The notional cap of the one leverage bracket every market has. */
const NOTIONAL_CAP_USD = 1_000_000_000;

/** One leverage bracket as `GET /fapi/v1/leverageBracket` lists it. */
export interface LeverageBracket {
  bracket: number;
  initialLeverage: number;
  notionalCap: number;
  notionalFloor: number;
  maintMarginRatio: number;
  cum: number;
}

/** A market's leverage brackets: one, up to its maximum leverage (the venue has no tiers). */
export function leverageBrackets(m: SimMarket): LeverageBracket[] {
  return [{ bracket: 1, initialLeverage: m.maxLeverage, notionalCap: NOTIONAL_CAP_USD, notionalFloor: 0, maintMarginRatio: maintMarginRatio(m), cum: 0 }];
}

/**
 * Binance's `maxNotionalValue` at `leverage`: the largest cap among the brackets that still
 * allow that leverage, so `symbolConfig` and `POST /fapi/v1/leverage` agree with the brackets.
 */
export function maxNotionalAt(m: SimMarket, leverage: number): number {
  return Math.max(0, ...leverageBrackets(m).filter((b) => b.initialLeverage >= leverage).map((b) => b.notionalCap));
}

/** One entry of `GET /fapi/v1/leverageBracket`. */
export function formatLeverageBracket(m: SimMarket): Record<string, unknown> {
  return { symbol: m.id, notionalCoef: 1, brackets: leverageBrackets(m) };
}
