/**
 * The in-process sim's watch* methods, in virtual time: tickers and candles pushed every
 * second of clock time, order changes, fills, balance and positions as the venue makes them,
 * a silenced stream that stays connected, and pending watches rejected on close.
 */
import { NetworkError, type OHLCV, type Order } from 'ccxt';
import { describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../src/core/clock.js';
import { type SimExchange } from '../../src/sim/sim-exchange.js';

import { settleVirtual, virtualSim } from './fixtures-virtual.js';
const START = 1_700_000_000_000;
const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';

const make = (knobs: Record<string, unknown> = {}): { clock: VirtualClock; ex: SimExchange } => virtualSim(START + 500, knobs);
const settle = settleVirtual;

describe('SimExchange watch* methods', () => {
  it('says it has them', () => {
    const { ex } = make();
    for (const m of ['watchTickers', 'watchOHLCVForSymbols', 'watchOrders', 'watchMyTrades', 'watchBalance', 'watchPositions', 'watchOrderBook']) expect(ex.has[m]).toBe(true);
  });

  it('watchTickers: every market at subscription, then a push per second of clock time following the price', async () => {
    const { clock, ex } = make();
    const first = await settle(clock, ex.watchTickers());
    expect(Object.keys(first)).toContain(BTC);
    expect(first[BTC]!.last).toBe((await ex.fetchTicker(BTC)).last);
    const before = clock.now();
    await settle(clock, ex.watchTickers());
    // The next push came one push period later, not earlier, not later.
    expect(clock.now() - before).toBeGreaterThanOrEqual(900);
    expect(clock.now() - before).toBeLessThanOrEqual(1100);
    // After a price step, the stream carries the new price, equal to REST's.
    await clock.advance(20_000);
    const later = await settle(clock, ex.watchTickers([BTC, ETH]));
    expect(Object.keys(later).sort()).toEqual([BTC, ETH]);
    expect(later[BTC]!.last).toBe((await ex.fetchTicker(BTC)).last);
    await ex.close();
  });

  it('watchOHLCVForSymbols: the current candle of each pair, merged by open time, equal to fetchOHLCV', async () => {
    const { clock, ex } = make();
    const got = await settle(clock, ex.watchOHLCVForSymbols([[BTC, '1m'], [ETH, '5m']]));
    const all: Record<string, Record<string, OHLCV[]>> = { ...got };
    // Both pairs arrive (the first call may resolve with the first pair's news only).
    while (!all[ETH]?.['5m'] || !all[BTC]?.['1m']) Object.assign(all, await settle(clock, ex.watchOHLCVForSymbols([[BTC, '1m'], [ETH, '5m']])));
    await clock.advance(65_000);
    const next = await settle(clock, ex.watchOHLCVForSymbols([[BTC, '1m'], [ETH, '5m']]));
    const sym = Object.keys(next)[0]!;
    const tf = Object.keys(next[sym]!)[0]!;
    const rows = next[sym]![tf]!;
    const rest = await ex.fetchOHLCV(sym, tf, undefined, 2);
    expect(rows.at(-1)).toEqual(rest.at(-1));
    expect(rows.map((r) => r[0])).toEqual([...rows.map((r) => r[0])].sort((a, b) => Number(a) - Number(b)));
    await ex.close();
  });

  it('watchOrders, watchMyTrades, watchBalance, watchPositions: a market order, then a resting order crossed by the path', async () => {
    const { clock, ex } = make();
    await ex.loadMarkets();
    const orders = ex.watchOrders();
    const trades = ex.watchMyTrades();
    const balance = ex.watchBalance();
    const positions = ex.watchPositions();
    const placed = await ex.createOrder(BTC, 'market', 'buy', 0.01, undefined, { clientOrderId: 'm-1' });
    const seen = await settle(clock, orders);
    // One venue operation, one delivery: the order's news in the order they happened.
    expect(seen.map((o) => o.clientOrderId)).toEqual(seen.map(() => 'm-1'));
    expect(seen[0]).toMatchObject({ status: 'open', filled: 0 });
    expect(seen.at(-1)).toMatchObject({ status: 'closed', filled: 0.01 });
    const fills = await settle(clock, trades);
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ order: placed.id, symbol: BTC, side: 'buy', amount: 0.01 });
    const pushed = await settle(clock, balance);
    const fetched = await ex.fetchBalance();
    expect(pushed['USD']).toEqual(fetched['USD']);
    expect(pushed['USD']!.used).toBeGreaterThan(0);
    const pos = await settle(clock, positions);
    expect(pos.map((p) => [p.symbol, p.side, p.contracts])).toEqual([[BTC, 'long', 0.01]]);

    // A resting sell just above the market fills when the path crosses it, with nobody polling:
    // the push loop walks the venue.
    const last = (await ex.fetchTicker(BTC)).last!;
    const resting = await ex.createOrder(BTC, 'limit', 'sell', 0.01, last * 1.0005, { clientOrderId: 'r-1' });
    const calls = ex.counters().calls;
    const updates: Order[] = [];
    while (!updates.some((o) => o.id === resting.id && o.status === 'closed')) updates.push(...(await settle(clock, ex.watchOrders(), 6 * 3_600_000)));
    expect(ex.counters().calls).toEqual(calls);
    const closing = await settle(clock, ex.watchPositions());
    expect(closing.map((p) => [p.symbol, p.contracts])).toEqual([[BTC, 0]]);
    await ex.close();
  });

  it('watchOrderBook: the venue book at subscription, then a push when it changes, equal to fetchOrderBook at the same update id', async () => {
    const { clock, ex } = make();
    // The first book goes out at subscription, with no clock time passing.
    const first = await ex.watchOrderBook(BTC);
    const rest = await ex.fetchOrderBook(BTC);
    expect([first.nonce, first.bids, first.asks]).toEqual([rest.nonce, rest.bids, rest.asks]);
    const ticker = await ex.fetchTicker(BTC);
    expect([first.bids[0]![0], first.asks[0]![0]]).toEqual([ticker.bid, ticker.ask]);
    // The sizes behind the touch change within seconds, the touch with each price step.
    for (let i = 0; i < 3; i++) {
      const next = await settle(clock, ex.watchOrderBook(BTC, 10));
      expect(next.nonce).toBeGreaterThan(Number(first.nonce));
      expect(next.bids).toHaveLength(10);
      const now = await ex.fetchOrderBook(BTC, 10);
      expect([next.nonce, next.bids, next.asks]).toEqual([now.nonce, now.bids, now.asks]);
    }
    await ex.close();
  });

  it('watchOrders reflects an amend (editOrder): the order with its new price and amount, still open', async () => {
    const { clock, ex } = make();
    await ex.loadMarkets();
    const last = (await ex.fetchTicker(ETH)).last!;
    const price = Number(ex.priceToPrecision(ETH, last * 0.8));
    const placed = await ex.createOrder(ETH, 'limit', 'buy', 0.1, price, { clientOrderId: 'a-1' });
    const watching = ex.watchOrders(ETH);
    await clock.advance(10);
    const lower = Number(ex.priceToPrecision(ETH, price * 0.99));
    await ex.editOrder(placed.id!, ETH, 'limit', 'buy', 0.2, lower);
    const seen = (await settle(clock, watching)).filter((o) => o.id === placed.id);
    expect(seen.at(-1)).toMatchObject({ clientOrderId: 'a-1', price: lower, amount: 0.2, remaining: 0.2, status: 'open' });
    await ex.close();
  });

  it('watchBalance gets a wallet change no order made (a funding fee), equal to fetchBalance', async () => {
    const { clock, ex } = make();
    await ex.loadMarkets();
    const before = (await ex.fetchBalance())['USD']!.total!;
    const balance = ex.watchBalance();
    await clock.advance(10);
    ex.getVenue().adjustWallet(-2.5, 'FUNDING_FEE');
    const pushed = await settle(clock, balance);
    expect(pushed['USD']!.total).toBeCloseTo(before - 2.5, 8);
    expect(pushed['USD']).toEqual((await ex.fetchBalance())['USD']);
    await ex.close();
  });

  it('silent_streams keeps a stream connected but silent, and un-silencing delivers what was held', async () => {
    const { clock, ex } = make({ silent_streams: ['tickers'] });
    let got = false;
    const pending = ex.watchTickers().then(() => (got = true));
    await clock.advance(30_000);
    expect(got).toBe(false);
    expect(Object.values(ex.clients).every((c) => (c as { isOpen(): boolean }).isOpen())).toBe(true);
    ex.setKnobs({ silent_streams: [] });
    await clock.advance(10);
    expect(got).toBe(true);
    await pending;
    expect(() => ex.setKnobs({ silent_streams: ['nope'] })).toThrow(/silent_streams/);
    await ex.close();
  });

  it('pending watches reject when the exchange closes, and when their connection is terminated', async () => {
    const { clock, ex } = make({ silent_streams: ['tickers', 'orders'] });
    const tickers = ex.watchTickers();
    const orders = ex.watchOrders();
    await clock.advance(10);
    (ex.clients['sim://market/tickers'] as { connection: { terminate(): void } }).connection.terminate();
    await expect(tickers).rejects.toBeInstanceOf(NetworkError);
    await ex.close();
    await expect(orders).rejects.toThrow();
    // No push loop is left running.
    await clock.advance(5_000);
    expect(clock.pending).toBe(0);
  });
});
