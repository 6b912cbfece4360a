import type { Clock } from '../core/clock.js';
import { Account } from './account.js';
import { amendOrder, placeOrder, type OrderEntryDeps } from './order-entry.js';
import { copyOrder, describeRef, OrderStore } from './order-store.js';
import { hashUniform } from './prng.js';
import { PricePath, STEP_MS } from './price-path.js';
import { SimError } from './sim-error.js';
import { expireIdleReduceOnly, sweepSteps, type SweepParts } from './step-sweep.js';
import { Liquidator } from './liquidation.js';
import { candleRows } from './candle-window.js';
import { FundingLedger } from './funding-charges.js';
import { depthBooksOf } from './depth-book.js';
import { tickerOf, touchOf } from './ticker.js';
import { OwnTradeMinutes } from './own-trade-minutes.js';
import { TradeTape, type PublicTape } from './trade-tape.js';
import { buildMarkets, defaultUniverse } from './universe.js';
import { VenueFeed, type SimWalletReason } from './venue-feed.js';
import type { SimVenueCounters, SimVenueOptions } from './venue-options.js';
import type { ListOrdersQuery, OrderRef, PlaceOrderRequest, SimBalance, SimCandle, SimFill, SimMarket, SimOrder, SimPosition, SimTicker } from './venue-types.js';

export type { SimVenueCounters, SimVenueOptions } from './venue-options.js';

/**
 * The simulated market and its single account, independent of any exchange dialect. Every public
 * method first advances matching to `clock.now()`, walking the 10 s price steps since the last
 * access. Everything returned is a copy. Refusals throw {@link SimError}.
 */
export class SimVenue {
  /** The seed the venue was built with. */
  readonly seed: number;
  readonly #clock: Clock;
  readonly #markets: SimMarket[];
  readonly #bySymbol = new Map<string, SimMarket>();
  readonly #byId = new Map<string, SimMarket>();
  readonly #index = new Map<string, number>();
  readonly #path: PricePath;
  readonly #account: Account;
  readonly #orders: OrderStore;
  #nextStep: number;
  #nextFillId: number;
  #liquidityPerStepUsd: number;
  #slippageBps: number;
  #spreadBps: number;
  #visibilityDelayMs: number;
  /** Every order change, pushed to the venue's streaming faces. */
  readonly feed = new VenueFeed();
  /** Every market's public trades: the account's fills among the other traders' (see `trade-tape.ts`). */
  readonly tape: PublicTape;
  /** Every perpetual's funding rates, and the fees the account paid (see `funding-charges.ts`). @internal */
  readonly funding: FundingLedger;
  /** Liquidation of the account at maintenance margin, and the ones made (see `liquidation.ts`). @internal */
  readonly liquidations: Liquidator;
  readonly #counters: SimVenueCounters = { ordersPlaced: 0, ordersRejected: 0, fills: 0, hiddenByVisibilityDelay: 0 };
  readonly #sweep: SweepParts;
  /** The account's fills by minute, folded into the candles and the ticker (see `own-trade-minutes.ts`). @internal */
  readonly ownTrades = new OwnTradeMinutes();

  constructor(options: SimVenueOptions) {
    this.seed = options.seed;
    this.#clock = options.clock;
    const specs = options.markets ?? defaultUniverse();
    this.#markets = buildMarkets(options.seed, specs);
    this.#markets.forEach((m, i) => {
      this.#bySymbol.set(m.symbol, m);
      this.#byId.set(m.id, m);
      this.#index.set(m.symbol, i);
    });
    const startMs = options.startMs ?? options.clock.now();
    this.#path = new PricePath(
      options.seed,
      this.#markets.map((m, i) => ({ ...m, referencePrice: specs[i]!.referencePrice })),
      startMs,
    );
    this.feed.tapFills((fill) => this.ownTrades.record(fill, this.#bySymbol.get(fill.symbol)!.contractSize));
    this.tape = new TradeTape({ seed: this.seed, path: this.#path, markets: this.#markets, feed: this.feed, now: () => this.now(), sync: () => this.#sync() });
    this.#account = new Account(options.startingBalanceUsd ?? 10_000, options.leverage ?? 20);
    // Ids from the start second (× 1000, plus a seed-drawn offset under 100): a venue started
    // again a second or more later (a restarted sim-server) hands out no id an earlier one did,
    // up to a thousand ids a second of the gap, as a real venue never reuses one. 13 digits: ccxt
    // reads ids of 15 digits or more in websocket frames as strings, which no venue sends.
    const idBase = Math.floor(options.clock.now() / 1000) * 1000 + Math.floor(hashUniform(options.seed, 9, 0, 0, 0) * 100);
    this.#orders = new OrderStore(idBase, (execution, order, at) => this.feed.emit(execution, order, at));
    this.#nextFillId = idBase;
    this.#nextStep = Math.floor(options.clock.now() / STEP_MS);
    this.#liquidityPerStepUsd = options.liquidityPerStepUsd ?? 100_000;
    this.#slippageBps = options.slippageBps ?? 0;
    this.#spreadBps = options.spreadBps ?? 2;
    this.#visibilityDelayMs = options.visibilityDelayMs ?? 0;
    this.#sweep = {
      path: this.#path,
      orders: this.#orders,
      account: this.#account,
      bySymbol: this.#bySymbol,
      index: this.#index,
      liquidityPerStepUsd: () => this.#liquidityPerStepUsd,
      feed: this.feed,
      fillId: () => this.#fillId(),
      expireIdleReduceOnly: (symbol, at) => expireIdleReduceOnly(this.#account, this.#orders, symbol, at),
      afterStep: (step) => {
        this.funding.settleStep(step);
        this.liquidations.check(step);
      },
      nextDueStep: (from, upto) => this.liquidations.nextDueStep(from, Math.min(upto, this.funding.nextChargeStep(from))),
    };
    this.funding = new FundingLedger({ ...this.#sweep, seed: this.seed, enabled: options.funding ?? false, now: () => this.now(), sync: () => this.#sync() });
    this.liquidations = new Liquidator({ ...this.#sweep, enabled: options.liquidation ?? true, sync: () => this.#sync() });
  }

  /** The venue's clock time. */
  now(): number {
    return this.#clock.now();
  }

  /** Walks matching up to `clock.now()`, so a pushing face sees fills without being asked. */
  advance(): void {
    this.#sync();
  }

  /** Copies of the venue's counters. */
  get counters(): SimVenueCounters {
    return { ...this.#counters };
  }

  /** The order-visibility delay in ms; can be changed at run time. */
  get visibilityDelayMs(): number {
    return this.#visibilityDelayMs;
  }

  set visibilityDelayMs(ms: number) {
    this.#visibilityDelayMs = Math.max(0, ms);
  }

  /** USD liquidity per market, side and price step; can be changed at run time. */
  get liquidityPerStepUsd(): number {
    return this.#liquidityPerStepUsd;
  }

  set liquidityPerStepUsd(usd: number) {
    this.#liquidityPerStepUsd = Math.max(0, usd);
  }

  /** Every listed market. */
  listMarkets(): SimMarket[] {
    return this.#markets.map((m) => ({ ...m }));
  }

  /** A market by unified symbol (`BTC/USD:USD`) or id (`BTCUSD`); `bad_symbol` when unknown. */
  market(symbolOrId: string): SimMarket {
    const m = this.#bySymbol.get(symbolOrId) ?? this.#byId.get(symbolOrId);
    if (!m) throw new SimError('bad_symbol', `unknown symbol ${symbolOrId}`);
    return { ...m };
  }

  /** The 24 h ticker of one market. */
  ticker(symbol: string): SimTicker {
    this.#sync();
    return this.#ticker(this.#market(symbol));
  }

  /** Tickers of the given symbols, or of every market. */
  tickers(symbols?: readonly string[]): SimTicker[] {
    this.#sync();
    const markets = symbols ? symbols.map((s) => this.#market(s)) : this.#markets;
    return markets.map((m) => this.#ticker(m));
  }

  /**
   * OHLCV rows, oldest first, ending with the current unfinished candle (whose close is the
   * ticker's `last`). With `since`, the candles opening at or after it; without, the latest ones.
   * @param limit - @defaultValue 500, at most 1500
   */
  candles(symbol: string, timeframe: string, since?: number, limit?: number): SimCandle[] {
    this.#sync();
    const market = this.#market(symbol);
    return candleRows(this.#path, this.#index.get(market.symbol)!, timeframe, this.#clock.now(), since, limit, (row, tf) => this.ownTrades.candle(market.symbol, row, tf));
  }

  /** The account balance in USD (plus spot holdings). */
  balance(): SimBalance {
    this.#sync();
    return this.#balance();
  }

  /** Open swap positions, optionally only of the given symbols. */
  positions(symbols?: readonly string[]): SimPosition[] {
    this.#sync();
    const all = this.#account.positions(this.#bySymbol, (s) => this.#last(s), this.#clock.now());
    if (!symbols) return all;
    const wanted = new Set(symbols.map((s) => this.#market(s).symbol));
    return all.filter((p) => wanted.has(p.symbol));
  }

  /** The account's limit orders resting on `symbol`'s book now (visible or not; untriggered stops are not on it). */
  restingOrders(symbol: string): SimOrder[] {
    this.#sync();
    const only = this.#market(symbol).symbol;
    return this.#orders.open().filter((o) => o.symbol === only && o.type === 'limit' && (o.triggerPrice === undefined || o.triggered)).map(copyOrder);
  }

  /** Realised PnL (before fees) of a swap symbol since the venue started: Binance's `cr`. */
  realizedPnl(symbol: string): number {
    return this.#account.realizedPnlOf(this.#market(symbol).symbol);
  }

  /**
   * Moves the wallet by `deltaUsd` without any order, as a funding fee or a transfer does, and
   * pushes the change (a wallet-only `ACCOUNT_UPDATE` on Binance). Returns the new balance.
   */
  adjustWallet(deltaUsd: number, reason: SimWalletReason): SimBalance {
    if (!Number.isFinite(deltaUsd)) throw new SimError('bad_request', `wallet change must be a finite number, not ${deltaUsd}`);
    this.#sync();
    this.#account.adjustWallet(deltaUsd);
    this.feed.emitWallet({ reason, delta: deltaUsd, wallet: this.#account.wallet, at: this.#clock.now() });
    return this.#balance();
  }

  /**
   * Places an order. Market orders and limit orders at or through the touch take from the book
   * as taker (see the order entry's `placeOrder`); other limit orders rest until the price path
   * crosses them. Throws `bad_symbol`, `invalid_order`, `duplicate_client_order_id` or `insufficient_funds`.
   */
  placeOrder(request: PlaceOrderRequest): SimOrder {
    this.#sync();
    try {
      const placed = placeOrder(this.#entry(), this.#market(request.symbol), request);
      this.#counters.ordersPlaced++;
      return copyOrder(placed);
    } catch (error: unknown) {
      this.#counters.ordersRejected++;
      throw error;
    }
  }

  /** Cancels an open order (visible or not yet visible). `order_not_found` / `order_not_open`. */
  cancelOrder(ref: OrderRef): SimOrder {
    this.#sync();
    const order = this.#orders.get(ref);
    if (order.status !== 'open') throw new SimError('order_not_open', `order ${order.id} is already ${order.status}`);
    this.#orders.settle(order, 'canceled', this.#clock.now());
    return copyOrder(order);
  }

  /**
   * Modifies an open limit order in place (Binance's modify): new price and/or total amount,
   * same ids. `order_not_found`, `order_not_open`, `invalid_order`.
   */
  amendOrder(ref: OrderRef, change: { price?: number; amount?: number }): SimOrder {
    this.#sync();
    const order = this.#orders.get(ref);
    return copyOrder(amendOrder(this.#entry(), this.#market(order.symbol), order, change));
  }

  /**
   * Cancels every open order (visible or not yet), optionally of one symbol and only those
   * `which` keeps (a face whose conditional orders live apart); returns what was canceled.
   */
  cancelAllOrders(symbol?: string, which: (order: SimOrder) => boolean = () => true): SimOrder[] {
    this.#sync();
    const only = symbol === undefined ? undefined : this.#market(symbol).symbol;
    const now = this.#clock.now();
    return this.#orders
      .open()
      .filter((o) => (only === undefined || o.symbol === only) && which(o))
      .map((o) => {
        this.#orders.settle(o, 'canceled', now);
        return copyOrder(o);
      });
  }

  /**
   * Sets a perpetual's leverage (1 to its maximum, whole): its position and open orders are
   * margined at it from now on. A lower leverage whose margin the account cannot cover is
   * refused (`insufficient_funds`) and changes nothing; anything else is `bad_request`.
   */
  setLeverage(symbol: string, leverage: number): number {
    this.#sync();
    const market = this.#market(symbol);
    if (market.type !== 'swap' || !Number.isInteger(leverage) || leverage < 1 || leverage > market.maxLeverage) {
      throw new SimError('bad_request', `leverage ${leverage} is not valid for ${market.symbol} (a whole number from 1 to ${market.maxLeverage} on a perpetual)`);
    }
    const before = this.#account.leverageOf(market);
    this.#account.setLeverage(market.symbol, leverage);
    if (leverage < before && this.#balance().free < 0) {
      this.#account.setLeverage(market.symbol, before);
      throw new SimError('insufficient_funds', `leverage ${leverage} on ${market.symbol} needs more margin than the account has free`);
    }
    return leverage;
  }

  /** A perpetual's leverage: the one {@link setLeverage} set, else the venue's default capped by the market's maximum. */
  leverage(symbol: string): number {
    return this.#account.leverageOf(this.#market(symbol));
  }

  /** One order; `order_not_found` when unknown or still inside the visibility delay. */
  getOrder(ref: OrderRef): SimOrder {
    this.#sync();
    const order = this.#orders.get(ref);
    if (!this.#visible(order)) {
      this.#counters.hiddenByVisibilityDelay++;
      throw new SimError('order_not_found', `order ${describeRef(ref)} not found`);
    }
    return copyOrder(order);
  }

  /**
   * One order even inside the visibility delay, for a face that must check an order's symbol
   * before cancelling it; `order_not_found` when unknown. Not for answering status queries.
   */
  orderIgnoringDelay(ref: OrderRef): SimOrder {
    this.#sync();
    const order = this.#orders.get(ref);
    return copyOrder(order);
  }

  /** Orders matching the query, oldest first, without those inside the visibility delay. */
  listOrders(query: ListOrdersQuery = {}): SimOrder[] {
    this.#sync();
    const q = query.symbol === undefined ? query : { ...query, symbol: this.#market(query.symbol).symbol };
    return this.#orders
      .list(q, (o) => {
        const visible = this.#visible(o);
        if (!visible) this.#counters.hiddenByVisibilityDelay++;
        return visible;
      })
      .map(copyOrder);
  }

  /** The account's fills, oldest first; `limit` keeps the latest unless `since` is given. */
  listFills(query: { symbol?: string; since?: number; limit?: number } = {}): SimFill[] {
    const fills = this.listOrders(query.symbol === undefined ? {} : { symbol: query.symbol })
      .flatMap((o) => o.fills)
      .filter((f) => query.since === undefined || f.timestamp >= query.since)
      .sort((a, b) => a.timestamp - b.timestamp || Number(a.id) - Number(b.id));
    if (query.limit === undefined || fills.length <= query.limit) return fills;
    return query.since !== undefined ? fills.slice(0, query.limit) : fills.slice(fills.length - query.limit);
  }

  #market(symbol: string): SimMarket {
    const m = this.#bySymbol.get(symbol) ?? this.#byId.get(symbol);
    if (!m) throw new SimError('bad_symbol', `unknown symbol ${symbol}`);
    return m;
  }

  #visible(order: SimOrder): boolean {
    return order.timestamp + this.#visibilityDelayMs <= this.#clock.now();
  }

  #last(symbol: string): number {
    return this.#path.closeOfStep(this.#index.get(symbol)!, Math.floor(this.#clock.now() / STEP_MS) - 1);
  }

  #balance(): SimBalance {
    return this.#account.balance(this.#bySymbol, this.#orders.open(), (s) => this.#last(s), this.#clock.now());
  }

  #ticker(market: SimMarket): SimTicker {
    const touch = touchOf(market, this.#last(market.symbol), this.#spreadBps);
    return this.ownTrades.ticker(tickerOf(this.#path, this.#index.get(market.symbol)!, market, touch, this.#clock.now(), this.#liquidityPerStepUsd));
  }

  #entry(): OrderEntryDeps {
    const now = this.#clock.now();
    return {
      account: this.#account,
      orders: this.#orders,
      now,
      touch: (m) => touchOf(m, this.#last(m.symbol), this.#spreadBps),
      balance: () => this.#balance(),
      slippageBps: this.#slippageBps,
      book: depthBooksOf(this),
      nextFillId: () => this.#fillId(),
      onFill: (order, fill) => this.feed.emit('TRADE', order, now, fill),
      expireIdleReduceOnly: (symbol) => expireIdleReduceOnly(this.#account, this.#orders, symbol, now),
    };
  }

  /** Walks the price steps finished since the last access: matching, funding, liquidation. */
  #sync(): void {
    const upto = Math.floor(this.#clock.now() / STEP_MS);
    sweepSteps(this.#sweep, this.#nextStep, upto);
    this.#nextStep = Math.max(this.#nextStep, upto);
  }

  #fillId(): string {
    this.#counters.fills++;
    return String(this.#nextFillId++);
  }
}
