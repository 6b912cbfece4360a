import type { Exchange, FundingHistory, FundingRateHistory, FundingRates, Leverage, MarginMode, OpenInterest, TradingFeeInterface } from 'ccxt';
import { ccxtFundingRate } from './ccxt-shapes.js';
import type { FundingFeeQuery } from './funding-charges.js';
import { fundingHistory, nextFundingRate, type FundingQuery } from './funding.js';
import { openInterestOf } from './open-interest.js';
import { SimError } from './sim-error.js';
import type { SimVenue } from './venue.js';

/**
 * ccxt structures of the account's configuration and the market's information, for the
 * in-process `sim`, from the same venue state the sim-server's Binance routes answer from
 * (`binance-config-routes.ts`, `binance-market-info-routes.ts`).
 */

/** The perpetual `symbol` names; `bad_symbol` for a spot or unknown market. */
function perpetual(venue: SimVenue, symbol: string): string {
  const market = venue.market(symbol);
  if (market.type !== 'swap') throw new SimError('bad_symbol', `${market.symbol} is not a perpetual`);
  return market.symbol;
}

/** The unified symbols asked for, or every perpetual. */
function perpetuals(venue: SimVenue, symbols: readonly string[] | undefined): string[] {
  return symbols ? symbols.map((s) => perpetual(venue, s)) : venue.listMarkets().filter((m) => m.type === 'swap').map((m) => m.symbol);
}

/** The maker and taker rates the venue charges on `symbol`'s fills. */
export function simTradingFee(venue: SimVenue, symbol: string): TradingFeeInterface {
  const m = venue.market(symbol);
  return { info: { symbol: m.id, maker: m.makerFee, taker: m.takerFee }, symbol: m.symbol, maker: m.makerFee, taker: m.takerFee, percentage: true, tierBased: false };
}

/** Each perpetual's leverage (both sides: one-way mode) and margin mode (cross, the venue's only one). */
export function simLeverages(venue: SimVenue, symbols: readonly string[] | undefined): Record<string, Leverage> {
  return Object.fromEntries(
    perpetuals(venue, symbols).map((symbol) => {
      const leverage = venue.leverage(symbol);
      return [symbol, { info: { symbol, leverage }, symbol, marginMode: 'cross', longLeverage: leverage, shortLeverage: leverage }];
    }),
  );
}

/** Each perpetual's margin mode: cross, the venue's only one. */
export function simMarginModes(venue: SimVenue, symbols: readonly string[] | undefined): Record<string, MarginMode> {
  return Object.fromEntries(perpetuals(venue, symbols).map((symbol) => [symbol, { info: { symbol, marginMode: 'cross' }, symbol, marginMode: 'cross' }]));
}

/** A perpetual's open interest (see `open-interest.ts`), valued at its last price. */
export function simOpenInterest(ex: Exchange, venue: SimVenue, symbol: string): OpenInterest {
  const interest = openInterestOf(venue, symbol);
  const last = venue.ticker(interest.symbol).last;
  return ex.safeOpenInterest(
    {
      symbol: interest.symbol,
      openInterestAmount: interest.contracts,
      openInterestValue: interest.contracts * last,
      timestamp: interest.timestamp,
      datetime: ex.iso8601(interest.timestamp),
      info: interest,
    },
    undefined,
  );
}

/** A perpetual's past fundings (every perpetual's without a symbol), chosen as Binance does (see {@link fundingHistory}). */
export function simFundingRateHistory(ex: Exchange, venue: SimVenue, symbol: string | undefined, query: FundingQuery): FundingRateHistory[] {
  return fundingHistory(venue, perpetuals(venue, symbol === undefined ? undefined : [symbol]), query).map((f) => ({
    info: f,
    symbol: f.symbol,
    fundingRate: f.rate,
    timestamp: f.time,
    datetime: ex.iso8601(f.time),
  }));
}

/** Each perpetual's funding (`symbols`' only, when given) with the rate its next funding will charge. */
export function simFundingRates(ex: Exchange, venue: SimVenue, symbols: readonly string[] | undefined): FundingRates {
  const swaps = new Set(perpetuals(venue, undefined));
  const rates: FundingRates = {};
  for (const t of venue.tickers(symbols)) if (swaps.has(t.symbol)) rates[t.symbol] = ccxtFundingRate(ex, t, nextFundingRate(venue, t));
  return rates;
}

/**
 * The query of ccxt's `since`, `limit` and `params.until`, as Binance reads `startTime`, `limit`
 * (100 by default, at most 1000) and `endTime`.
 */
export function fundingQueryOf(since: number | undefined, limit: number | undefined, until: number | undefined): FundingQuery & FundingFeeQuery {
  return { limit: Math.min(Math.max(1, limit ?? 100), 1000), ...(since == null ? {} : { startTime: since }), ...(until === undefined ? {} : { endTime: until }) };
}

/** The account's funding fees (`symbol`'s, or all), as ccxt's `fetchFundingHistory` shapes Binance's income rows. */
export function simFundingHistory(ex: Exchange, venue: SimVenue, symbol: string | undefined, query: FundingFeeQuery): FundingHistory[] {
  const only = symbol === undefined ? {} : { symbol: perpetual(venue, symbol) };
  return venue.funding.fees({ ...query, ...only }).map((f) => ({
    info: f,
    symbol: f.symbol,
    code: 'USD',
    timestamp: f.time,
    datetime: ex.iso8601(f.time) as string,
    id: f.tranId,
    amount: f.income,
  }));
}
