/**
 * The venue's public trade tape: drawn from the seed and virtual time alone (the same whether or
 * not anyone read it earlier), in step with the ticker's last price and the candles' ranges and
 * volumes, with the account's fills among its prints, ids rising with time, and Binance's
 * fromId / startTime / endTime / limit picks.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { STEP_MS } from '../../src/sim/price-path.js';
import { TAPE_HISTORY_MS, type SimPublicTrade } from '../../src/sim/trade-tape.js';
import { universeOf } from '../../src/sim/universe.js';
import { SimVenue } from '../../src/sim/venue.js';

const START = Date.UTC(2026, 0, 5, 12, 0, 3);
const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';
const MIN = 60_000;

function make(seed = 7, markets?: number): { clock: VirtualClock; venue: SimVenue } {
  const clock = new VirtualClock(START);
  return { clock, venue: new SimVenue({ seed, clock, ...(markets ? { markets: universeOf(markets, seed) } : {}) }) };
}

function expectOrdered(trades: readonly SimPublicTrade[]): void {
  for (let i = 1; i < trades.length; i++) {
    expect(trades[i]!.id).toBeGreaterThan(trades[i - 1]!.id);
    expect(trades[i]!.timestamp).toBeGreaterThanOrEqual(trades[i - 1]!.timestamp);
  }
}

describe('TradeTape', () => {
  it('is the same tape for the same seed and time, read often, once or late; another seed differs', async () => {
    const often = make();
    const late = make();
    for (let i = 0; i < 30; i++) {
      await often.clock.advance(7_000);
      often.venue.tape.trades(BTC, { limit: 5 });
    }
    await late.clock.advance(30 * 7_000);
    const a = often.venue.tape.trades(BTC, { limit: 1000 });
    const b = late.venue.tape.trades(BTC, { limit: 1000 });
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
    const other = make(8);
    await other.clock.advance(30 * 7_000);
    expect(other.venue.tape.trades(BTC, { limit: 1000 })).not.toEqual(a);
  });

  it('agrees with the ticker and the candles: last price, ranges, volumes; sides follow the tick', async () => {
    const { clock, venue } = make();
    await clock.advance(20 * MIN);
    for (const symbol of [BTC, ETH, 'DOGE/USD:USD']) {
      const market = venue.market(symbol);
      const ticker = venue.ticker(symbol);
      const latest = venue.tape.trades(symbol, { limit: 1 })[0]!;
      expect(latest.price).toBe(ticker.last);
      expect(latest.timestamp).toBeLessThan(Math.floor(clock.now() / STEP_MS) * STEP_MS);
      const candles = venue.candles(symbol, '1m', clock.now() - 10 * MIN, 10);
      for (const [open, , high, low, , volume] of candles.slice(0, -1)) {
        const inside = venue.tape.trades(symbol, { since: open, until: open + MIN - 1, limit: 1000 });
        expect(inside.length).toBeGreaterThanOrEqual(6);
        expectOrdered(inside);
        // The candle's range is traded: within it, and its extremes reached.
        expect(Math.max(...inside.map((t) => t.price))).toBe(high);
        expect(Math.min(...inside.map((t) => t.price))).toBe(low);
        // Sizes split the candle's volume on the lot grid (a lot at least per print).
        const traded = inside.reduce((sum, t) => sum + t.amount, 0);
        expect(Math.abs(traded - volume)).toBeLessThanOrEqual(inside.length * market.lotSize + 1e-9);
        for (const t of inside) expect(Math.abs(t.amount / market.lotSize - Math.round(t.amount / market.lotSize))).toBeLessThan(1e-6);
      }
      // The tick rule: a print above the one before it was a buyer's, below it a seller's.
      const run = venue.tape.trades(symbol, { limit: 300 });
      for (let i = 1; i < run.length; i++) {
        if (run[i]!.price > run[i - 1]!.price) expect(run[i]!.side).toBe('buy');
        if (run[i]!.price < run[i - 1]!.price) expect(run[i]!.side).toBe('sell');
      }
    }
  });

  it('prints the account’s fills once their step ends, taker side and price as filled, among the others by time', async () => {
    const { clock, venue } = make();
    await clock.advance(3 * MIN + 2_500);
    const before = venue.tape.trades(ETH, { limit: 1 })[0]!;
    const bought = venue.placeOrder({ symbol: ETH, side: 'buy', type: 'market', amount: 1.3 });
    const fill = bought.fills[0]!;
    // Published with its step, as the step's price is.
    expect(venue.tape.trades(ETH, { fromId: before.id + 1 })).toEqual([]);
    await clock.advance(STEP_MS);
    const step = venue.tape.trades(ETH, { fromId: before.id + 1 });
    expectOrdered(step);
    const own = step.filter((t) => t.timestamp === fill.timestamp && t.price === fill.price && t.amount === fill.amount);
    expect(own).toHaveLength(1);
    expect(own[0]!.side).toBe('buy');
    // A resting bid filled by the path: the taker sold into it.
    const last = venue.ticker(ETH).last;
    const bid = venue.placeOrder({ symbol: ETH, side: 'buy', type: 'limit', amount: 0.7, price: Number((last * 0.999).toFixed(2)) });
    await clock.advanceUntil(() => venue.getOrder({ id: bid.id }).status !== 'open', 12 * 3_600_000, MIN);
    const made = venue.getOrder({ id: bid.id }).fills[0]!;
    expect(made.maker).toBe(true);
    await clock.advance(STEP_MS);
    const print = venue.tape.trades(ETH, { since: made.timestamp, until: made.timestamp, limit: 1000 }).find((t) => t.amount === made.amount && t.price === made.price);
    expect(print?.side).toBe('sell');
  });

  it('serves Binance’s picks: fromId inclusive, since/until windows, the last ones up to until, the latest; a day back at most', async () => {
    const { clock, venue } = make();
    await clock.advance(90 * MIN);
    const latest = venue.tape.trades(BTC, { limit: 1000 });
    expect(latest).toHaveLength(1000);
    expectOrdered(latest);
    const fromId = latest[200]!.id;
    const paged = venue.tape.trades(BTC, { fromId, limit: 50 });
    expect(paged).toEqual(latest.slice(200, 250));
    const since = latest[300]!.timestamp;
    const window = venue.tape.trades(BTC, { since, until: since + 20_000, limit: 1000 });
    expect(window.length).toBeGreaterThan(0);
    for (const t of window) expect(t.timestamp >= since && t.timestamp <= since + 20_000).toBe(true);
    expect(window[0]).toEqual(latest.find((t) => t.timestamp >= since));
    const upTo = venue.tape.trades(BTC, { until: since, limit: 10 });
    expect(upTo).toEqual(latest.filter((t) => t.timestamp <= since).slice(-10));
    expect(venue.tape.trades(BTC, { since: clock.now() - 2 * TAPE_HISTORY_MS, limit: 1 })[0]!.timestamp).toBeGreaterThanOrEqual(clock.now() - TAPE_HISTORY_MS - STEP_MS);
  });

  it('keeps 10,000 own prints a market; past them the tape starts where its prints are whole, ids unchanged', async () => {
    const { clock, venue } = make();
    await clock.advance(MIN);
    // Three fills a step, alternating sides so the position stays flat.
    for (let i = 0; i < 10_020; i++) {
      venue.placeOrder({ symbol: ETH, side: i % 2 === 0 ? 'buy' : 'sell', type: 'market', amount: 0.01 });
      if (i % 3 === 2) await clock.advance(STEP_MS);
    }
    await clock.advance(STEP_MS);
    const served = venue.tape.trades(ETH, { since: START, limit: 1000 });
    const ownIn = (t: SimPublicTrade): boolean => t.amount === 0.01;
    // The first served step holds its three own prints; the earlier steps are not served.
    const firstStep = Math.floor(served[0]!.timestamp / STEP_MS);
    expect(served.filter((t) => Math.floor(t.timestamp / STEP_MS) === firstStep && ownIn(t))).toHaveLength(3);
    expect(served[0]!.timestamp).toBeGreaterThan(START + MIN + STEP_MS);
    const before = venue.tape.trades(ETH, { since: served[0]!.timestamp, limit: 50 });
    for (const side of ['buy', 'sell', 'buy'] as const) venue.placeOrder({ symbol: ETH, side, type: 'market', amount: 0.01 });
    await clock.advance(STEP_MS);
    const after = venue.tape.trades(ETH, { since: served[0]!.timestamp, limit: 1000 });
    // A step's worth more dropped the oldest served step's first prints: that step is no longer served; the rest keep their ids.
    expect(after[0]!.timestamp).toBeGreaterThan(served[0]!.timestamp);
    const byId = new Map(after.map((t) => [t.id, t]));
    for (const t of before) if (byId.has(t.id)) expect(byId.get(t.id)).toEqual(t);
    expect(before.some((t) => byId.has(t.id))).toBe(true);
  });

  it('drops own prints a day old by whole steps: a step still served keeps every print and id', async () => {
    const { clock, venue } = make();
    await clock.advance(MIN + 5_000);
    const own = venue.placeOrder({ symbol: ETH, side: 'buy', type: 'market', amount: 1 }).fills[0]!;
    const step = Math.floor(own.timestamp / STEP_MS);
    await clock.advance(STEP_MS);
    const stepPrints = (): SimPublicTrade[] => venue.tape.trades(ETH, { since: step * STEP_MS, until: (step + 1) * STEP_MS - 1, limit: 1000 });
    const before = stepPrints();
    expect(before.some((t) => t.timestamp === own.timestamp)).toBe(true);
    // A day and a second after the fill, inside the step a day later: a new fill moves the horizon
    // into the middle of the old step, which the tape still serves.
    await clock.advance(TAPE_HISTORY_MS - STEP_MS + 1_000);
    venue.placeOrder({ symbol: ETH, side: 'sell', type: 'market', amount: 1 });
    const after = stepPrints();
    expect(after).toEqual(before);
  });

  it('serves a market far down a 2000-market universe like the others', async () => {
    const { clock, venue } = make(7, 2000);
    await clock.advance(5 * MIN);
    const market = venue.listMarkets()[1500]!;
    const trades = venue.tape.trades(market.symbol, { limit: 100 });
    expect(trades).toHaveLength(100);
    expect(trades.at(-1)!.price).toBe(venue.ticker(market.symbol).last);
  });
});
