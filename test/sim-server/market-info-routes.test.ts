/**
 * Market information an unmodified `ccxt.binanceusdm` asks misso sim-server for:
 * `fetchOpenInterest` (`GET /fapi/v1/openInterest`), `fetchFundingRateHistory`
 * (`GET /fapi/v1/fundingRate`) and `fetchStatus` (`GET /sapi/v1/system/status`). Each answered
 * -5000 "not served" before. The venue runs on a virtual clock, so price steps and funding
 * times are crossed on purpose, never by waiting.
 */
import { BadSymbol, ExchangeNotAvailable, type binanceusdm } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { SIM_FUNDING_RATE } from '../../src/sim/funding.js';
import { listingTime, universeOf } from '../../src/sim/universe.js';
import { SimVenue } from '../../src/sim/venue.js';
import { rawRequest, simClient } from './fixtures/sim-client.js';
import { thrown } from '../support/thrown.js';

const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';
const EIGHT_HOURS = 8 * 3_600_000;
const SEED = 29;
/** The start of a 10 s price step, so the tests can move inside it. */
const START = Math.floor(Date.now() / 10_000) * 10_000;
let clock: VirtualClock;
let server: SimServer;
let ex: binanceusdm;

/** A venue on its own virtual clock behind a server whose signatures use wall time. */
async function serve(at: number): Promise<{ clock: VirtualClock; server: SimServer }> {
  const venueClock = new VirtualClock(at);
  const venue = new SimVenue({ seed: SEED, clock: venueClock, markets: universeOf(40, SEED) });
  return { clock: venueClock, server: await startSimServer({ port: 0, seed: SEED, venue }) };
}

beforeAll(async () => {
  ({ clock, server } = await serve(START));
  ex = simClient(server.url);
  await ex.loadMarkets();
});

afterAll(async () => {
  await server.close();
});

describe('fetchOpenInterest → GET /fapi/v1/openInterest', () => {
  it("is a seeded share of the market's 24 h volume, the same for the same seed and time, with the venue's time", async () => {
    const oi = await ex.fetchOpenInterest(BTC);
    const ticker = await ex.fetchTicker(BTC);
    expect(oi.symbol).toBe(BTC);
    expect(oi.timestamp).toBe(clock.now());
    expect(oi.openInterestAmount!).toBeGreaterThan(0.3 * ticker.baseVolume! - 0.01);
    expect(oi.openInterestAmount!).toBeLessThan(0.9 * ticker.baseVolume!);
    const eth = await ex.fetchOpenInterest(ETH);
    expect(eth.openInterestAmount! / (await ex.fetchTicker(ETH)).baseVolume!).not.toBeCloseTo(oi.openInterestAmount! / ticker.baseVolume!, 3);

    const twin = await serve(START);
    try {
      expect((await simClient(twin.server.url).fetchOpenInterest(BTC)).openInterestAmount).toBe(oi.openInterestAmount);
    } finally {
      await twin.server.close();
    }
  });

  it('stays put within a price step, moves by the amount of a fill, and moves with the volume across steps', async () => {
    const before = (await ex.fetchOpenInterest(BTC)).openInterestAmount!;
    await clock.advance(3_000);
    expect((await ex.fetchOpenInterest(BTC)).openInterestAmount).toBe(before);

    await ex.createOrder(BTC, 'market', 'buy', 0.25);
    expect((await ex.fetchOpenInterest(BTC)).openInterestAmount).toBeCloseTo(before + 0.25, 9);
    await ex.createOrder(BTC, 'market', 'sell', 0.25, undefined, { reduceOnly: true });
    expect((await ex.fetchOpenInterest(BTC)).openInterestAmount).toBeCloseTo(before, 9);

    await clock.advance(3_600_000);
    expect((await ex.fetchOpenInterest(BTC)).openInterestAmount).not.toBe(before);
  });

  it('refuses an unknown symbol (BadSymbol) and needs no key', async () => {
    const raw = await rawRequest(`${server.url}/fapi/v1/openInterest?symbol=NOPEUSD`);
    expect(raw.body).toMatchObject({ code: -1121 });
    const e = await thrown(() => (ex as unknown as { fapiPublicGetOpenInterest: (p: object) => Promise<unknown> }).fapiPublicGetOpenInterest({ symbol: 'NOPEUSD' }));
    expect(e).toBeInstanceOf(BadSymbol);
    expect((await rawRequest(`${server.url}/fapi/v1/openInterest?symbol=BTCUSD`)).status).toBe(200);
  });
});

describe('fetchFundingRateHistory → GET /fapi/v1/fundingRate', () => {
  it('lists the fundings premiumIndex announced, each at its time with its rate and the price then', async () => {
    const announced = await ex.fetchFundingRate(BTC);
    const next = announced.fundingTimestamp!;
    const before = await ex.fetchFundingRateHistory(BTC);
    expect(before).toHaveLength(100);
    expect(before.at(-1)!.timestamp).toBe(next - EIGHT_HOURS);
    for (let i = 1; i < before.length; i++) expect(before[i]!.timestamp! - before[i - 1]!.timestamp!).toBe(EIGHT_HOURS);

    await clock.advance(next - clock.now() + 1_000);
    const after = await ex.fetchFundingRateHistory(BTC);
    const last = after.at(-1)!;
    expect(last.timestamp).toBe(next);
    expect(last.symbol).toBe(BTC);
    expect(last.fundingRate).toBe(announced.fundingRate);
    expect(last.fundingRate).toBe(SIM_FUNDING_RATE);
    // The price of the last 1-minute candle before the funding, as the venue's candles say.
    const [candle] = await ex.fetchOHLCV(BTC, '1m', next - 60_000, 1);
    expect(Number((last.info as { markPrice: string }).markPrice)).toBe(candle![4]);
  });

  it('honours startTime, endTime and limit as Binance does', async () => {
    const latest = (await ex.fetchFundingRateHistory(BTC, undefined, 1)).at(-1)!.timestamp!;
    const since = latest - 10 * EIGHT_HOURS;
    const fromStart = await ex.fetchFundingRateHistory(BTC, since, 3);
    expect(fromStart.map((f) => f.timestamp)).toEqual([since, since + EIGHT_HOURS, since + 2 * EIGHT_HOURS]);
    const upTo = await ex.fetchFundingRateHistory(BTC, undefined, 2, { until: latest - EIGHT_HOURS - 1 });
    expect(upTo.map((f) => f.timestamp)).toEqual([latest - 3 * EIGHT_HOURS, latest - 2 * EIGHT_HOURS]);

    const capped = await rawRequest(`${server.url}/fapi/v1/fundingRate?symbol=BTCUSD&limit=5000`);
    expect(capped.body).toHaveLength(1000);
    const first = await rawRequest(`${server.url}/fapi/v1/fundingRate?symbol=BTCUSD&startTime=0&limit=1`);
    // Since the listing exchangeInfo states (its onboardDate), taken at the venue's time.
    const onboard = listingTime(clock.now());
    const [earliest] = first.body as { fundingTime: number }[];
    expect(earliest!.fundingTime).toBeGreaterThan(onboard);
    expect(earliest!.fundingTime - onboard).toBeLessThanOrEqual(EIGHT_HOURS);
  });

  it("without a symbol, gives every perpetual's latest fundings ordered by time", async () => {
    const raw = await rawRequest(`${server.url}/fapi/v1/fundingRate?limit=45`);
    const rows = raw.body as { symbol: string; fundingTime: number }[];
    expect(rows).toHaveLength(45);
    const latest = rows.at(-1)!.fundingTime;
    expect(rows.filter((r) => r.fundingTime === latest)).toHaveLength(40);
    expect(rows.filter((r) => r.fundingTime === latest - EIGHT_HOURS)).toHaveLength(5);
    expect(new Set(rows.filter((r) => r.fundingTime === latest).map((r) => r.symbol)).size).toBe(40);
  });
});

describe('fetchStatus → GET /sapi/v1/system/status', () => {
  it('is ok, and maintenance while a fault spec takes the whole API down, whose other calls then fail', async () => {
    expect(await ex.fetchStatus()).toMatchObject({ status: 'ok', info: { status: 0, msg: 'normal' } });
    expect((await rawRequest(`${server.url}/sapi/v1/system/status`)).status).toBe(200);
    try {
      server.faults.set('503');
      expect(await ex.fetchStatus()).toMatchObject({ status: 'maintenance', info: { status: 1, msg: 'system_maintenance' } });
      expect(await thrown(() => ex.fetchTicker(BTC))).toBeInstanceOf(ExchangeNotAvailable);
      server.faults.set('html');
      expect((await ex.fetchStatus()).status).toBe('maintenance');
      // Weather, not a maintenance: a rule that spares most calls (the fault help's own example).
      // (the status call itself then faults at the rule's rate, as every other call does).
      server.faults.set('html:0.5');
      expect(server.faults.maintenance).toBe(false);
      server.faults.set('5xx:0.1,429:0.05:retry=2,hang:0.02,reset:0.02,html:0.01');
      expect(server.faults.maintenance).toBe(false);
      server.faults.set('503');
      expect(server.faults.maintenance).toBe(true);
      // A fault aimed at one path is not a maintenance.
      server.faults.set('503:path=order');
      expect((await ex.fetchStatus()).status).toBe('ok');
    } finally {
      server.faults.clear();
    }
    expect(server.counters.snapshot().unhandled).toBe(0);
  });
});
