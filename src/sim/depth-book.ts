import { hashUniform } from './prng.js';
import { STEP_MS } from './price-path.js';
import { marketKeyOf, touchSizeFactors } from './ticker.js';
import { cleanNumber } from './universe.js';
import type { SimMarket, SimOrder, SimTicker } from './venue-types.js';

/** What the order books are derived from (a {@link SimVenue} is one). */
export interface DepthSource {
  readonly seed: number;
  now(): number;
  market(symbolOrId: string): SimMarket;
  ticker(symbol: string): SimTicker;
  /** The account's own resting limit orders, which sit on the book too. */
  restingOrders(symbol: string): readonly Pick<SimOrder, 'side' | 'price' | 'remaining'>[];
}

/** One price level: `[price, amount]`. */
export type SimBookLevel = [price: number, amount: number];

/** A market's order book at one moment, best prices first. */
export interface SimOrderBook {
  symbol: string;
  /** Binance's `lastUpdateId`: the id of the last change the book includes. */
  lastUpdateId: number;
  /** `U` and `pu` of that last change (a partial-depth event carries them). */
  firstUpdateId: number;
  previousUpdateId: number;
  timestamp: number;
  bids: SimBookLevel[];
  asks: SimBookLevel[];
}

/**
 * The changes between two published states of one book, as Binance's diff-depth event carries
 * them: update ids `firstUpdateId..lastUpdateId` (`U..u`), following `previousUpdateId` (`pu`,
 * the previous event's `u`). A level with amount 0 is removed.
 */
export interface SimDepthUpdate {
  symbol: string;
  firstUpdateId: number;
  lastUpdateId: number;
  previousUpdateId: number;
  timestamp: number;
  bids: SimBookLevel[];
  asks: SimBookLevel[];
}

/** Levels are drawn this many ticks deep on each side of the touch (some ticks stay empty). */
export const DEPTH_WINDOW_TICKS = 100;
/** A level's size can change every this many ms of venue time. */
export const DEPTH_BUCKET_MS = 100;
/** A level keeps its size for this many buckets (about 5 s), each level on its own phase. */
const REFRESH_BUCKETS = 50;
/** Share of ticks behind the touch that hold no order. */
const EMPTY_SHARE = 0.2;

type Side = Map<number, number>;

/** Lots takers took from one level, while the level keeps the size they took them from. */
interface Taken {
  lots: number;
  /** The level's draw (`e<epoch>`; `t<step>` for the touch, whose size is the ticker's). */
  draw: string;
}

interface Published {
  id: number;
  first: number;
  previous: number;
  bids: Side;
  asks: Side;
}

/**
 * The venue's order books, derived deterministically from its price path: the touch (best bid
 * and ask, each with the ticker's size of its side, drawn apart) moves with each 10 s price
 * step, and the levels behind it,
 * up to {@link DEPTH_WINDOW_TICKS} ticks deep, hold sizes that change every few seconds, each
 * drawn from the venue's seed, the market and the tick. The account's own resting limit orders
 * are added at their prices. The same moment, orders and takes always give the same book.
 *
 * A taker order takes from the levels it walks ({@link levels}, {@link take}): a level stays that
 * much thinner until its size is next drawn (the touch: until the next price step), and the
 * published book shows it. The ticker's bid and ask stay the price path's.
 *
 * Update ids are assigned when a book is looked at ({@link book}): a change since the last look
 * gets the next ids (one per changed level) and goes to the listeners as a
 * {@link SimDepthUpdate} before `book` returns, so a snapshot's `lastUpdateId` always equals the
 * `u` of the last update sent, as Binance's REST snapshot and diff stream agree.
 */
export class DepthBooks {
  readonly #source: DepthSource;
  readonly #published = new Map<string, Published>();
  readonly #listeners = new Set<(update: SimDepthUpdate) => void>();
  readonly #marketKeys = new Map<string, number>();
  /** By symbol, then `b<tick>` / `a<tick>`: what takers took ({@link take}). */
  readonly #taken = new Map<string, Map<string, Taken>>();

  constructor(source: DepthSource) {
    this.#source = source;
  }

  /** Adds a listener of book changes (called synchronously); the returned function removes it. */
  subscribe(listener: (update: SimDepthUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The book of `symbol` now, publishing its change since the last look first.
   * @param limit - levels per side. @defaultValue all
   */
  book(symbol: string, limit?: number): SimOrderBook {
    const market = this.#source.market(symbol);
    const now = this.#source.now();
    const fresh = this.#levels(market, this.#source.ticker(market.symbol), now);
    let state = this.#published.get(market.symbol);
    if (!state) {
      // Ids only need to grow; starting at the clock keeps them far from 0, as Binance's are.
      state = { id: now, first: now, previous: now - 1, ...fresh };
      this.#published.set(market.symbol, state);
    } else {
      const bids = changes(state.bids, fresh.bids);
      const asks = changes(state.asks, fresh.asks);
      const count = bids.length + asks.length;
      if (count > 0) {
        const update: SimDepthUpdate = {
          symbol: market.symbol,
          firstUpdateId: state.id + 1,
          lastUpdateId: state.id + count,
          previousUpdateId: state.id,
          timestamp: now,
          bids: bids.map(([t, lots]) => level(market, t, lots)),
          asks: asks.map(([t, lots]) => level(market, t, lots)),
        };
        state.id = update.lastUpdateId;
        state.first = update.firstUpdateId;
        state.previous = update.previousUpdateId;
        state.bids = fresh.bids;
        state.asks = fresh.asks;
        for (const listener of this.#listeners) listener(update);
      }
    }
    return {
      symbol: market.symbol,
      lastUpdateId: state.id,
      firstUpdateId: state.first,
      previousUpdateId: state.previous,
      timestamp: now,
      bids: sorted(state.bids, -1, limit).map(([t, lots]) => level(market, t, lots)),
      asks: sorted(state.asks, 1, limit).map(([t, lots]) => level(market, t, lots)),
    };
  }

  /**
   * The levels a taker order on `side` takes from now (a buy: the asks), best price first: what
   * the book shows, without the account's own orders (it does not trade with itself).
   */
  levels(symbol: string, side: SimOrder['side']): SimBookLevel[] {
    const market = this.#source.market(symbol);
    const fresh = this.#levels(market, this.#source.ticker(market.symbol), this.#source.now(), false);
    return side === 'buy' ? sorted(fresh.asks, 1, undefined).map(([t, lots]) => level(market, t, lots)) : sorted(fresh.bids, -1, undefined).map(([t, lots]) => level(market, t, lots));
  }

  /**
   * A taker on `side` took `fills` (`[price, amount]`, one per level): each level holds so much
   * less until redrawn. One call per order: the touch is looked up once.
   */
  take(symbol: string, side: SimOrder['side'], fills: readonly (readonly [price: number, amount: number])[]): void {
    if (fills.length === 0) return;
    const market = this.#source.market(symbol);
    const now = this.#source.now();
    const ticker = this.#source.ticker(market.symbol);
    const book = side === 'buy' ? 'a' : 'b';
    const touchTick = Math.round((side === 'buy' ? ticker.ask : ticker.bid) / market.tickSize);
    let taken = this.#taken.get(market.symbol);
    if (!taken) this.#taken.set(market.symbol, (taken = new Map()));
    for (const [price, amount] of fills) {
      const tick = Math.round(price / market.tickSize);
      const draw = this.#draw(market, book, tick, touchTick, now);
      const key = `${book}${tick}`;
      const before = taken.get(key);
      taken.set(key, { lots: Math.round(amount / market.lotSize) + (before?.draw === draw ? before.lots : 0), draw });
    }
  }

  /** Which draw of its size a level is on now (see {@link Taken}). */
  #draw(market: SimMarket, book: 'a' | 'b', tick: number, touchTick: number, now: number): string {
    if (tick === touchTick) return `t${Math.floor(now / STEP_MS)}`;
    return `e${this.#epoch(this.#marketKey(market.id), tick, Math.floor(now / DEPTH_BUCKET_MS), book === 'b' ? 10 : 20)}`;
  }

  /** Which draw of its size the level at `tick` is on in `bucket`: each level redraws on a phase of its own. */
  #epoch(key: number, tick: number, bucket: number, salt: number): number {
    const phase = Math.floor(hashUniform(this.#source.seed, key, tick, 0, salt) * REFRESH_BUCKETS);
    return Math.floor((bucket + phase) / REFRESH_BUCKETS);
  }

  /** Sizes in lots by tick, each side from the touch outwards, less what takers took. */
  #levels(market: SimMarket, ticker: SimTicker, now: number, own = true): { bids: Side; asks: Side } {
    const key = this.#marketKey(market.id);
    const bucket = Math.floor(now / DEPTH_BUCKET_MS);
    const lots = (volume: number): number => Math.max(1, Math.round(volume / market.lotSize));
    // Levels behind the touch scale with the liquidity the touch's draws are spread around, not
    // with either side's draw: they keep their size between their own draws.
    const factors = touchSizeFactors(this.#source.seed, key, now);
    const baseLots = (ticker.bidVolume / factors.bid + ticker.askVolume / factors.ask) / 2 / market.lotSize;
    const side = (touchTick: number, touchLots: number, direction: 1 | -1, salt: number): Side => {
      const out: Side = new Map([[touchTick, touchLots]]);
      for (let j = 1; j < DEPTH_WINDOW_TICKS; j++) {
        const tick = touchTick + direction * j;
        if (tick <= 0) break;
        const seed = this.#source.seed;
        const epoch = this.#epoch(key, tick, bucket, salt);
        if (hashUniform(seed, key, tick, epoch, salt + 1) < EMPTY_SHARE) continue;
        // Deeper levels hold more, as on a real book.
        const size = (0.3 + 1.7 * hashUniform(seed, key, tick, epoch, salt + 2)) * (1 + j / 25);
        out.set(tick, Math.max(1, Math.round(baseLots * size)));
      }
      return out;
    };
    const bidTick = Math.round(ticker.bid / market.tickSize);
    const askTick = Math.round(ticker.ask / market.tickSize);
    const bids = side(bidTick, lots(ticker.bidVolume), -1, 10);
    const asks = side(askTick, lots(ticker.askVolume), 1, 20);
    this.#lessTaken(market, bids, 'b', bidTick, now);
    this.#lessTaken(market, asks, 'a', askTick, now);
    if (!own) return { bids, asks };
    for (const o of this.#source.restingOrders(market.symbol)) {
      if (o.price === undefined || o.remaining <= 0) continue;
      const tick = Math.round(o.price / market.tickSize);
      // An order the path has crossed but not yet filled in full would cross the book: left out.
      if (o.side === 'buy' ? tick >= askTick : tick <= bidTick) continue;
      const book = o.side === 'buy' ? bids : asks;
      book.set(tick, (book.get(tick) ?? 0) + Math.round(o.remaining / market.lotSize));
    }
    return { bids, asks };
  }

  /** Takes what takers took off `levels`; forgets takes from levels drawn anew since. */
  #lessTaken(market: SimMarket, levels: Side, book: 'a' | 'b', touchTick: number, now: number): void {
    const taken = this.#taken.get(market.symbol);
    if (!taken) return;
    for (const [key, t] of taken) {
      if (key[0] !== book) continue;
      const tick = Number(key.slice(1));
      if (this.#draw(market, book, tick, touchTick, now) !== t.draw) {
        taken.delete(key);
        continue;
      }
      const left = (levels.get(tick) ?? 0) - t.lots;
      if (left > 0) levels.set(tick, left);
      else levels.delete(tick);
    }
    if (taken.size === 0) this.#taken.delete(market.symbol);
  }

  #marketKey(id: string): number {
    let key = this.#marketKeys.get(id);
    if (key === undefined) {
      key = marketKeyOf(id);
      this.#marketKeys.set(id, key);
    }
    return key;
  }
}

const BOOKS = new WeakMap<DepthSource, DepthBooks>();

/** The one {@link DepthBooks} of a venue, shared by every face that serves its books. */
export function depthBooksOf(source: DepthSource): DepthBooks {
  let books = BOOKS.get(source);
  if (!books) {
    books = new DepthBooks(source);
    BOOKS.set(source, books);
  }
  return books;
}

/** `[tick, lots]` entries that differ from `before` (lots 0: removed). */
function changes(before: Side, after: Side): [number, number][] {
  const out: [number, number][] = [];
  for (const [tick, lots] of after) if (before.get(tick) !== lots) out.push([tick, lots]);
  for (const tick of before.keys()) if (!after.has(tick)) out.push([tick, 0]);
  return out;
}

function sorted(side: Side, direction: 1 | -1, limit: number | undefined): [number, number][] {
  const rows = [...side].sort((a, b) => direction * (a[0] - b[0]));
  return limit === undefined ? rows : rows.slice(0, limit);
}

function level(market: SimMarket, tick: number, lots: number): SimBookLevel {
  return [cleanNumber(tick * market.tickSize), cleanNumber(lots * market.lotSize)];
}
