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
