import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { SimError, type SimErrorCode } from '../../src/sim/sim-error.js';
import { SimVenue, type SimVenueOptions } from '../../src/sim/venue.js';
import type { SimOrder } from '../../src/sim/venue-types.js';

const START = 1_700_000_000_000;
const MIN = 60_000;

function venue(options: Partial<SimVenueOptions> = {}): { clock: VirtualClock; venue: SimVenue } {
  const clock = new VirtualClock(START + 4_321);
  return { clock, venue: new SimVenue({ seed: 7, clock, ...options }) };
}

function codeOf(fn: () => unknown): SimErrorCode | undefined {
  try {
    fn();
  } catch (error: unknown) {
    if (error instanceof SimError) return error.code;
    throw error;
  }
  return undefined;
}

/** Advances minute by minute until the order is no longer open (or the limit passes). */
async function untilDone(clock: VirtualClock, v: SimVenue, id: string, maxMs = 12 * 3_600_000): Promise<SimOrder> {
  await clock.advanceUntil(() => v.getOrder({ id }).status !== 'open', maxMs, MIN);
  return v.getOrder({ id });
}

describe('SimVenue universe', () => {
  it('lists ~40 USD perpetuals with the restricted ones, a few spot markets, and volumes across 2M', () => {
    const { venue: v } = venue();
    const markets = v.listMarkets();
    const swaps = markets.filter((m) => m.type === 'swap');
    const spots = markets.filter((m) => m.type === 'spot');
    expect(swaps.length).toBe(40);
    expect(spots.length).toBeGreaterThanOrEqual(2);
    const symbols = new Set(markets.map((m) => m.symbol));
    for (const s of ['BNB/USD:USD', 'USDT/USD:USD', 'BTC/USD:USD', 'ETH/USD:USD', 'SOL/USD:USD', 'BTC/USD']) {
      expect(symbols.has(s)).toBe(true);
    }
    expect(swaps.every((m) => m.settle === 'USD' && m.symbol === `${m.base}/USD:USD` && m.id === `${m.base}USD`)).toBe(true);
    expect(spots.every((m) => m.settle === undefined && m.symbol === `${m.base}/USD`)).toBe(true);
    const vols = markets.map((m) => m.volumeUsd24h);
    expect(Math.min(...vols)).toBeGreaterThanOrEqual(1e4);
    expect(Math.max(...vols)).toBeLessThanOrEqual(1e9);
    const kept = swaps.filter((m) => m.volumeUsd24h >= 2_000_000).length;
    expect(kept).toBeGreaterThan(5);
    expect(kept).toBeLessThan(35);
    for (const m of markets) {
      expect(Math.log10(m.tickSize) % 1).toBeCloseTo(0, 9);
      expect(Math.log10(m.lotSize) % 1).toBeCloseTo(0, 9);
      const t = v.ticker(m.symbol);
      // Ticks are fine enough: at least ~10,000 ticks per price.
      expect(t.last / m.tickSize).toBeGreaterThan(5_000);
      expect(m.makerFee).toBeLessThanOrEqual(m.takerFee);
    }
  });

  it('is deterministic per seed and differs between seeds', async () => {
    const run = async (seed: number): Promise<unknown[]> => {
      const { clock, venue: v } = venue({ seed });
      const out: unknown[] = [v.listMarkets(), v.candles('ETH/USD:USD', '1m', undefined, 200), v.ticker('SOL/USD:USD')];
      const o = v.placeOrder({ symbol: 'ETH/USD:USD', side: 'buy', type: 'limit', amount: 0.5, price: v.ticker('ETH/USD:USD').last });
      v.placeOrder({ symbol: 'SOL/USD:USD', side: 'sell', type: 'market', amount: 3 });
      await clock.advance(90 * MIN);
      out.push(v.getOrder({ id: o.id }), v.balance(), v.positions(), v.listFills());
      return out;
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    const b = await run(8);
    expect(b[0]).not.toEqual(a[0]);
    expect(b[1]).not.toEqual(a[1]);
  });
});

describe('SimVenue matching', () => {
  it('fills a resting limit order when the path crosses it, at its price, as maker', async () => {
    const { clock, venue: v } = venue();
    const symbol = 'BTC/USD:USD';
    const t = v.ticker(symbol);
    const price = Number((t.last * 0.998).toFixed(1));
    const placed = v.placeOrder({ symbol, side: 'buy', type: 'limit', amount: 0.01, price });
    expect(placed.status).toBe('open');
    expect(placed.filled).toBe(0);
    const done = await untilDone(clock, v, placed.id);
    expect(done.status).toBe('closed');
    expect(done.filled).toBe(0.01);
    expect(done.average).toBe(price);
    expect(done.fills.every((f) => f.maker && f.price === price)).toBe(true);
    expect(done.fee).toBeCloseTo(price * 0.01 * 0.0002, 10);
    // The candle of the fill reaches the price; the whole minutes before it stayed above.
    const fillTs = done.fills[0]!.timestamp;
    const rows = v.candles(symbol, '1m', placed.timestamp - MIN);
    const fillRow = rows.find((r) => r[0] === Math.floor((fillTs - 1) / MIN) * MIN)!;
    expect(fillRow[3]).toBeLessThanOrEqual(price);
    for (const r of rows) {
      if (r[0] > placed.timestamp && r[0] + MIN <= fillRow[0]) expect(r[3]).toBeGreaterThan(price);
    }
    const pos = v.positions([symbol]);
    expect(pos).toHaveLength(1);
    expect(pos[0]).toMatchObject({ side: 'long', contracts: 0.01, entryPrice: price });
  });

  it('fills large orders partially, step by step, from the per-step liquidity', async () => {
    const { clock, venue: v } = venue({ liquidityPerStepUsd: 1_000, startingBalanceUsd: 1_000_000 });
    const symbol = 'ETH/USD:USD';
    const t = v.ticker(symbol);
    const o = v.placeOrder({ symbol, side: 'sell', type: 'limit', amount: 2, price: t.last });
    await clock.advanceUntil(() => v.getOrder({ id: o.id }).filled > 0, 6 * 3_600_000, 10_000);
    const partial = v.getOrder({ id: o.id });
    expect(partial.status).toBe('open');
    expect(partial.filled).toBeLessThan(2);
    expect(partial.remaining).toBeCloseTo(2 - partial.filled, 9);
    // One step fills at most liquidity / price, floored to the lot.
    expect(partial.fills[0]!.amount).toBeLessThanOrEqual(1_000 / t.last + 0.001);
    const done = await untilDone(clock, v, o.id, 48 * 3_600_000);
    expect(done.status).toBe('closed');
    expect(done.fills.length).toBeGreaterThan(3);
    expect(done.fills.reduce((s, f) => s + f.amount, 0)).toBeCloseTo(2, 9);
    expect(v.positions([symbol])[0]).toMatchObject({ side: 'short', contracts: 2 });
  });

  it('fills market orders at the touch with slippage and marketable limits at the touch, as taker', () => {
    const { venue: v } = venue();
    const symbol = 'SOL/USD:USD';
    const t = v.ticker(symbol);
    const buy = v.placeOrder({ symbol, side: 'buy', type: 'market', amount: 5 });
    expect(buy.status).toBe('closed');
    expect(buy.average!).toBeGreaterThanOrEqual(t.ask);
    expect(buy.average!).toBeLessThan(t.ask * 1.01);
    expect(buy.fee).toBeCloseTo(buy.cost * 0.0005, 10);
    const sell = v.placeOrder({ symbol, side: 'sell', type: 'limit', amount: 2, price: Number((t.bid * 0.99).toFixed(3)) });
    expect(sell.status).toBe('closed');
    expect(sell.average).toBe(t.bid);
    expect(sell.fills[0]!.maker).toBe(false);
  });

  it('keeps balance, margin and positions with every fill, realising PnL on reduce and flip', () => {
    const { venue: v } = venue({ leverage: 10 });
    const symbol = 'ETH/USD:USD';
    const b0 = v.balance();
    expect(b0).toMatchObject({ total: 10_000, used: 0, free: 10_000 });

    const resting = v.placeOrder({ symbol, side: 'buy', type: 'limit', amount: 1, price: 1_000 });
    expect(v.balance().used).toBeCloseTo(1_000 / 10, 9);
    v.cancelOrder({ id: resting.id });
    expect(v.balance().used).toBe(0);

    const open = v.placeOrder({ symbol, side: 'sell', type: 'market', amount: 2 });
    const mark = v.ticker(symbol).last;
    const [short] = v.positions();
    expect(short).toMatchObject({ symbol, side: 'short', contracts: 2, entryPrice: open.average, leverage: 10 });
    expect(short!.unrealizedPnl).toBeCloseTo(2 * (open.average! - mark), 9);
    const b1 = v.balance();
    expect(b1.used).toBeCloseTo((2 * mark) / 10, 9);
    expect(b1.total).toBeCloseTo(10_000 - open.fee + short!.unrealizedPnl, 9);

    // Buy 3: closes the short of 2 (realised), opens a long of 1 at the fill price.
    const flip = v.placeOrder({ symbol, side: 'buy', type: 'market', amount: 3 });
    const [long] = v.positions();
    expect(long).toMatchObject({ side: 'long', contracts: 1, entryPrice: flip.average });
    const realised = 2 * (open.average! - flip.average!);
    expect(flip.fills[0]!.realizedPnl).toBeCloseTo(realised, 9);
    expect(v.balance().wallet).toBeCloseTo(10_000 - open.fee - flip.fee + realised, 9);

    // A resting reduce-only order expires once the position it reduces is gone.
    const takeProfit = v.placeOrder({ symbol, side: 'sell', type: 'limit', amount: 1, price: 9_000, reduceOnly: true });
    expect(v.balance().used).toBeCloseTo(v.positions()[0]!.initialMargin, 9);
    // Reduce-only sell larger than the position is capped and the rest expires.
    const close = v.placeOrder({ symbol, side: 'sell', type: 'market', amount: 5, reduceOnly: true });
    expect(close.filled).toBe(1);
    expect(close.status).toBe('expired');
    expect(v.positions()).toEqual([]);
    expect(v.getOrder({ id: takeProfit.id })).toMatchObject({ status: 'expired', filled: 0 });
    const b2 = v.balance();
    expect(b2.used).toBe(0);
    expect(b2.total).toBeCloseTo(b2.wallet, 9);
  });

  it('trades spot with asset holdings: a buy pays its fee in the asset bought (Binance spot), a sell in USD', () => {
    const { venue: v } = venue();
    const m = v.market('BTC/USD');
    const usd = v.balance().wallet;
    const buy = v.placeOrder({ symbol: 'BTC/USD', side: 'buy', type: 'market', amount: 0.05 });
    // 0.05 less the taker fee in BTC; the USD wallet pays the price alone.
    const held = Math.round(0.05 * (1 - m.takerFee) * 1e8) / 1e8;
    expect(buy.fills.map((f) => [f.feeCurrency, f.feeRate])).toEqual(buy.fills.map(() => ['BTC', m.takerFee]));
    expect(v.balance().assets['BTC']).toEqual({ total: held, used: 0, free: held });
    expect(v.balance().wallet).toBeCloseTo(usd - buy.cost, 6);
    expect(codeOf(() => v.placeOrder({ symbol: 'BTC/USD', side: 'sell', type: 'market', amount: 0.05 }))).toBe('insufficient_funds');
    // What the lot grid lets it sell; the dust stays free.
    const sellable = Number((Math.floor(held / m.lotSize) * m.lotSize).toFixed(8));
    const sell = v.placeOrder({ symbol: 'BTC/USD', side: 'sell', type: 'limit', amount: sellable, price: 100_000 });
    expect(v.balance().assets['BTC']).toMatchObject({ total: held, used: sellable });
    expect(v.balance().assets['BTC']!.free).toBeCloseTo(held - sellable, 12);
    v.cancelOrder({ clientOrderId: sell.clientOrderId });
    expect(v.positions()).toEqual([]);
  });
});

describe('SimVenue orders and errors', () => {
  it('refuses bad requests with typed codes', () => {
    const { venue: v } = venue();
    const eth = 'ETH/USD:USD';
    const last = v.ticker(eth).last;
    expect(codeOf(() => v.ticker('NOPE/USD:USD'))).toBe('bad_symbol');
    expect(codeOf(() => v.placeOrder({ symbol: 'NOPE', side: 'buy', type: 'market', amount: 1 }))).toBe('bad_symbol');
    expect(codeOf(() => v.placeOrder({ symbol: eth, side: 'buy', type: 'market', amount: 100 }))).toBe('insufficient_funds');
    expect(codeOf(() => v.placeOrder({ symbol: eth, side: 'buy', type: 'limit', amount: 0.0001, price: 1000 }))).toBe('invalid_order');
    expect(codeOf(() => v.placeOrder({ symbol: eth, side: 'buy', type: 'limit', amount: 0.0015, price: 1000 }))).toBe('invalid_order');
    expect(codeOf(() => v.placeOrder({ symbol: eth, side: 'buy', type: 'limit', amount: 0.001, price: 1000 }))).toBe('invalid_order');
    expect(codeOf(() => v.placeOrder({ symbol: eth, side: 'buy', type: 'limit', amount: 0.1, price: 1000.001 }))).toBe('invalid_order');
    expect(codeOf(() => v.placeOrder({ symbol: eth, side: 'buy', type: 'limit', amount: 0.1 }))).toBe('invalid_order');
    expect(codeOf(() => v.placeOrder({ symbol: eth, side: 'sell', type: 'market', amount: 0.1, reduceOnly: true }))).toBe('invalid_order');
    expect(codeOf(() => v.placeOrder({ symbol: eth, side: 'buy', type: 'limit', amount: 0.1, price: 1000, clientOrderId: 'bad id!' }))).toBe('invalid_order');
    v.placeOrder({ symbol: eth, side: 'buy', type: 'limit', amount: 0.1, price: 1000, clientOrderId: 'c-1' });
    expect(codeOf(() => v.placeOrder({ symbol: eth, side: 'buy', type: 'limit', amount: 0.1, price: 1000, clientOrderId: 'c-1' }))).toBe(
      'duplicate_client_order_id',
    );
    expect(codeOf(() => v.getOrder({ id: '1' }))).toBe('order_not_found');
    expect(codeOf(() => v.cancelOrder({ clientOrderId: 'nope' }))).toBe('order_not_found');
    v.cancelOrder({ clientOrderId: 'c-1' });
    expect(codeOf(() => v.cancelOrder({ clientOrderId: 'c-1' }))).toBe('order_not_open');
    expect(v.counters.ordersRejected).toBe(10);
    expect(last).toBeGreaterThan(0);
  });

  it('hides new orders for the visibility delay', async () => {
    const { clock, venue: v } = venue({ visibilityDelayMs: 2_000 });
    const o = v.placeOrder({ symbol: 'ETH/USD:USD', side: 'buy', type: 'limit', amount: 0.1, price: 1_000 });
    expect(codeOf(() => v.getOrder({ id: o.id }))).toBe('order_not_found');
    expect(codeOf(() => v.getOrder({ clientOrderId: o.clientOrderId }))).toBe('order_not_found');
    expect(v.listOrders({ status: 'open' })).toEqual([]);
    await clock.advance(1_999);
    expect(codeOf(() => v.getOrder({ id: o.id }))).toBe('order_not_found');
    await clock.advance(1);
    expect(v.getOrder({ id: o.id }).status).toBe('open');
    expect(v.listOrders({ status: 'open' })).toHaveLength(1);
    expect(v.counters.hiddenByVisibilityDelay).toBe(4);
    v.visibilityDelayMs = 0;
    const p = v.placeOrder({ symbol: 'ETH/USD:USD', side: 'buy', type: 'limit', amount: 0.1, price: 1_001 });
    expect(v.getOrder({ id: p.id }).id).toBe(p.id);
  });

  it('lists orders by symbol, status, since and limit', async () => {
    const { clock, venue: v } = venue();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const symbol = i % 2 === 0 ? 'ETH/USD:USD' : 'SOL/USD:USD';
      ids.push(v.placeOrder({ symbol, side: 'buy', type: 'limit', amount: i % 2 === 0 ? 0.01 : 1, price: i % 2 === 0 ? 1_000 : 50 }).id);
      await clock.advance(1_000);
    }
    v.cancelOrder({ id: ids[0]! });
    expect(v.listOrders().map((o) => o.id)).toEqual(ids);
    expect(v.listOrders({ symbol: 'ETHUSD' }).map((o) => o.id)).toEqual([ids[0], ids[2], ids[4]]);
    expect(v.listOrders({ status: 'open' }).map((o) => o.id)).toEqual(ids.slice(1));
    expect(v.listOrders({ status: ['canceled', 'closed'] }).map((o) => o.id)).toEqual([ids[0]]);
    expect(v.listOrders({ limit: 2 }).map((o) => o.id)).toEqual(ids.slice(3));
    const since = v.getOrder({ id: ids[1]! }).timestamp;
    expect(v.listOrders({ since, limit: 2 }).map((o) => o.id)).toEqual(ids.slice(1, 3));
    expect(v.cancelAllOrders('SOL/USD:USD').map((o) => o.id)).toEqual([ids[1], ids[3]]);
    expect(v.listOrders({ status: 'open' }).map((o) => o.id)).toEqual([ids[2], ids[4]]);
  });

  it('a venue started again later (a restarted sim-server, same seed) reuses no order or trade id of the earlier one', () => {
    const trade = (v: SimVenue, n: number): { orders: string[]; trades: string[] } => {
      const placed = Array.from({ length: n }, () => v.placeOrder({ symbol: 'ETH/USD:USD', side: 'buy', type: 'market', amount: 0.01 }));
      return { orders: placed.map((o) => o.id), trades: placed.flatMap((o) => o.fills.map((f) => f.id)) };
    };
    const first = trade(new SimVenue({ seed: 7, clock: new VirtualClock(START) }), 500);
    const again = trade(new SimVenue({ seed: 7, clock: new VirtualClock(START + 2_000) }), 500);
    expect(first.trades.length).toBeGreaterThanOrEqual(500);
    expect(again.orders.filter((id) => first.orders.includes(id))).toEqual([]);
    expect(again.trades.filter((id) => first.trades.includes(id))).toEqual([]);
    // The same start: the same ids (a seeded venue stays reproducible).
    expect(trade(new SimVenue({ seed: 7, clock: new VirtualClock(START) }), 500)).toEqual(first);
    // 13 digits, as ccxt reads a venue's ids from websocket frames (15 or more become strings).
    expect(first.orders[0]).toMatch(/^\d{13}$/);
  });
});
