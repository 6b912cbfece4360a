/**
 * The venue's order books: deterministic in the seed and the clock, a touch that is the
 * ticker's, and update ids that chain (`pu` = the previous `u`) with a snapshot's id equal to
 * the last update published.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { DepthBooks, depthBooksOf, type SimDepthUpdate } from '../../src/sim/depth-book.js';
import { SimVenue } from '../../src/sim/venue.js';

const START = 1_700_000_000_000;
const ETH = 'ETH/USD:USD';

function venue(seed = 7): { clock: VirtualClock; venue: SimVenue } {
  const clock = new VirtualClock(START + 1_234);
  return { clock, venue: new SimVenue({ seed, clock }) };
}

describe('DepthBooks', () => {
  it('gives the same book for the same seed and moment, another for another seed', () => {
    const a = venue(7);
    const b = venue(7);
    const c = venue(8);
    const book = (v: SimVenue): unknown => {
      const { bids, asks } = new DepthBooks(v).book(ETH);
      return { bids, asks };
    };
    expect(book(a.venue)).toEqual(book(b.venue));
    expect(book(a.venue)).not.toEqual(book(c.venue));
  });

  it('has the ticker as its touch, best prices first, one book per venue', () => {
    const { venue: v } = venue();
    const book = depthBooksOf(v).book(ETH, 20);
    const t = v.ticker(ETH);
    expect(book.bids[0]).toEqual([t.bid, t.bidVolume]);
    expect(book.asks[0]).toEqual([t.ask, t.askVolume]);
    expect(book.bids).toHaveLength(20);
    for (let i = 1; i < 20; i++) {
      expect(book.bids[i]![0]).toBeLessThan(book.bids[i - 1]![0]);
      expect(book.asks[i]![0]).toBeGreaterThan(book.asks[i - 1]![0]);
    }
    expect(depthBooksOf(v)).toBe(depthBooksOf(v));
  });

  it("draws the touch sizes of the two sides apart, each step anew, around the liquidity per step, the book's touch showing each side's", async () => {
    const { clock, venue: v } = venue();
    const books = new DepthBooks(v);
    const symbols = v.listMarkets().filter((m) => m.type === 'swap').slice(0, 10).map((m) => m.symbol);
    let differ = 0;
    let samples = 0;
    let ratioSum = 0;
    const imbalances = new Set<number>();
    for (let step = 0; step < 30; step++) {
      for (const symbol of symbols) {
        const t = v.ticker(symbol);
        const m = v.market(symbol);
        const book = books.book(symbol, 1);
        expect(book.bids[0]).toEqual([t.bid, t.bidVolume]);
        expect(book.asks[0]).toEqual([t.ask, t.askVolume]);
        if (t.bidVolume !== t.askVolume) differ++;
        imbalances.add(Math.round((t.bidVolume / (t.bidVolume + t.askVolume)) * 100));
        // The default liquidity per step is 100,000 USD a side.
        const usd = (t.bidVolume + t.askVolume) / 2 * t.last;
        if (m.lotSize * t.last < 1_000) {
          ratioSum += usd / 100_000;
          samples++;
        }
      }
      await clock.advance(10_000);
    }
    expect(differ).toBeGreaterThan(0.9 * 30 * symbols.length);
    expect(imbalances.size).toBeGreaterThan(30);
    expect(samples).toBeGreaterThan(100);
    expect(ratioSum / samples).toBeGreaterThan(0.9);
    expect(ratioSum / samples).toBeLessThan(1.1);
    // The same seed, market and step give the same sizes.
    const twin = venue();
    await twin.clock.advance(300_000);
    const { bidVolume, askVolume } = v.ticker(ETH);
    expect([twin.venue.ticker(ETH).bidVolume, twin.venue.ticker(ETH).askVolume]).toEqual([bidVolume, askVolume]);
  });

  it('publishes each change once, with ids that chain, and a snapshot id equal to the last u', async () => {
    const { clock, venue: v } = venue();
    const books = new DepthBooks(v);
    const updates: SimDepthUpdate[] = [];
    books.subscribe((u) => updates.push(u));
    const first = books.book(ETH);
    // Nothing moved: no update, same id.
    expect(books.book(ETH).lastUpdateId).toBe(first.lastUpdateId);
    expect(updates).toEqual([]);
    let last = first.lastUpdateId;
    for (let i = 0; i < 5; i++) {
      await clock.advance(3_000);
      const book = books.book(ETH);
      const u = updates.at(-1)!;
      expect(updates).toHaveLength(i + 1);
      expect([u.previousUpdateId, u.firstUpdateId]).toEqual([last, last + 1]);
      expect(u.lastUpdateId - u.firstUpdateId + 1).toBe(u.bids.length + u.asks.length);
      expect(book.lastUpdateId).toBe(u.lastUpdateId);
      last = u.lastUpdateId;
    }
  });
});
