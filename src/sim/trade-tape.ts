import { STEP_MS, type PricePath } from './price-path.js';
import { SimError } from './sim-error.js';
import { synthesizeStep, type SynthTrade } from './trade-synth.js';
import type { VenueFeed } from './venue-feed.js';
import type { SimFill, SimMarket, SimOrderSide } from './venue-types.js';

/** One public trade of a market: the other traders' prints and the account's own fills alike. */
export interface SimPublicTrade {
  /** Increases with time within the market (not consecutive: each 10 s step has its own block). */
  id: number;
  symbol: string;
  price: number;
  amount: number;
  /** The taker's side; Binance's `m` (the buyer was the maker) is `side === 'sell'`. */
  side: SimOrderSide;
  timestamp: number;
}

/** Which trades a query wants; Binance's `aggTrades` semantics (see {@link TradeTape.trades}). */
export interface TradeQuery {
  fromId?: number;
  since?: number;
  until?: number;
  /** @defaultValue 500 */
  limit?: number;
}

/** The tape as a venue's readers see it (`SimVenue.tape`): the reads, not the recording. */
export interface PublicTape {
  /** The published trades of a market, as Binance's `aggTrades` picks them (see {@link TradeTape.trades}). */
  trades(symbol: string, query?: TradeQuery): SimPublicTrade[];
  /** The published trades with ids above `afterId`, oldest first (a stream's next push). */
  after(symbol: string, afterId: number): SimPublicTrade[];
  /** The id of the latest published trade (a new stream's starting point). */
  lastId(symbol: string): number;
}

/** What the tape needs of its venue. */
export interface TradeTapeSource {
  seed: number;
  path: PricePath;
  markets: readonly SimMarket[];
  /** Tells the tape of each of the account's fills. */
  feed: Pick<VenueFeed, 'tapFills'>;
  now: () => number;
  /** Walks the venue's matching to now, so resting orders' fills are on the tape before a read. */
  sync: () => void;
}

/** The tape reaches back this far (older steps are neither served nor kept). */
export const TAPE_HISTORY_MS = 86_400_000;
/** Ids per step: a step's prints are numbered `step × this + rank`, so ids need no running count. */
const IDS_PER_STEP = 100_000;
/**
 * Own prints kept per market, whatever their age: a bot trading in a loop cannot grow the tape
 * without bound. Past it the market's tape is served from the oldest step whose prints it kept.
 */
const MAX_OWN_PRINTS = 10_000;

/**
 * The venue's public trades, per market. The other traders' prints are never stored: those of a
 * 10 s price step are drawn on demand from the seed and the step (see {@link synthesizeStep}), so
 * a market nobody asks about costs nothing, thousands of markets cost no more than a few, and the
 * tape at a given time is the same whether or not anyone read it before. The account's own fills
 * join the tape as prints (their own taker side and price), kept for {@link TAPE_HISTORY_MS} and
 * at most {@link MAX_OWN_PRINTS} a market.
 *
 * A step's prints are published once the step has ended, as its price is: until then the ticker
 * and the candles show the previous step's close, and so does the tape's last print. An own fill
 * is numbered among its step's prints by time, so ids and times rise together.
 */
export class TradeTape implements PublicTape {
  readonly #src: TradeTapeSource;
  readonly #index = new Map<string, number>();
  /** Per market: own prints (without ids), oldest first. */
  readonly #own = new Map<string, SynthTrade[]>();
  /**
   * Per market: the first step still served whole, after own prints were dropped for the count
   * cap. A step missing some of its own prints would number its prints anew (ids seen before
   * would name other prints), so it is no longer served at all.
   */
  readonly #servedFrom = new Map<string, number>();

  constructor(source: TradeTapeSource) {
    this.#src = source;
    source.markets.forEach((m, i) => this.#index.set(m.symbol, i));
    source.feed.tapFills((fill) => this.recordFill(fill));
  }

  /** Records one of the account's fills as a print (a maker fill's taker traded the other side). */
  recordFill(fill: SimFill): void {
    let list = this.#own.get(fill.symbol);
    if (!list) this.#own.set(fill.symbol, (list = []));
    const side: SimOrderSide = fill.maker === (fill.side === 'buy') ? 'sell' : 'buy';
    // Fills come in time order; a later one stamped earlier (none is, today) still lands in place.
    let at = list.length;
    while (at > 0 && list[at - 1]!.timestamp > fill.timestamp) at--;
    list.splice(at, 0, { timestamp: fill.timestamp, price: fill.price, amount: fill.amount, side });
    // Whole steps only: a step still served that lost one of its prints would number the rest anew.
    const horizon = Math.floor((fill.timestamp - TAPE_HISTORY_MS) / STEP_MS) * STEP_MS;
    const over = Math.max(0, list.length - MAX_OWN_PRINTS);
    if (over > 0) this.#servedFrom.set(fill.symbol, Math.floor(list[over - 1]!.timestamp / STEP_MS) + 1);
    let drop = over;
    while (drop < list.length && list[drop]!.timestamp < horizon) drop++;
    if (drop > 0) list.splice(0, drop);
  }

  /**
   * The published trades of `symbol`, oldest first, at most `limit` (500 by default), as
   * Binance's `aggTrades` picks them: from `fromId` on (within `since`/`until` if given); or the
   * first ones at or after `since` (up to `until`); or the last ones up to `until`; or the
   * latest. Only the last {@link TAPE_HISTORY_MS} are served.
   */
  trades(symbol: string, query: TradeQuery = {}): SimPublicTrade[] {
    this.#src.sync();
    const limit = query.limit ?? 500;
    const market = this.#market(symbol);
    const now = this.#src.now();
    const last = Math.floor(now / STEP_MS) - 1;
    const first = Math.max(Math.floor((now - TAPE_HISTORY_MS) / STEP_MS), this.#servedFrom.get(market.symbol) ?? -Infinity);
    const since = query.since ?? -Infinity;
    const until = query.until ?? Infinity;
    const keep = (t: SimPublicTrade): boolean => t.timestamp >= since && t.timestamp <= until && (query.fromId === undefined || t.id >= query.fromId);
    const out: SimPublicTrade[] = [];
    if (query.fromId !== undefined || query.since !== undefined) {
      const from = Math.max(first, Math.floor((query.fromId ?? 0) / IDS_PER_STEP), Math.floor(Math.max(0, since) / STEP_MS));
      const to = Math.min(last, Math.floor(Math.min(until, now) / STEP_MS));
      for (let step = from; step <= to && out.length < limit; step++) {
        for (const t of this.#step(market, step)) if (keep(t) && out.length < limit) out.push(t);
      }
      return out;
    }
    const to = Math.min(last, Math.floor(Math.min(until, now) / STEP_MS));
    for (let step = to; step >= first && out.length < limit; step--) {
      const prints = this.#step(market, step).filter(keep);
      out.unshift(...prints.slice(Math.max(0, prints.length - (limit - out.length))));
    }
    return out;
  }

  /** The published trades of `symbol` with ids above `afterId`, oldest first (a stream's next push). */
  after(symbol: string, afterId: number): SimPublicTrade[] {
    // A published step never changes (its fills were swept before it was), so a stream caught up
    // with the last one has nothing new until the next step ends: no step is drawn for it.
    if (Math.floor(afterId / IDS_PER_STEP) >= Math.floor(this.#src.now() / STEP_MS) - 1) return [];
    return this.trades(symbol, { fromId: afterId + 1, limit: Number.MAX_SAFE_INTEGER });
  }

  /** The id of the latest published trade of `symbol` (a new stream's starting point). */
  lastId(symbol: string): number {
    return this.trades(symbol, { limit: 1 }).at(-1)?.id ?? 0;
  }

  #market(symbol: string): SimMarket {
    const i = this.#index.get(symbol);
    if (i === undefined) throw new SimError('bad_symbol', `unknown symbol ${symbol}`);
    return this.#src.markets[i]!;
  }

  /** Every print of one step, numbered: the synthesized ones and the account's, merged by time. */
  #step(market: SimMarket, step: number): SimPublicTrade[] {
    const i = this.#index.get(market.symbol)!;
    const synth = synthesizeStep(this.#src.seed, i, step, this.#src.path.bar(i, STEP_MS, step), market);
    const start = step * STEP_MS;
    const own = ownWithin(this.#own.get(market.symbol) ?? [], start, start + STEP_MS);
    const merged = own.length === 0 ? synth : mergeByTime(synth, own);
    return merged.map((t, rank) => ({ id: step * IDS_PER_STEP + rank, symbol: market.symbol, price: t.price, amount: t.amount, side: t.side, timestamp: t.timestamp }));
  }
}

/** The prints of a time-ordered list in `[from, to)`. */
function ownWithin(list: readonly SynthTrade[], from: number, to: number): SynthTrade[] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.timestamp < from) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < list.length && list[end]!.timestamp < to) end++;
  return list.slice(lo, end);
}

/** Two time-ordered lists as one; on equal times the first list's prints come first. */
function mergeByTime(a: readonly SynthTrade[], b: readonly SynthTrade[]): SynthTrade[] {
  const out: SynthTrade[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.timestamp <= b[j]!.timestamp)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}
