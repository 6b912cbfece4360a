/**
 * The in-process sim's `fetchTradingFee`, `fetchLeverage(s)`, `fetchMarginMode(s)`,
 * `fetchPositionMode`, `fetchOpenInterest` and `fetchFundingRateHistory`: answered from the venue,
 * and the same answers an unmodified `ccxt.binanceusdm` gets from `misso sim-server` on the same
 * venue (test/sim-server/config-routes.test.ts and market-info-routes.test.ts test that face).
 */
import { NotSupported, type binanceusdm } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { SimExchange } from '../../src/sim/sim-exchange.js';
import { universeOf } from '../../src/sim/universe.js';
import { SimVenue } from '../../src/sim/venue.js';
import { simClient } from '../sim-server/fixtures/sim-client.js';
import { thrown } from '../support/thrown.js';

const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';
const EIGHT_HOURS = 8 * 3_600_000;
const SEED = 31;
let clock: VirtualClock;
let venue: SimVenue;
let sim: SimExchange;
let server: SimServer;
let binance: binanceusdm;

beforeAll(async () => {
  clock = new VirtualClock(Math.floor(Date.now() / 10_000) * 10_000);
  venue = new SimVenue({ seed: SEED, clock, markets: universeOf(40, SEED) });
  sim = new SimExchange({ clock, venue });
  server = await startSimServer({ port: 0, seed: SEED, venue });
  binance = simClient(server.url);
  await Promise.all([sim.loadMarkets(), binance.loadMarkets()]);
});

afterAll(async () => {
  await sim.close();
  await server.close();
});

describe('SimExchange account configuration', () => {
  it('says it has the calls it answers, and not the setters the venue cannot honour', () => {
    for (const m of ['fetchTradingFee', 'fetchLeverage', 'fetchLeverages', 'fetchMarginMode', 'fetchMarginModes', 'fetchPositionMode', 'fetchOpenInterest', 'fetchFundingRateHistory']) {
      expect(sim.has[m], m).toBe(true);
    }
    expect(sim.has['setMarginMode']).toBeFalsy();
  });

  it("gives the market's fee rates, the ones a taker fill is charged, as the server does", async () => {
    const fee = await sim.fetchTradingFee(BTC);
    expect(fee).toMatchObject({ symbol: BTC, maker: venue.market(BTC).makerFee, taker: venue.market(BTC).takerFee });
    const order = await sim.createOrder(BTC, 'market', 'buy', 0.01);
    const [fill] = venue.orderIgnoringDelay({ id: order.id! }).fills;
    expect(fill!.fee / (fill!.price * fill!.amount)).toBeCloseTo(fee.taker!, 12);
    await sim.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true });
    const served = await binance.fetchTradingFee(BTC);
    expect([served.maker, served.taker]).toEqual([fee.maker, fee.taker]);
  });

  it('reports the leverage setLeverage set, cross margin and one-way mode, as the server does', async () => {
    await sim.setLeverage(7, BTC);
    expect(await sim.fetchLeverage(BTC)).toMatchObject({ symbol: BTC, marginMode: 'cross', longLeverage: 7, shortLeverage: 7 });
    const all = await sim.fetchLeverages();
    expect(Object.keys(all).sort()).toEqual(Object.keys(await binance.fetchLeverages()).sort());
    expect(all[ETH]!.longLeverage).toBe((await binance.fetchLeverage(ETH)).longLeverage);
    expect((await binance.fetchLeverage(BTC)).longLeverage).toBe(7);
    expect(await sim.fetchMarginMode(BTC)).toMatchObject({ symbol: BTC, marginMode: 'cross' });
    expect(Object.values(await sim.fetchMarginModes([BTC, ETH])).map((m) => m.marginMode)).toEqual(['cross', 'cross']);
    expect((await sim.fetchPositionMode()).hedged).toBe(false);
    expect(await thrown(() => sim.setMarginMode('isolated', BTC))).toBeInstanceOf(NotSupported);
  });
});

describe('SimExchange market information', () => {
  it('gives the open interest the server gives, moved by a fill by its amount', async () => {
    const before = await sim.fetchOpenInterest(BTC);
    expect(before.openInterestAmount).toBe((await binance.fetchOpenInterest(BTC)).openInterestAmount);
    expect(before.openInterestValue).toBeCloseTo(before.openInterestAmount! * venue.ticker(BTC).last, 6);
    await sim.createOrder(BTC, 'market', 'sell', 0.3);
    expect((await sim.fetchOpenInterest(BTC)).openInterestAmount).toBeCloseTo(before.openInterestAmount! + 0.3, 9);
    await sim.createOrder(BTC, 'market', 'buy', 0.3, undefined, { reduceOnly: true });
  });

  it('gives the funding history the server gives, with since, limit and until', async () => {
    const latest = await sim.fetchFundingRateHistory(BTC);
    expect(latest).toHaveLength(100);
    const served = await binance.fetchFundingRateHistory(BTC);
    expect(latest.map((f) => [f.timestamp, f.fundingRate])).toEqual(served.map((f) => [f.timestamp, f.fundingRate]));
    const last = latest.at(-1)!.timestamp!;
    expect((await sim.fetchFundingRateHistory(BTC, last - 4 * EIGHT_HOURS, 2)).map((f) => f.timestamp)).toEqual([last - 4 * EIGHT_HOURS, last - 3 * EIGHT_HOURS]);
    expect((await sim.fetchFundingRateHistory(BTC, undefined, 1, { until: last - 1 })).map((f) => f.timestamp)).toEqual([last - EIGHT_HOURS]);

    await clock.advance(last + EIGHT_HOURS - clock.now() + 1);
    const next = (await sim.fetchFundingRateHistory(BTC, undefined, 1))[0]!;
    expect(next.timestamp).toBe(last + EIGHT_HOURS);
    expect((next.info as { markPrice: number }).markPrice).toBe(venue.candles(BTC, '1m', last + EIGHT_HOURS - 60_000, 1)[0]![4]);
  });
});
