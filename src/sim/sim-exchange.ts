import type { Exchange as CcxtExchange, Balances, Dict, FundingHistory, FundingRate, FundingRateHistory, FundingRates, Int, Leverages, MarginModes, Market, Num, OHLCV, OpenInterest, Order, OrderBook, OrderSide, OrderType, Position, PositionModeInfo, Str, Strings, Ticker, Tickers, Trade, TradingFeeInterface } from 'ccxt';
import { ArgumentsRequired, BadSymbol, ccxtExchangeBase, InvalidOrder } from '../exchange/ccxt-lib.js';
import { ccxtBalance, ccxtError, ccxtMarket, ccxtOrder, ccxtOrderBook, ccxtPosition, ccxtPublicTrade, ccxtTicker, ccxtTrade, tapeQuery } from './ccxt-shapes.js';
import { depthBooksOf } from './depth-book.js';
import { SIM_DESCRIPTION } from './sim-describe.js';
import { SimStreams } from './sim-streams.js';
import { orderKindParams, orderNumber } from './order-params.js';
import { Realism, realismOf, type RealismSettings } from './realism.js';
import { SimError } from './sim-error.js';
import { checkOrderSymbol, simOrderRef } from './sim-order-ref.js';
import { fundingQueryOf, simFundingHistory, simFundingRateHistory, simFundingRates, simLeverages, simMarginModes, simOpenInterest, simTradingFee } from './sim-market-info.js';
import { parseSimKnobs, SIM_RUNTIME_KNOBS_SCHEMA } from './sim-knobs.js';
import type { SimExchangeCounters, SimExchangeOptions } from './sim-exchange-options.js';
import { SimVenue } from './venue.js';
import type { SimOrder } from './venue-types.js';

// ccxt's own base class, loaded by file and synchronously (see ccxt-lib): awaiting it here would
// make misso/sim impossible to `require`. misso's main entry imports this module only when a
// simulated exchange is built.
const ExchangeBase: typeof CcxtExchange = ccxtExchangeBase();

export { SIM_KNOBS_SCHEMA, SIM_RUNTIME_KNOBS_SCHEMA, type SimKnobs } from './sim-knobs.js';
export type { SimExchangeCounters, SimExchangeOptions } from './sim-exchange-options.js';

/**
 * The simulated exchange as a ccxt `Exchange`: markets, tickers, candles, balance, orders and
 * positions come from a {@link SimVenue}, shaped by ccxt's own `safe*` builders and refused with
 * ccxt's own error classes, so callers cannot tell it from a real exchange by its answers.
 * Methods it does not implement throw ccxt's `NotSupported`.
 */
export class SimExchange extends ExchangeBase {
  readonly #venue: SimVenue;
  readonly #realism: Realism;
  readonly #streams: SimStreams;

  constructor(options: SimExchangeOptions) {
    super({ enableRateLimit: false, ...(options.ccxt ?? {}) });
    const seed = options.seed ?? options.venue?.seed ?? 7;
    this.#venue = options.venue ?? new SimVenue({ ...(options.venueOptions ?? {}), seed, clock: options.clock });
    this.#realism = new Realism(options.clock, seed, 'sim');
    if (options.realism) this.#realism.configure(options.realism);
    this.#streams = new SimStreams(this, this.#venue, options.clock, options.streamPushMs ?? 1000);
    this.#streams.setSilent(options.silentStreams ?? []);
  }

  override describe(): Dict {
    return this.deepExtend(super.describe(), SIM_DESCRIPTION);
  }

  /** The sim's connection to `url` (opened if needed), where ccxt.pro would dial a websocket. */
  override client(url: Str): ReturnType<CcxtExchange['client']> {
    return this.#streams.connect(String(url)) as unknown as ReturnType<CcxtExchange['client']>;
  }

  // Plain methods, not getters: ccxt's constructor reads and re-assigns every property name of the
  // prototype chain (its snake_case aliasing), which throws on getters and runs before # fields exist.

  /** The venue behind this exchange (share it with other faces). */
  getVenue(): SimVenue {
    return this.#venue;
  }

  /** A snapshot of what was called, injected and refused so far. */
  counters(): SimExchangeCounters {
    return { ...this.#realism.counters, venue: this.#venue.counters };
  }

  /** The realism settings in force. */
  realismSettings(): RealismSettings {
    return this.#realism.settings;
  }

  /**
   * Changes knobs at run time, with the config's snake_case names: `latency_ms`, `rate_limit`,
   * `faults`, `timeout_delay_ms`, `visibility_delay_ms`, `liquidity_per_step_usd`,
   * `silent_streams`. Throws an
   * Error naming a bad knob. Giving `faults` restarts the rules' call counts.
   */
  setKnobs(knobs: Record<string, unknown>): void {
    const k = parseSimKnobs(SIM_RUNTIME_KNOBS_SCHEMA, knobs);
    this.#realism.configure(realismOf(k));
    if (k.visibility_delay_ms !== undefined) this.#venue.visibilityDelayMs = k.visibility_delay_ms;
    if (k.liquidity_per_step_usd !== undefined) this.#venue.liquidityPerStepUsd = k.liquidity_per_step_usd;
    if (k.silent_streams !== undefined) this.#streams.setSilent(k.silent_streams);
  }

  /** Zeroes the realism counters (the venue's keep counting). */
  resetCounters(): void {
    this.#realism.resetCounters();
  }

  /** The venue's clock, in ms since the epoch (ccxt's unified `fetchTime`). */
  override async fetchTime(_params: Dict = {}): Promise<Int> {
    return this.#call('fetchTime', () => this.#venue.now());
  }

  override async fetchMarkets(_params: Dict = {}): Promise<Market[]> {
    return this.#call('fetchMarkets', () => this.#venue.listMarkets().map((m) => ccxtMarket(this, m)));
  }

  override async fetchTicker(symbol: string, _params: Dict = {}): Promise<Ticker> {
    await this.loadMarkets();
    const market = this.market(symbol);
    return this.#call('fetchTicker', () => ccxtTicker(this, this.#venue.ticker(market.symbol)));
  }

  override async fetchTickers(symbols?: Strings, _params: Dict = {}): Promise<Tickers> {
    await this.loadMarkets();
    const wanted = symbols ? this.marketSymbols(symbols) : undefined;
    return this.#call('fetchTickers', () => {
      const result: Tickers = {};
      for (const t of this.#venue.tickers(wanted ?? undefined)) result[t.symbol] = ccxtTicker(this, t);
      return result;
    });
  }

  /** The venue's book (see `DepthBooks`), `nonce` its update id. */
  override async fetchOrderBook(symbol: string, limit?: Int, _params: Dict = {}): Promise<OrderBook> {
    await this.loadMarkets();
    const market = this.market(symbol);
    return this.#call('fetchOrderBook', () => ccxtOrderBook(this, depthBooksOf(this.#venue).book(market.symbol, limit ?? undefined)));
  }

  override async fetchOHLCV(symbol: string, timeframe = '1m', since?: Int, limit?: Int, _params: Dict = {}): Promise<OHLCV[]> {
    await this.loadMarkets();
    const market = this.market(symbol);
    return this.#call('fetchOHLCV', () => this.#venue.candles(market.symbol, timeframe, since ?? undefined, limit ?? undefined));
  }

  /** The venue's public trade tape (see `TradeTape`), the account's fills among its prints. */
  override async fetchTrades(symbol: string, since?: Int, limit?: Int, params: Dict = {}): Promise<Trade[]> {
    await this.loadMarkets();
    const market = this.market(symbol);
    return this.#call('fetchTrades', () => this.#venue.tape.trades(market.symbol, tapeQuery(since ?? undefined, limit ?? undefined, params)).map((t) => ccxtPublicTrade(this, t)));
  }

  override async fetchBalance(_params: Dict = {}): Promise<Balances> {
    await this.loadMarkets();
    return this.#call('fetchBalance', () => ccxtBalance(this, this.#venue.balance()));
  }

  override async fetchPositions(symbols?: Strings, _params: Dict = {}): Promise<Position[]> {
    await this.loadMarkets();
    const wanted = symbols ? this.marketSymbols(symbols) : undefined;
    return this.#call('fetchPositions', () =>
      this.#venue.positions(wanted ?? undefined).map((p) => ccxtPosition(this, p)),
    );
  }

  /** A perpetual's leverage (1 to its maximum, whole), margining its position and orders from now on; answers as Binance does. */
  override async setLeverage(leverage: Int, symbol?: Str, _params: Dict = {}): Promise<Dict> {
    if (symbol === undefined || symbol === null) throw new ArgumentsRequired(`${this.id} setLeverage() requires a symbol argument`);
    await this.loadMarkets();
    const market = this.market(symbol);
    return this.#call('setLeverage', () => ({ symbol: market.symbol, leverage: this.#venue.setLeverage(market.symbol, Number(leverage)) }));
  }

  /** A perpetual's funding (see `ccxtFundingRate`): the rate the next funding will charge, 0 with the `funding` knob off. */
  override async fetchFundingRate(symbol: string, params: Dict = {}): Promise<FundingRate> {
    const rates = await this.fetchFundingRates([symbol], params);
    const rate = Object.values(rates)[0];
    if (rate === undefined) throw new BadSymbol(`${this.id} fetchFundingRate() takes a perpetual; ${symbol} is not one`);
    return rate;
  }

  override async fetchFundingRates(symbols?: Strings, _params: Dict = {}): Promise<FundingRates> {
    return this.#read('fetchFundingRates', () => simFundingRates(this, this.#venue, symbols ? this.marketSymbols(symbols) : undefined));
  }

  /** The maker and taker rates the venue charges on the market's fills. */
  override async fetchTradingFee(symbol: string, _params: Dict = {}): Promise<TradingFeeInterface> {
    return this.#read('fetchTradingFee', () => simTradingFee(this.#venue, this.market(symbol).symbol));
  }

  /** Each perpetual's leverage (`setLeverage`'s, else the default), cross margin; ccxt's `fetchLeverage` asks this. */
  override async fetchLeverages(symbols?: Strings, _params: Dict = {}): Promise<Leverages> {
    return this.#read('fetchLeverages', () => simLeverages(this.#venue, symbols ? this.marketSymbols(symbols) : undefined));
  }

  /** Cross, the venue's only margin mode; ccxt's `fetchMarginMode` asks this. */
  override async fetchMarginModes(symbols?: Strings, _params: Dict = {}): Promise<MarginModes> {
    return this.#read('fetchMarginModes', () => simMarginModes(this.#venue, symbols ? this.marketSymbols(symbols) : undefined));
  }

  /** One-way: the venue nets each symbol into one position. */
  override async fetchPositionMode(_symbol?: Str, _params: Dict = {}): Promise<PositionModeInfo> {
    return this.#read('fetchPositionMode', () => ({ info: { dualSidePosition: false }, hedged: false }));
  }

  override async fetchOpenInterest(symbol: string, _params: Dict = {}): Promise<OpenInterest> {
    return this.#read('fetchOpenInterest', () => simOpenInterest(this, this.#venue, this.market(symbol).symbol));
  }

  /** Past fundings as Binance chooses them: `since` keeps the first `limit` (100, at most 1000) from it, else the latest up to `params.until`. */
  override async fetchFundingRateHistory(symbol?: Str, since?: Int, limit?: Int, params: Dict = {}): Promise<FundingRateHistory[]> {
    const query = fundingQueryOf(since, limit, this.safeInteger(params, 'until'));
    return this.#read('fetchFundingRateHistory', () => simFundingRateHistory(this, this.#venue, symbol ? this.market(symbol).symbol : undefined, query));
  }

  /** The account's funding fees (`funding` knob), as Binance's income history chooses them: like {@link fetchFundingRateHistory}, but the last 7 days without `since` or `until`. */
  override async fetchFundingHistory(symbol?: Str, since?: Int, limit?: Int, params: Dict = {}): Promise<FundingHistory[]> {
    const query = fundingQueryOf(since, limit, this.safeInteger(params, 'until'));
    return this.#read('fetchFundingHistory', () => simFundingHistory(this, this.#venue, symbol ? this.market(symbol).symbol : undefined, query));
  }

  /**
   * Places a limit or market order. `params.clientOrderId` (or Binance's `newClientOrderId`) sets
   * the client id, `params.reduceOnly` only reduces a position; `timeInForce`, `postOnly` and the
   * trigger prices as in {@link orderKindParams}. Amount and prices are rounded to precision.
   */
  override async createOrder(
    symbol: string,
    type: OrderType,
    side: OrderSide,
    amount: number,
    price?: Num,
    params: Dict = {},
  ): Promise<Order> {
    await this.loadMarkets();
    const market = this.market(symbol);
    if (type !== 'limit' && type !== 'market') throw new InvalidOrder(`${this.id} createOrder() type must be limit or market`);
    if (side !== 'buy' && side !== 'sell') throw new InvalidOrder(`${this.id} createOrder() side must be buy or sell`);
    const qty = Number(this.amountToPrecision(market.symbol, orderNumber(this.id, 'createOrder', 'amount', amount)));
    let limitPrice: number | undefined;
    if (type === 'limit') {
      if (price === undefined || price === null) throw new ArgumentsRequired(`${this.id} createOrder() requires a price for limit orders`);
      limitPrice = Number(this.priceToPrecision(market.symbol, orderNumber(this.id, 'createOrder', 'price', price)));
    }
    const clientOrderId = this.safeString2(params, 'clientOrderId', 'newClientOrderId');
    const reduceOnly = this.safeBool(params, 'reduceOnly', false) ?? false;
    const kind = orderKindParams(this.id, params, (p) => Number(this.priceToPrecision(market.symbol, p)));
    return this.#call('createOrder', () => {
      const o = this.#venue.placeOrder({
        symbol: market.symbol,
        side,
        type,
        amount: qty,
        reduceOnly,
        ...kind,
        ...(limitPrice !== undefined ? { price: limitPrice } : {}),
        ...(clientOrderId !== undefined ? { clientOrderId } : {}),
      });
      return ccxtOrder(this, o);
    });
  }

  /** Cancels by id, or by `params.clientOrderId` / `params.origClientOrderId`. */
  override async cancelOrder(id: string, symbol?: Str, params: Dict = {}): Promise<Order> {
    await this.loadMarkets();
    const ref = simOrderRef(this.id, id, params, 'cancelOrder');
    const only = symbol ? this.market(symbol).symbol : undefined;
    return this.#call('cancelOrder', () => {
      if (only !== undefined) checkOrderSymbol(this.#venue.orderIgnoringDelay(ref), only, ref);
      return ccxtOrder(this, this.#venue.cancelOrder(ref));
    });
  }

  /**
   * Modifies an open limit order in place (Binance's modify): new price and/or total amount,
   * same id and client id. By id, or `params.clientOrderId` / `params.origClientOrderId`.
   */
  override async editOrder(id: string, symbol: string, _type: OrderType, _side: OrderSide, amount?: Num, price?: Num, params: Dict = {}): Promise<Order> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const ref = simOrderRef(this.id, id, params, 'editOrder');
    const qty = amount === undefined || amount === null ? undefined : Number(this.amountToPrecision(market.symbol, orderNumber(this.id, 'editOrder', 'amount', amount)));
    const limit = price === undefined || price === null ? undefined : Number(this.priceToPrecision(market.symbol, orderNumber(this.id, 'editOrder', 'price', price)));
    return this.#call('editOrder', () => {
      checkOrderSymbol(this.#venue.orderIgnoringDelay(ref), market.symbol, ref);
      const o = this.#venue.amendOrder(ref, { ...(qty !== undefined ? { amount: qty } : {}), ...(limit !== undefined ? { price: limit } : {}) });
      return ccxtOrder(this, o);
    });
  }

  override async cancelAllOrders(symbol?: Str, _params: Dict = {}): Promise<Order[]> {
    await this.loadMarkets();
    const only = symbol ? this.market(symbol).symbol : undefined;
    return this.#call('cancelAllOrders', () => this.#venue.cancelAllOrders(only).map((o) => ccxtOrder(this, o)));
  }

  /** One order by id, or by `params.clientOrderId` / `params.origClientOrderId`. */
  override async fetchOrder(id: string, symbol?: Str, params: Dict = {}): Promise<Order> {
    await this.loadMarkets();
    const ref = simOrderRef(this.id, id, params, 'fetchOrder');
    const only = symbol ? this.market(symbol).symbol : undefined;
    return this.#call('fetchOrder', () => {
      const o = this.#venue.getOrder(ref);
      if (only !== undefined) checkOrderSymbol(o, only, ref);
      return ccxtOrder(this, o);
    });
  }

  override async fetchOrders(symbol?: Str, since?: Int, limit?: Int, _params: Dict = {}): Promise<Order[]> {
    return this.#listOrders('fetchOrders', undefined, symbol, since, limit);
  }

  override async fetchOpenOrders(symbol?: Str, since?: Int, limit?: Int, _params: Dict = {}): Promise<Order[]> {
    return this.#listOrders('fetchOpenOrders', 'open', symbol, since, limit);
  }

  /** Filled orders (ccxt's `closed`); canceled ones are in `fetchCanceledOrders`. */
  override async fetchClosedOrders(symbol?: Str, since?: Int, limit?: Int, _params: Dict = {}): Promise<Order[]> {
    return this.#listOrders('fetchClosedOrders', 'closed', symbol, since, limit);
  }

  /** Canceled and expired orders. */
  override async fetchCanceledOrders(symbol?: Str, since?: Int, limit?: Int, _params: Dict = {}): Promise<Order[]> {
    return this.#listOrders('fetchCanceledOrders', ['canceled', 'expired'], symbol, since, limit);
  }

  override async fetchMyTrades(symbol?: Str, since?: Int, limit?: Int, _params: Dict = {}): Promise<Trade[]> {
    await this.loadMarkets();
    const only = symbol ? this.market(symbol).symbol : undefined;
    return this.#call('fetchMyTrades', () =>
      this.#venue
        .listFills({
          ...(only !== undefined ? { symbol: only } : {}),
          ...(since !== undefined && since !== null ? { since } : {}),
          ...(limit !== undefined && limit !== null ? { limit } : {}),
        })
        .map((f) => ccxtTrade(this, f)),
    );
  }

  // The watch* methods: the venue's pushes in the clock's time, no latency or faults (those are
  // the REST face's knobs; `silent_streams` silences a stream). Each resolves with what arrived
  // since the previous call; closing the exchange rejects pending calls.

  override async watchTickers(symbols?: Strings, _params: Dict = {}): Promise<Tickers> {
    return this.#streams.tickers(symbols ?? undefined);
  }

  override async watchOHLCVForSymbols(symbolsAndTimeframes: string[][], _since?: Int, _limit?: Int, _params: Dict = {}): Promise<Record<string, Record<string, OHLCV[]>>> {
    return this.#streams.ohlcv(symbolsAndTimeframes);
  }

  override async watchTrades(symbol: string, _since?: Int, _limit?: Int, _params: Dict = {}): Promise<Trade[]> {
    return this.#streams.trades([symbol]);
  }

  override async watchTradesForSymbols(symbols: string[], _since?: Int, _limit?: Int, _params: Dict = {}): Promise<Trade[]> {
    return this.#streams.trades(symbols);
  }

  override async watchOrderBook(symbol: string, limit?: Int, _params: Dict = {}): Promise<OrderBook> {
    return this.#streams.orderBook(symbol, limit ?? undefined);
  }

  override async watchOrders(symbol?: Str, _since?: Int, _limit?: Int, _params: Dict = {}): Promise<Order[]> {
    return this.#streams.orders(symbol ?? undefined);
  }

  override async watchMyTrades(symbol?: Str, _since?: Int, _limit?: Int, _params: Dict = {}): Promise<Trade[]> {
    return this.#streams.myTrades(symbol ?? undefined);
  }

  override async watchBalance(_params: Dict = {}): Promise<Balances> {
    return this.#streams.balance();
  }

  override async watchPositions(symbols?: Strings, _since?: Int, _limit?: Int, _params: Dict = {}): Promise<Position[]> {
    return this.#streams.positions(symbols ?? undefined);
  }

  async #listOrders(method: string, status: SimOrder['status'] | SimOrder['status'][] | undefined, symbol?: Str, since?: Int, limit?: Int): Promise<Order[]> {
    await this.loadMarkets();
    const only = symbol ? this.market(symbol).symbol : undefined;
    return this.#call(method, () =>
      this.#venue
        .listOrders({
          ...(only !== undefined ? { symbol: only } : {}),
          ...(status !== undefined ? { status } : {}),
          ...(since !== undefined && since !== null ? { since } : {}),
          ...(limit !== undefined && limit !== null ? { limit } : {}),
        })
        .map((o) => ccxtOrder(this, o)),
    );
  }

  /** {@link SimExchange.#call} once the markets are loaded (a read that names a symbol). */
  async #read<T>(method: string, request: () => T): Promise<T> {
    await this.loadMarkets();
    return this.#call(method, request);
  }

  /** Runs a venue request through the realism layer, turning venue refusals into ccxt errors. */
  #call<T>(method: string, request: () => T): Promise<T> {
    return this.#realism.run(method, () => {
      try {
        return request();
      } catch (error: unknown) {
        throw error instanceof SimError ? ccxtError(this, error) : error;
      }
    });
  }
}
