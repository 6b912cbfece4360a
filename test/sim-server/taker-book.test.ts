/**
 * An unmodified ccxt `binanceusdm` against `misso sim-server`: a market order larger than the
 * best level fills against the book `fetchOrderBook` showed, a trade per level, and the book
 * served afterwards no longer holds what it took.
 */
import type { binanceusdm } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { SimVenue } from '../../src/sim/venue.js';
import { simClient } from './fixtures/sim-client.js';

const ETH = 'ETH/USD:USD';

describe('misso sim-server: taker orders walk /fapi/v1/depth', () => {
  // The book moves only when the test moves the clock. A signed request's timestamp is the real
  // time, which the server checks against its own (Binance refuses one over 1 s ahead): the
  // clock is set 3 s ahead of the real time before them, inside ccxt's receive window.
  const clock = new VirtualClock(Date.now());
  const sync = (): Promise<void> => clock.advance(Date.now() + 3_000 - clock.now());
  let server: SimServer;
  let ex: binanceusdm;

  beforeAll(async () => {
    // A book of a few thousand USD a level, so the default account walks several.
    const venue = new SimVenue({ seed: 17, clock, liquidityPerStepUsd: 2_000 });
    server = await startSimServer({ port: 0, clock, venue });
    ex = simClient(server.url);
    await ex.loadMarkets();
  });

  afterAll(async () => {
    await server.close();
  });

  it('a market buy takes the first levels, a trade each, at their prices', async () => {
    await sync();
    const before = await ex.fetchOrderBook(ETH, 5);
    const levels = before.asks.slice(0, 3).map(([p, a]) => [Number(p), Number(a)]);
    const amount = Number(levels.reduce((s, [, a]) => s + a!, 0).toFixed(6));
    const order = await ex.createOrder(ETH, 'market', 'buy', amount);
    expect([order.status, order.filled]).toEqual(['closed', amount]);
    const vwap = levels.reduce((s, [p, a]) => s + p! * a!, 0) / amount;
    expect(order.average!).toBeCloseTo(vwap, 2);
    const after = await ex.fetchOrderBook(ETH, 5);
    expect(after.asks[0]).toEqual(before.asks[3]);
    expect(Number(after.nonce)).toBeGreaterThan(Number(before.nonce));
    await sync();
    const trades = await ex.fetchMyTrades(ETH);
    expect(trades.filter((t) => t.order === order.id).map((t) => [t.price, t.amount, t.takerOrMaker])).toEqual(levels.map(([p, a]) => [p, a, 'taker']));
  });
});
