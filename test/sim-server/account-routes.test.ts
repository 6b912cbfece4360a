/**
 * ccxt calls a strategy makes beside its orders, through an unmodified `ccxt.binanceusdm` against
 * misso sim-server: `cancelAllOrders` (`DELETE /fapi/v1/allOpenOrders`), `setLeverage`
 * (`POST /fapi/v1/leverage`) and `fetchFundingRate(s)` (`GET /fapi/v1/premiumIndex`). Each
 * answered `{"code":-5000,"msg":"Path … is invalid (not served by misso sim-server)"}` before.
 */
import { BadRequest, ExchangeError, InsufficientFunds, type binanceusdm } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { rawRequest, simClient } from './fixtures/sim-client.js';
import { thrown } from '../support/thrown.js';

const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';
const EIGHT_HOURS = 8 * 3_600_000;
let server: SimServer;
let ex: binanceusdm;

beforeAll(async () => {
  server = await startSimServer({ port: 0, seed: 17 });
  ex = simClient(server.url);
  await ex.loadMarkets();
});

afterAll(async () => {
  await server.close();
});

const px = (symbol: string, factor: number): number => Number(ex.priceToPrecision(symbol, server.venue.ticker(symbol).last * factor));
const statusOf = (id: string): string => server.venue.orderIgnoringDelay({ id }).status;

describe('cancelAllOrders → DELETE /fapi/v1/allOpenOrders', () => {
  it("cancels the symbol's open orders (one not visible yet too), leaves other symbols' and waiting conditional ones, and answers Binance's {code: 200}", async () => {
    const a = await ex.createOrder(BTC, 'limit', 'buy', 0.01, px(BTC, 0.8));
    const b = await ex.createOrder(BTC, 'limit', 'sell', 0.01, px(BTC, 1.2));
    const eth = await ex.createOrder(ETH, 'limit', 'buy', 0.1, px(ETH, 0.8));
    const stop = await ex.createOrder(BTC, 'market', 'sell', 0.01, undefined, { stopLossPrice: px(BTC, 0.7) });
    server.venue.visibilityDelayMs = 60_000;
    const hidden = await ex.createOrder(BTC, 'limit', 'buy', 0.01, px(BTC, 0.75));
    server.venue.visibilityDelayMs = 0;

    const answer = await ex.cancelAllOrders(BTC);
    expect(answer).toHaveLength(1);
    expect(answer[0]!.info).toEqual({ code: 200, msg: 'The operation of cancel all open order is done.' });
    for (const o of [a, b, hidden]) expect(statusOf(o.id!), o.id).toBe('canceled');
    expect(statusOf(eth.id!)).toBe('open');
    expect(await ex.fetchOpenOrders(BTC)).toEqual([]);
    // The stop waits in the algo-order API: Binance's regular cancel-all leaves it.
    expect((await ex.fetchOpenOrders(BTC, undefined, undefined, { trigger: true })).map((o) => o.id)).toEqual([stop.id]);

    await ex.cancelAllOrders(BTC, { trigger: true });
    expect(await ex.fetchOpenOrders(BTC, undefined, undefined, { trigger: true })).toEqual([]);
    await ex.cancelAllOrders(ETH);
    expect(statusOf(eth.id!)).toBe('canceled');
    expect(server.counters.snapshot().unhandled).toBe(0);
  });

  it('refuses a signed request without a symbol (-1102), as Binance does', async () => {
    const e = await thrown(() => (ex as unknown as { fapiPrivateDeleteAllOpenOrders: (p: object) => Promise<unknown> }).fapiPrivateDeleteAllOpenOrders({}));
    expect(e).toBeInstanceOf(BadRequest);
    expect(e.message).toContain("Mandatory parameter 'symbol'");
  });
});

describe('setLeverage → POST /fapi/v1/leverage', () => {
  it("answers {leverage, maxNotionalValue, symbol}, and the symbol's position is margined at it and reports it", async () => {
    const answer = await ex.setLeverage(5, BTC);
    expect(answer).toEqual({ leverage: 5, maxNotionalValue: '1000000000', symbol: 'BTCUSD' });
    await ex.createOrder(BTC, 'market', 'buy', 0.01);
    const sim = server.venue.positions([BTC])[0]!;
    expect(sim.leverage).toBe(5);
    expect(sim.initialMargin).toBeCloseTo(sim.notional / 5, 6);
    // v3 positionRisk carries no leverage (as on Binance); v2 does.
    const [p] = await ex.fetchPositions([BTC], { useV2: true });
    expect(p).toMatchObject({ symbol: BTC, leverage: 5 });
    // Another symbol keeps the venue's default.
    expect(server.venue.setLeverage(ETH, 20)).toBe(20);
  });

  it("refuses a leverage above the market's maximum (-4028) and changes nothing", async () => {
    const m = server.venue.listMarkets().find((x) => x.type === 'swap' && x.maxLeverage < 125)!;
    const e = await thrown(() => ex.setLeverage(m.maxLeverage + 1, m.symbol));
    expect(e).toBeInstanceOf(ExchangeError);
    expect(e.message).toContain(`"code":-4028`);
    expect(e.message).toContain(`Leverage ${m.maxLeverage + 1} is not valid`);
  });

  it('refuses a lower leverage the free margin cannot cover (InsufficientFunds) and keeps the old one', async () => {
    const sol = 'SOL/USD:USD';
    await ex.setLeverage(20, sol);
    const amount = Number(ex.amountToPrecision(sol, 60_000 / server.venue.ticker(sol).last));
    await ex.createOrder(sol, 'market', 'buy', amount);
    const e = await thrown(() => ex.setLeverage(2, sol));
    expect(e).toBeInstanceOf(InsufficientFunds);
    expect(server.venue.positions([sol])[0]!.leverage).toBe(20);
    await ex.createOrder(sol, 'market', 'sell', amount, undefined, { reduceOnly: true });
  });
});

describe('fetchFundingRate(s) → GET /fapi/v1/premiumIndex', () => {
  it("gives one market's mark and index price from the venue, a constant funding rate and Binance's next 8-hour funding time", async () => {
    const before = server.venue.ticker(BTC).markPrice;
    const f = await ex.fetchFundingRate(BTC);
    const after = server.venue.ticker(BTC).markPrice;
    expect(f.symbol).toBe(BTC);
    expect([before, after]).toContain(f.markPrice);
    expect(f.indexPrice).toBe(f.markPrice);
    expect(f.fundingRate).toBe(0);
    expect(f.interestRate).toBe(0);
    expect(Math.abs(f.timestamp! - Date.now())).toBeLessThan(5_000);
    expect(f.fundingTimestamp! % EIGHT_HOURS).toBe(0);
    expect(f.fundingTimestamp! - f.timestamp!).toBeGreaterThan(0);
    expect(f.fundingTimestamp! - f.timestamp!).toBeLessThanOrEqual(EIGHT_HOURS);
  });

  it('gives every perpetual without a symbol, and refuses an unknown one', async () => {
    const all = await ex.fetchFundingRates();
    expect(Object.keys(all).sort()).toEqual([...ex.symbols].sort());
    for (const f of Object.values(all)) expect(f.markPrice).toBeGreaterThan(0);
    const some = await ex.fetchFundingRates([BTC, ETH]);
    expect(Object.keys(some).sort()).toEqual([BTC, ETH]);
    const res = await rawRequest(`${server.url}/fapi/v1/premiumIndex?symbol=NOPEUSD`);
    expect(res.body).toMatchObject({ code: -1121 });
  });
});
