import type { Balances, Dict, Exchange, FundingRate, Market, OrderBook, Order, Position, Ticker, Trade } from 'ccxt';
import { FUNDING_INTERVAL_MS, nextFundingTime, SIM_INTEREST_RATE } from './funding.js';
import { BadRequest, BadSymbol, DuplicateOrderId, InsufficientFunds, InvalidOrder, OrderImmediatelyFillable, OrderNotFound } from '../exchange/ccxt-lib.js';
import type { SimOrderBook } from './depth-book.js';
import { SimError } from './sim-error.js';
import type { SimPublicTrade, TradeQuery } from './trade-tape.js';
import type { SimBalance, SimFill, SimMarket, SimOrder, SimPosition, SimTicker } from './venue-types.js';

/*
 * Venue data to ccxt unified structures, always through ccxt's own safe* builders so the shapes
 * (derived fields, defaults, precision) are exactly those of a real exchange.
 */

/** The ccxt error class a venue refusal maps to. */
export function ccxtError(ex: Exchange, error: SimError): Error {
  const message = `${ex.id} ${error.message}`;
  switch (error.code) {
    case 'insufficient_funds':
      return new InsufficientFunds(message);
    case 'bad_symbol':
      return new BadSymbol(message);
    case 'invalid_order':
      return new InvalidOrder(message);
    case 'duplicate_client_order_id':
      return new DuplicateOrderId(message);
    case 'order_not_found':
    case 'order_not_open':
      return new OrderNotFound(message);
    case 'bad_request':
      return new BadRequest(message);
    case 'post_only_would_take':
    case 'would_trigger_now':
      return new OrderImmediatelyFillable(message);
  }
}

/** A listed market as a ccxt market (TICK_SIZE precision). */
export function ccxtMarket(ex: Exchange, m: SimMarket): Market {
  const swap = m.type === 'swap';
  return ex.safeMarketStructure({
    id: m.id,
    symbol: m.symbol,
    base: m.base,
    quote: m.quote,
    settle: m.settle,
    baseId: m.base,
    quoteId: m.quote,
    settleId: m.settle,
    type: m.type,
    spot: !swap,
    margin: false,
    swap,
    future: false,
    option: false,
    index: false,
    active: true,
    contract: swap,
    linear: swap ? true : undefined,
    inverse: swap ? false : undefined,
    contractSize: swap ? m.contractSize : undefined,
    expiry: undefined,
    expiryDatetime: undefined,
    strike: undefined,
    optionType: undefined,
    taker: m.takerFee,
    maker: m.makerFee,
    precision: { amount: m.lotSize, price: m.tickSize },
    limits: {
      leverage: { min: 1, max: m.maxLeverage },
      amount: { min: m.minAmount, max: m.maxAmount },
      price: { min: m.minPrice, max: m.maxPrice },
      cost: { min: m.minNotional, max: undefined },
    },
    created: undefined,
    info: { ...m },
  }) as Market;
}

/** A venue order book as ccxt's, with the update id as `nonce`. */
export function ccxtOrderBook(ex: Exchange, book: SimOrderBook): OrderBook {
  return { ...ex.parseOrderBook({ bids: book.bids, asks: book.asks }, book.symbol, book.timestamp), nonce: book.lastUpdateId };
}

/** A venue ticker as a ccxt ticker. */
export function ccxtTicker(ex: Exchange, t: SimTicker): Ticker {
  return ex.safeTicker(
    {
      symbol: t.symbol,
      info: t,
      timestamp: t.timestamp,
      datetime: ex.iso8601(t.timestamp),
      high: t.high,
      low: t.low,
      bid: t.bid,
      bidVolume: t.bidVolume,
      ask: t.ask,
      askVolume: t.askVolume,
      vwap: t.baseVolume > 0 ? t.quoteVolume / t.baseVolume : undefined,
      open: t.open,
      close: t.last,
      last: t.last,
      previousClose: undefined,
      change: undefined,
      percentage: undefined,
      average: undefined,
      baseVolume: t.baseVolume,
      quoteVolume: t.quoteVolume,
      markPrice: t.markPrice,
      indexPrice: undefined,
    },
    ex.markets?.[t.symbol],
  );
}

/** The venue's balance as ccxt's (USD plus spot holdings). */
export function ccxtBalance(ex: Exchange, b: SimBalance): Balances {
  const result: Dict = { info: b, timestamp: b.timestamp, datetime: ex.iso8601(b.timestamp) };
  result['USD'] = { free: b.free, used: b.used, total: b.total };
  for (const [asset, a] of Object.entries(b.assets)) result[asset] = { ...a };
  return ex.safeBalance(result);
}

/** A fill as a ccxt trade. */
export function ccxtTrade(ex: Exchange, f: SimFill): Trade {
  return ex.safeTrade(
    {
      info: f,
      id: f.id,
      order: f.orderId,
      timestamp: f.timestamp,
      datetime: ex.iso8601(f.timestamp),
      symbol: f.symbol,
      type: undefined,
      side: f.side,
      takerOrMaker: f.maker ? 'maker' : 'taker',
      price: f.price,
      amount: f.amount,
      cost: f.price * f.amount,
      fee: { cost: f.fee, currency: f.feeCurrency, rate: f.feeRate },
    },
    ex.markets?.[f.symbol],
  );
}

/** A print of the public tape as a ccxt public trade (a public print names neither order nor fee). */
export function ccxtPublicTrade(ex: Exchange, t: SimPublicTrade): Trade {
  return ex.safeTrade(
    {
      info: t,
      id: String(t.id),
      timestamp: t.timestamp,
      datetime: ex.iso8601(t.timestamp),
      symbol: t.symbol,
      side: t.side,
      price: t.price,
      amount: t.amount,
      cost: t.price * t.amount,
    },
    ex.markets?.[t.symbol],
  );
}

/**
 * ccxt's `fetchTrades(symbol, since, limit, params)` as a tape query: from `since` (or
 * `params.fromId`), up to `params.until`, else the latest; `limit` 500 by default, at most 1000.
 */
export function tapeQuery(since: number | undefined, limit: number | undefined, params: Dict): TradeQuery {
  // As the venue refuses it (-1100): a limit under 1, or no number, is a bad request, not an empty page.
  if (limit !== undefined && limit !== null && !(Number.isInteger(limit) && limit >= 1)) {
    throw new SimError('bad_request', `limit must be a whole number of at least 1, not ${limit}`);
  }
  const query: TradeQuery = { limit: Math.min(1000, limit ?? 500) };
  if (since !== undefined && since !== null) query.since = since;
  const until = Number(params['until']);
  if (Number.isFinite(until)) query.until = until;
  const fromId = Number(params['fromId']);
  if (Number.isFinite(fromId)) query.fromId = fromId;
  return query;
}

/** A venue order, fills included, as a ccxt order. */
export function ccxtOrder(ex: Exchange, o: SimOrder): Order {
  return ex.safeOrder(
    {
      info: o,
      id: o.id,
      clientOrderId: o.clientOrderId,
      timestamp: o.timestamp,
      datetime: ex.iso8601(o.timestamp),
      lastTradeTimestamp: o.lastTradeTimestamp,
      lastUpdateTimestamp: o.lastUpdateTimestamp,
      symbol: o.symbol,
      type: o.type,
      timeInForce: o.type === 'limit' ? o.timeInForce : 'IOC',
      postOnly: o.timeInForce === 'PO',
      reduceOnly: o.reduceOnly,
      side: o.side,
      price: o.price,
      triggerPrice: o.triggerPrice,
      stopLossPrice: o.triggerKind === 'stop' ? o.triggerPrice : undefined,
      takeProfitPrice: o.triggerKind === 'take_profit' ? o.triggerPrice : undefined,
      amount: o.amount,
      cost: o.cost,
      average: o.average,
      filled: o.filled,
      remaining: o.remaining,
      status: o.status,
      // A spot buy pays its fee in the asset bought.
      fee: { cost: o.fee, currency: ex.markets?.[o.symbol]?.spot === true && o.side === 'buy' ? ex.markets[o.symbol]!.base : 'USD' },
      trades: o.fills.map((f) => ccxtTrade(ex, f)),
    },
    ex.markets?.[o.symbol],
  );
}

/**
 * Figures as an exchange prints them, without the binary float's tail: a price to 12 significant
 * digits (an average entry of 64093.600000000006 is 64093.6), an amount of money to 8 decimals, as
 * Binance prints a PnL (a difference of close prices keeps its noise in significant digits). The
 * venue keeps its own floats.
 */
function tidyPrice(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(12)) : x;
}
function tidy(x: number): number {
  return Number.isFinite(x) ? Number(x.toFixed(8)) : x;
}

/** A swap position as a ccxt position (one-way, cross margin). */
export function ccxtPosition(ex: Exchange, p: SimPosition): Position {
  return ex.safePosition({
    info: p,
    id: undefined,
    symbol: p.symbol,
    timestamp: p.timestamp,
    datetime: ex.iso8601(p.timestamp),
    lastUpdateTimestamp: p.timestamp,
    initialMargin: tidy(p.initialMargin),
    initialMarginPercentage: 1 / p.leverage,
    maintenanceMargin: tidy(p.maintenanceMargin),
    maintenanceMarginPercentage: p.notional > 0 ? Number((p.maintenanceMargin / p.notional).toFixed(6)) : undefined,
    entryPrice: tidyPrice(p.entryPrice),
    notional: tidy(p.notional),
    leverage: p.leverage,
    unrealizedPnl: tidy(p.unrealizedPnl),
    realizedPnl: undefined,
    contracts: p.contracts,
    contractSize: p.contractSize,
    marginRatio: undefined,
    liquidationPrice: p.liquidationPrice > 0 ? tidyPrice(p.liquidationPrice) : undefined,
    markPrice: p.markPrice,
    lastPrice: p.markPrice,
    collateral: tidy(p.initialMargin),
    marginMode: p.marginMode,
    side: p.side,
    hedged: false,
    percentage: tidy((p.unrealizedPnl / p.initialMargin) * 100),
    stopLossPrice: undefined,
    takeProfitPrice: undefined,
  });
}

/**
 * A perpetual's funding as a ccxt funding rate: the mark price is the ticker's, `rate` the one
 * the next funding (at Binance's next 8-hour boundary) will charge (see `funding.ts`).
 */
export function ccxtFundingRate(ex: Exchange, t: SimTicker, rate: number): FundingRate {
  const next = nextFundingTime(t.timestamp);
  return {
    info: t,
    symbol: t.symbol,
    markPrice: t.markPrice,
    indexPrice: t.markPrice,
    interestRate: SIM_INTEREST_RATE,
    estimatedSettlePrice: t.markPrice,
    timestamp: t.timestamp,
    datetime: ex.iso8601(t.timestamp) as string,
    fundingRate: rate,
    fundingTimestamp: next,
    fundingDatetime: ex.iso8601(next) as string,
    interval: `${FUNDING_INTERVAL_MS / 3_600_000}h`,
  };
}
