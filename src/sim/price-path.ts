import { hashNormal } from './prng.js';
import { cleanNumber } from './universe.js';

/**
 * The price path of every market, generated top-down so that any bar can be computed on demand
 * and every timeframe agrees with every other one exactly.
 *
 * - Day opens follow a seeded geometric random walk anchored at the venue's start day (the day
 *   containing the start time opens at the market's reference price).
 * - Each day draws its own high and low. Its six 4 h bars are a Brownian bridge between the day's
 *   open and close, clipped into the day's range; one child is then stretched to the day's high
 *   and one to its low. The same is repeated 4 h → 1 h → 15 m → 5 m → 1 m → 10 s steps.
 * - So a bar's open/close equal its first child's open and last child's close, its high/low equal
 *   the max/min of its children's, and its volume is the sum of theirs: a 1 d candle is exactly
 *   the aggregate of its 1 m candles and of its 10 s steps. The steps are the "trades": matching
 *   walks them, and a candle's high and low are reached by some step inside it.
 * - Prices are rounded to the tick only on output; rounding is monotone so it keeps all of this.
 *
 * The one asymmetry: a bar's range is drawn before its children, so a path that "must" reach the
 * drawn high does so at some step; statistically that gives slightly sticky extremes.
 */

/** Length of one price step (the finest level) in milliseconds. */
export const STEP_MS = 10_000;

/** Bar lengths per level: 1d, 4h, 1h, 15m, 5m, 1m, step. */
const DURATIONS = [86_400_000, 14_400_000, 3_600_000, 900_000, 300_000, 60_000, STEP_MS] as const;
const STEP_LEVEL = DURATIONS.length - 1;
const DAY_MS = DURATIONS[0];
/** Children per bar at each level. */
const FANOUT = DURATIONS.slice(0, -1).map((d, l) => d / (DURATIONS[l + 1] ?? d));

/** A bar in log-price space; `v` is base-asset volume. */
interface LogBar {
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** A bar in prices rounded to the tick. */
export interface PriceBar {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** What the path needs to know about one market. */
export interface PathMarket {
  referencePrice: number;
  dailyVolatility: number;
  volumeUsd24h: number;
  tickSize: number;
}

/** Returns the level of a bar length, or throws for lengths the path does not have. */
export function levelOf(durationMs: number): number {
  const level = DURATIONS.indexOf(durationMs as (typeof DURATIONS)[number]);
  if (level < 0) throw new Error(`no price level of ${durationMs} ms`);
  return level;
}

/** About 20 MB of generated bars at most; enough for 1000 candles of every timeframe of ~40 markets. */
const CACHE_LIMIT = 50_000;
/**
 * Bar sets one market's 24 h ticker needs (its day bars, the hours' parents and the current
 * hour's partial chain down to the step); the cache grows past {@link CACHE_LIMIT} by this much a
 * market, or with thousands of markets one pass over the tickers overflows it, drops it, and
 * every pass regenerates every market's path.
 */
const BAR_SETS_PER_MARKET = 32;

/** The deterministic price path of all markets of one venue. */
export class PricePath {
  readonly #seed: number;
  readonly #markets: readonly PathMarket[];
  readonly #anchorDay: number;
  /** Per market: log opens of days anchorDay, anchorDay+1, … and anchorDay-1, anchorDay-2, …. */
  readonly #forward: number[][];
  readonly #backward: number[][];
  #children = new Map<number, LogBar[]>();
  readonly #cacheLimit: number;
  #generated = 0;

  constructor(seed: number, markets: readonly PathMarket[], startMs: number) {
    this.#seed = seed;
    this.#markets = markets;
    this.#cacheLimit = CACHE_LIMIT + BAR_SETS_PER_MARKET * markets.length;
    this.#anchorDay = Math.floor(startMs / DAY_MS);
    this.#forward = markets.map((m) => [Math.log(m.referencePrice)]);
    this.#backward = markets.map(() => []);
  }

  /** The venue seed the path is drawn from (other per-step draws, such as the touch's sizes, use it too). */
  get seed(): number {
    return this.#seed;
  }

  /** How many bar sets the path has generated (each one a cache miss): for tests and diagnostics. */
  get generatedBarSets(): number {
    return this.#generated;
  }

  /** A full bar of `durationMs` (one of the path's levels) with index `floor(t / durationMs)`. */
  bar(market: number, durationMs: number, index: number): PriceBar {
    return this.#round(market, this.#bar(market, levelOf(durationMs), index));
  }

  /**
   * The part of a bar covered by the steps before step `uptoStep`: the whole bar when it ended,
   * a flat bar at its open with zero volume when none of its steps has finished yet.
   */
  partialBar(market: number, durationMs: number, index: number, uptoStep: number): PriceBar {
    const level = levelOf(durationMs);
    const part = this.#partial(market, level, index, uptoStep);
    if (part) return this.#round(market, part);
    const o = this.#bar(market, level, index).o;
    return this.#round(market, { o, h: o, l: o, c: o, v: 0 });
  }

  /** The close of step `step` (its last trade). */
  closeOfStep(market: number, step: number): number {
    return this.#price(market, this.#bar(market, STEP_LEVEL, step).c);
  }

  #round(market: number, b: LogBar): PriceBar {
    return {
      open: this.#price(market, b.o),
      high: this.#price(market, b.h),
      low: this.#price(market, b.l),
      close: this.#price(market, b.c),
      volume: Number(b.v.toPrecision(10)),
    };
  }

  #price(market: number, logPrice: number): number {
    const tick = this.#markets[market]?.tickSize ?? 1e-8;
    return cleanNumber(Math.max(1, Math.round(Math.exp(logPrice) / tick)) * tick);
  }

  #partial(market: number, level: number, index: number, uptoStep: number): LogBar | null {
    const stepsPerBar = DURATIONS[level]! / STEP_MS;
    const first = index * stepsPerBar;
    if (first + stepsPerBar <= uptoStep) return this.#bar(market, level, index);
    if (first >= uptoStep || level === STEP_LEVEL) return null;
    const fanout = FANOUT[level]!;
    let acc: LogBar | null = null;
    for (let j = 0; j < fanout; j++) {
      const part = this.#partial(market, level + 1, index * fanout + j, uptoStep);
      if (!part) break;
      acc = acc ? merge(acc, part) : { ...part };
    }
    return acc;
  }

  #bar(market: number, level: number, index: number): LogBar {
    if (level === 0) return this.#dayBar(market, index);
    const fanout = FANOUT[level - 1]!;
    const parent = Math.floor(index / fanout);
    return this.#childrenOf(market, level - 1, parent)[index - parent * fanout]!;
  }

  #sigma(market: number, level: number): number {
    const m = this.#markets[market]!;
    return m.dailyVolatility * Math.sqrt(DURATIONS[level]! / DAY_MS);
  }

  #n(market: number, level: number, index: number, slot: number): number {
    return hashNormal(this.#seed, market, level, index, slot);
  }

  #dayOpen(market: number, day: number): number {
    const rel = day - this.#anchorDay;
    const sigma = this.#sigma(market, 0);
    if (rel >= 0) {
      const fwd = this.#forward[market]!;
      while (fwd.length <= rel) {
        const d = this.#anchorDay + fwd.length - 1;
        fwd.push(fwd[fwd.length - 1]! + sigma * this.#n(market, 0, d, 0));
      }
      return fwd[rel]!;
    }
    const back = this.#backward[market]!;
    while (back.length < -rel) {
      const next = back.length === 0 ? this.#forward[market]![0]! : back[back.length - 1]!;
      const d = this.#anchorDay - back.length - 1;
      back.push(next - sigma * this.#n(market, 0, d, 0));
    }
    return back[-rel - 1]!;
  }

  #dayBar(market: number, day: number): LogBar {
    const key = this.#key(market, 0, day);
    const cached = this.#children.get(key);
    if (cached) return cached[0]!;
    const sigma = this.#sigma(market, 0);
    const o = this.#dayOpen(market, day);
    const c = this.#dayOpen(market, day + 1);
    const h = Math.max(o, c) + sigma * (0.05 + 0.6 * Math.abs(this.#n(market, 0, day, 1)));
    const l = Math.min(o, c) - sigma * (0.05 + 0.6 * Math.abs(this.#n(market, 0, day, 2)));
    const spec = this.#markets[market]!;
    const v = (spec.volumeUsd24h / Math.exp((o + c) / 2)) * Math.exp(0.4 * this.#n(market, 0, day, 3) - 0.08);
    const bar = { o, h, l, c, v };
    this.#remember(key, [bar]);
    return bar;
  }

  #childrenOf(market: number, level: number, index: number): LogBar[] {
    const key = this.#key(market, level + 1, index);
    const cached = this.#children.get(key);
    if (cached) return cached;
    const p = this.#bar(market, level, index);
    const k = FANOUT[level]!;
    const sigma = this.#sigma(market, level + 1);
    const childLevel = level + 1;

    const walk = [0];
    for (let i = 1; i <= k; i++) walk.push(walk[i - 1]! + sigma * this.#n(market, childLevel, index, i));
    const drift = walk[k]! - (p.c - p.o);
    // Reflected into the parent's range, not clamped: a clamped walk piles up on the range's
    // edge, and the price then sits at a high or low for minutes (flat 1m candles in a row).
    const points = walk.map((w, i) => reflect(p.o + w - (i / k) * drift, p.l, p.h));
    points[0] = p.o;
    points[k] = p.c;

    const bars: LogBar[] = [];
    let weights = 0;
    let hiIdx = 0;
    let loIdx = 0;
    for (let j = 0; j < k; j++) {
      const o = points[j]!;
      const c = points[j + 1]!;
      const h = clamp(Math.max(o, c) + 0.6 * sigma * Math.abs(this.#n(market, childLevel, index, 100 + j)), p.l, p.h);
      const l = clamp(Math.min(o, c) - 0.6 * sigma * Math.abs(this.#n(market, childLevel, index, 200 + j)), p.l, p.h);
      const w = Math.exp(0.5 * this.#n(market, childLevel, index, 300 + j));
      weights += w;
      bars.push({ o, h, l, c, v: w });
      if (h > bars[hiIdx]!.h) hiIdx = j;
      if (l < bars[loIdx]!.l) loIdx = j;
    }
    bars[hiIdx]!.h = p.h;
    bars[loIdx]!.l = p.l;
    for (const b of bars) b.v = (p.v * b.v) / weights;
    this.#remember(key, bars);
    return bars;
  }

  #key(market: number, level: number, index: number): number {
    return (market * 8 + level) * 17_179_869_184 + index;
  }

  #remember(key: number, bars: LogBar[]): void {
    // A long run walks ever new steps; dropping the whole cache now and then bounds memory and
    // costs one regeneration of the recent parents.
    if (this.#children.size >= this.#cacheLimit) this.#children = new Map();
    this.#generated++;
    this.#children.set(key, bars);
  }
}

/** `x` folded back into [lo, hi] at each edge it crosses (a mirror, as for a reflected walk). */
function reflect(x: number, lo: number, hi: number): number {
  const span = hi - lo;
  if (!(span > 0)) return lo;
  const period = 2 * span;
  const t = (((x - lo) % period) + period) % period;
  return lo + (t <= span ? t : period - t);
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function merge(a: LogBar, b: LogBar): LogBar {
  return { o: a.o, h: Math.max(a.h, b.h), l: Math.min(a.l, b.l), c: b.c, v: a.v + b.v };
}
