/**
 * Taker orders walk the venue's order book: the levels `fetchOrderBook` shows are what a market
 * or marketable limit order fills against, a fill per level, and what it took is gone from the
 * book until the level's size is drawn again.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { depthBooksOf } from '../../src/sim/depth-book.js';
import { SimVenue, type SimVenueOptions } from '../../src/sim/venue.js';

const START = 1_700_000_000_000 + 4_321;
const ETH = 'ETH/USD:USD';

/** A venue whose book is a few thousand USD a level, so that an account of 10,000 walks it. */
function venue(options: Partial<SimVenueOptions> = {}): { clock: VirtualClock; venue: SimVenue } {
  const clock = new VirtualClock(START);
  return { clock, venue: new SimVenue({ seed: 7, clock, liquidityPerStepUsd: 2_000, ...options }) };
}

/** The amount of the first `n` levels of one side, and the price of the n-th. */
function firstLevels(levels: [number, number][], n: number): { amount: number; last: number; cost: number } {
  const taken = levels.slice(0, n);
  return {
    amount: taken.reduce((s, [, a]) => s + a, 0),
    last: taken.at(-1)![0],
    cost: taken.reduce((s, [p, a]) => s + p * a, 0),
  };
}

describe('SimVenue taker orders walk the order book', () => {
  it('a market buy larger than the best ask takes level after level at the prices the book shows', () => {
    const { venue: v } = venue();
    const before = depthBooksOf(v).book(ETH);
    const three = firstLevels(before.asks, 3);
    const buy = v.placeOrder({ symbol: ETH, side: 'buy', type: 'market', amount: Number(three.amount.toFixed(6)) });
    expect(buy.status).toBe('closed');
    expect(buy.fills.map((f) => [f.price, f.amount])).toEqual(before.asks.slice(0, 3));
    expect(buy.fills.every((f) => !f.maker)).toBe(true);
    expect(buy.average!).toBeCloseTo(three.cost / three.amount, 6);
    expect(buy.average!).toBeGreaterThan(before.asks[0]![0]);
    // Those levels are gone from the book, which now starts at the fourth.
    const after = depthBooksOf(v).book(ETH);
    expect(after.asks[0]).toEqual(before.asks[3]);
    expect(after.lastUpdateId).toBeGreaterThan(before.lastUpdateId);
    expect(after.bids).toEqual(before.bids);
  });

  it('a second taker in the same instant pays for the first: the book is thinner', () => {
    const { venue: a } = venue();
    const { venue: b } = venue();
    const size = Number(firstLevels(depthBooksOf(a).book(ETH).asks, 2).amount.toFixed(6));
    a.placeOrder({ symbol: ETH, side: 'buy', type: 'market', amount: size });
    const second = a.placeOrder({ symbol: ETH, side: 'buy', type: 'market', amount: size });
    const alone = b.placeOrder({ symbol: ETH, side: 'buy', type: 'market', amount: size });
    expect(second.average!).toBeGreaterThan(alone.average!);
    // Split in two, an order costs what it costs whole.
    const whole = venue().venue.placeOrder({ symbol: ETH, side: 'buy', type: 'market', amount: Number((2 * size).toFixed(6)) });
    const firstCost = a.listOrders({ symbol: ETH }).reduce((s, o) => s + o.cost, 0);
    expect(firstCost).toBeCloseTo(whole.cost, 6);
  });

  it('the book is whole again once its levels are drawn anew, as an untouched twin shows', async () => {
    const { clock, venue: v } = venue();
    const twin = new SimVenue({ seed: 7, clock, liquidityPerStepUsd: 2_000 });
    const size = Number(firstLevels(depthBooksOf(v).book(ETH).bids, 4).amount.toFixed(6));
    v.placeOrder({ symbol: ETH, side: 'sell', type: 'market', amount: size });
    expect(depthBooksOf(v).book(ETH).bids).not.toEqual(depthBooksOf(twin).book(ETH).bids);
    // The touch is redrawn at the next 10 s step, the levels behind it within about 5 s.
    await clock.advance(11_000);
    expect(depthBooksOf(v).book(ETH).bids).toEqual(depthBooksOf(twin).book(ETH).bids);
  });

  it('a GTC limit through the touch takes the levels up to its price and rests with the rest', () => {
    const { venue: v } = venue();
    const asks = depthBooksOf(v).book(ETH).asks;
    const two = firstLevels(asks, 2);
    const price = two.last;
    const order = v.placeOrder({ symbol: ETH, side: 'buy', type: 'limit', price, amount: Number((two.amount + 5).toFixed(6)) });
    expect(order.status).toBe('open');
    expect(order.filled).toBeCloseTo(two.amount, 9);
    expect(order.remaining).toBeCloseTo(5, 9);
    expect(order.fills.map((f) => f.price)).toEqual([asks[0]![0], asks[1]![0]]);
    expect(order.fills.every((f) => f.price <= price)).toBe(true);
  });

  it('IOC keeps what the book gives up to its price and expires the rest; FOK all or nothing', () => {
    const { venue: v } = venue();
    const asks = depthBooksOf(v).book(ETH).asks;
    const one = firstLevels(asks, 1);
    const ioc = v.placeOrder({ symbol: ETH, side: 'buy', type: 'limit', price: one.last, amount: Number((one.amount * 2).toFixed(6)), timeInForce: 'IOC' });
    expect(ioc.status).toBe('expired');
    expect(ioc.filled).toBeCloseTo(one.amount, 9);
    const bookBefore = depthBooksOf(v).book(ETH).asks;
    const best = bookBefore[0]!;
    const fok = v.placeOrder({ symbol: ETH, side: 'buy', type: 'limit', price: best[0], amount: Number((best[1] * 2).toFixed(6)), timeInForce: 'FOK' });
    expect(fok.status).toBe('expired');
    expect(fok.filled).toBe(0);
    expect(depthBooksOf(v).book(ETH).asks).toEqual(bookBefore);
    const fits = v.placeOrder({ symbol: ETH, side: 'buy', type: 'limit', price: best[0], amount: best[1], timeInForce: 'FOK' });
    expect([fits.status, fits.filled]).toEqual(['closed', best[1]]);
  });

  it("does not trade with the account's own resting orders", () => {
    const { venue: v } = venue();
    const asks = depthBooksOf(v).book(ETH).asks;
    const [price, size] = asks[1]!;
    const own = v.placeOrder({ symbol: ETH, side: 'sell', type: 'limit', price, amount: 1 });
    expect(depthBooksOf(v).book(ETH).asks[1]).toEqual([price, Number((size + 1).toFixed(6))]);
    const buy = v.placeOrder({ symbol: ETH, side: 'buy', type: 'market', amount: Number((asks[0]![1] + size + 1).toFixed(6)) });
    expect(buy.fills.find((f) => f.price === price)?.amount).toBeCloseTo(size, 9);
    expect(v.getOrder({ id: own.id })).toMatchObject({ status: 'open', filled: 0 });
  });

  it('slippage_bps fills a market order that much worse than each level it takes', () => {
    const { venue: v } = venue({ slippageBps: 10 });
    const asks = depthBooksOf(v).book(ETH).asks;
    const tick = v.market(ETH).tickSize;
    const buy = v.placeOrder({ symbol: ETH, side: 'buy', type: 'market', amount: Number(firstLevels(asks, 2).amount.toFixed(6)) });
    expect(buy.fills.map((f) => f.price)).toEqual(asks.slice(0, 2).map(([p]) => Number((Math.ceil((p * 1.001) / tick - 1e-9) * tick).toFixed(6))));
  });

  it('a market order larger than the book expires with what the book held', () => {
    const { venue: v } = venue({ liquidityPerStepUsd: 200 });
    const asks = depthBooksOf(v).book(ETH).asks;
    const held = asks.reduce((s, [, a]) => s + a, 0);
    const buy = v.placeOrder({ symbol: ETH, side: 'buy', type: 'market', amount: Number((held * 2).toFixed(3)) });
    expect(buy.status).toBe('expired');
    expect(buy.filled).toBeCloseTo(held, 6);
    expect(buy.fills.length).toBe(asks.length);
    expect(depthBooksOf(v).book(ETH).asks).toEqual([]);
  });

  it('an amend through the book is paid for as a new order would be: refused with nothing changed when the margin is not free', () => {
    const { venue: v } = venue({ startingBalanceUsd: 1_000, leverage: 5 });
    const asks = depthBooksOf(v).book(ETH).asks;
    const resting = v.placeOrder({ symbol: ETH, side: 'buy', type: 'limit', price: Number((asks[0]![0] * 0.9).toFixed(2)), amount: 0.01 });
    const deep = asks.at(-1)![0];
    let code: string | undefined;
    try {
      v.amendOrder({ id: resting.id }, { price: deep, amount: 50 });
    } catch (error: unknown) {
      code = (error as { code?: string }).code;
    }
    expect(code).toBe('insufficient_funds');
    expect(v.getOrder({ id: resting.id })).toMatchObject({ status: 'open', amount: 0.01, price: resting.price, filled: 0 });
    expect(v.positions()).toEqual([]);
    expect(v.balance().free).toBeGreaterThan(0);
    // Within what is free it goes through, and takes from the book.
    const amended = v.amendOrder({ id: resting.id }, { price: asks[0]![0], amount: Math.min(asks[0]![1], 0.5) });
    expect(amended.filled).toBeGreaterThan(0);
  });

  it('a position built from many fills holds exactly what they filled', () => {
    const { venue: v } = venue();
    const asks = depthBooksOf(v).book(ETH).asks;
    const size = Number(firstLevels(asks, 40).amount.toFixed(6));
    const buy = v.placeOrder({ symbol: ETH, side: 'buy', type: 'market', amount: size });
    expect(buy.fills.length).toBeGreaterThan(20);
    expect(v.positions()[0]!.contracts).toBe(buy.filled);
  });
});
