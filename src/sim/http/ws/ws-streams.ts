import { depthBooksOf, type DepthBooks, type SimOrderBook } from '../../depth-book.js';
import { nextFundingRate } from '../../funding.js';
import type { SimVenue } from '../../venue.js';
import { partialDepthEvent } from '../depth-format.js';
import { SIM_TIMEFRAMES, isSimTimeframe, type SimMarket, type SimTicker, type SimTimeframe } from '../../venue-types.js';
import { bookTickerEvent, klineEvent, markPriceEvent, miniTickerEvent, tickerEvent } from './ws-market-format.js';
import { aggTradeEvent, tradeEvent } from '../trade-format.js';

/** One market stream a client can subscribe to. */
export type MarketStream =
  | { kind: 'kline'; market: SimMarket; interval: SimTimeframe }
  | { kind: 'ticker' | 'miniTicker' | 'bookTicker' | 'markPrice'; market: SimMarket }
  /** `<s>@depth[@100ms|@500ms]`: diff events, sent as the book changes (see `DepthBooks`). */
  | { kind: 'depth'; market: SimMarket }
  /** `<s>@depth<5|10|20>[@100ms|@500ms]`: the top levels, every push. */
  | { kind: 'partialDepth'; market: SimMarket; levels: number }
  /** `<s>@trade` / `<s>@aggTrade`: the tape's new prints, one event each, as its steps end (see `TradeTape`). */
  | { kind: 'trade' | 'aggTrade'; market: SimMarket }
  /** `<s>@forceOrder` / `!forceOrder@arr`: the venue's liquidations, sent as they happen (see `force-order-format.ts`). */
  | { kind: 'forceOrder'; market: SimMarket }
  | { kind: 'allTickers' | 'allMiniTickers' | 'allMarkPrices' | 'allForceOrders' };

const SINGLE = /^([a-z0-9_]+)@(kline_([0-9a-zA-Z]+)|ticker|miniTicker|bookTicker|markPrice(?:@1s)?|trade|aggTrade|forceOrder)$/;
// Binance's update speeds are accepted; the sim sends at its own push period.
const DEPTH = /^([a-z0-9_]+)@depth(5|10|20)?(?:@(?:100|250|500)ms)?$/;

/**
 * Parses a Binance stream name (`btcusd@kline_1m`, `!miniTicker@arr`, …) against the venue's
 * perpetuals; `undefined` for a name the sim does not serve.
 */
export function parseStream(name: string, marketsByLowerId: ReadonlyMap<string, SimMarket>): MarketStream | undefined {
  if (name === '!ticker@arr') return { kind: 'allTickers' };
  if (name === '!miniTicker@arr') return { kind: 'allMiniTickers' };
  if (name === '!markPrice@arr' || name === '!markPrice@arr@1s') return { kind: 'allMarkPrices' };
  if (name === '!forceOrder@arr') return { kind: 'allForceOrders' };
  const depth = DEPTH.exec(name);
  const depthMarket = depth ? marketsByLowerId.get(depth[1]!) : undefined;
  if (depth && depthMarket) return depth[2] ? { kind: 'partialDepth', market: depthMarket, levels: Number(depth[2]) } : { kind: 'depth', market: depthMarket };
  const match = SINGLE.exec(name);
  const market = match ? marketsByLowerId.get(match[1]!) : undefined;
  if (!match || !market) return undefined;
  const channel = match[2]!;
  if (channel.startsWith('kline_')) {
    const interval = match[3]!;
    return isSimTimeframe(interval) ? { kind: 'kline', market, interval } : undefined;
  }
  if (channel.startsWith('markPrice')) return { kind: 'markPrice', market };
  return { kind: channel as 'ticker' | 'miniTicker' | 'bookTicker' | 'trade' | 'aggTrade' | 'forceOrder', market };
}

/**
 * Builds the payloads of one push of market data, sharing work between connections: each
 * ticker is computed at most once per push.
 */
export class MarketSnapshot {
  readonly #venue: SimVenue;
  readonly #now: number;
  readonly #tickers = new Map<string, ReturnType<SimVenue['ticker']>>();
  #all: ReturnType<SimVenue['tickers']> | undefined;
  readonly #swaps: readonly SimMarket[];
  readonly #books: DepthBooks;
  readonly #bookCache = new Map<string, SimOrderBook>();
  #bookUpdateId: number;

  constructor(venue: SimVenue, swaps: readonly SimMarket[], nowMs: number) {
    this.#venue = venue;
    this.#now = nowMs;
    this.#swaps = swaps;
    this.#bookUpdateId = nowMs;
    this.#books = depthBooksOf(venue);
  }

  /**
   * The messages of `stream` and where the stream now stands (`cursor`, handed back next time).
   * A kline stream's cursor is its candle's open: one whose candle rolled over since first
   * repeats the finished candle (closed, `x: true`), so a client never misses a candle's end. A
   * trade stream's is the last print sent: it sends the prints after it (none at the start).
   */
  messages(stream: MarketStream, cursor?: number): { messages: unknown[]; cursor?: number } {
    switch (stream.kind) {
      case 'kline': {
        const tf = SIM_TIMEFRAMES[stream.interval];
        const rows = this.#venue.candles(stream.market.symbol, stream.interval, undefined, 2);
        const current = rows.at(-1)!;
        const out: unknown[] = [];
        const previous = rows.at(-2);
        if (previous && cursor !== undefined && cursor < current[0]) {
          out.push(klineEvent(stream.market, previous, stream.interval, tf, this.#now));
        }
        out.push(klineEvent(stream.market, current, stream.interval, tf, this.#now));
        return { messages: out, cursor: current[0] };
      }
      case 'trade':
      case 'aggTrade': {
        const tape = this.#venue.tape;
        if (cursor === undefined) return { messages: [], cursor: tape.lastId(stream.market.symbol) };
        const prints = tape.after(stream.market.symbol, cursor);
        const event = stream.kind === 'trade' ? tradeEvent : aggTradeEvent;
        return { messages: prints.map((t) => event(stream.market, t, this.#now)), cursor: prints.at(-1)?.id ?? cursor };
      }
      case 'ticker':
        return { messages: [tickerEvent(stream.market, this.#ticker(stream.market))] };
      case 'miniTicker':
        return { messages: [miniTickerEvent(stream.market, this.#ticker(stream.market))] };
      case 'bookTicker':
        return { messages: [bookTickerEvent(stream.market, this.#ticker(stream.market), ++this.#bookUpdateId)] };
      case 'markPrice':
        return { messages: [this.#markPrice(stream.market, this.#ticker(stream.market))] };
      case 'forceOrder':
      case 'allForceOrders':
        // Sent as the venue liquidates, by the face's order-event listener.
        return { messages: [] };
      case 'depth':
        // Looking publishes the book's change: the diff event leaves through the face's book listener.
        this.#book(stream.market);
        return { messages: [] };
      case 'partialDepth': {
        const book = this.#book(stream.market);
        const top = { ...book, bids: book.bids.slice(0, stream.levels), asks: book.asks.slice(0, stream.levels) };
        return { messages: [partialDepthEvent(stream.market, top, this.#now)] };
      }
      case 'allTickers':
        return { messages: [this.#everyTicker().map(([m, t]) => tickerEvent(m, t))] };
      case 'allMiniTickers':
        return { messages: [this.#everyTicker().map(([m, t]) => miniTickerEvent(m, t))] };
      case 'allMarkPrices':
        return { messages: [this.#everyTicker().map(([m, t]) => this.#markPrice(m, t))] };
    }
  }

  #markPrice(market: SimMarket, t: SimTicker): Record<string, unknown> {
    return markPriceEvent(market, t, nextFundingRate(this.#venue, t));
  }

  /** The market's book, looked at once per push. */
  #book(market: SimMarket): SimOrderBook {
    let book = this.#bookCache.get(market.symbol);
    if (!book) {
      book = this.#books.book(market.symbol);
      this.#bookCache.set(market.symbol, book);
    }
    return book;
  }

  #ticker(market: SimMarket): ReturnType<SimVenue['ticker']> {
    let t = this.#tickers.get(market.symbol);
    if (!t) {
      t = this.#venue.ticker(market.symbol);
      this.#tickers.set(market.symbol, t);
    }
    return t;
  }

  #everyTicker(): [SimMarket, ReturnType<SimVenue['ticker']>][] {
    this.#all ??= this.#venue.tickers(this.#swaps.map((m) => m.symbol));
    const all = this.#all;
    return this.#swaps.map((m, i) => [m, all[i]!]);
  }
}
