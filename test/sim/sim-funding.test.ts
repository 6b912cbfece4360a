/**
 * Funding in the simulator (the `funding` knob): a seeded rate per perpetual and 8-hour funding
 * time, announced by `fetchFundingRate(s)` before the funding, charged to every open position
 * when the venue walks past it (wallet, `watchBalance`), and listed after it by
 * `fetchFundingRateHistory` and `fetchFundingHistory`, in time order with the fills around it.
 * Off (the default) nothing changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { FUNDING_BASE_RATE, FUNDING_INTERVAL_MS, FUNDING_RATE_CAP, fundingRateAt, type SimFundingFee } from '../../src/sim/funding-charges.js';
import { parseSimKnobs, SIM_KNOBS_SCHEMA } from '../../src/sim/sim-knobs.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import { SimVenue } from '../../src/sim/venue.js';
import { settleVirtual } from './fixtures-virtual.js';

const START = 1_700_000_000_000;
/** The first funding time after START. */
const FUNDING = Math.ceil(START / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS;
const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';
let ex: SimExchange | undefined;

async function make(knobs: Record<string, unknown>): Promise<{ clock: VirtualClock; ex: SimExchange }> {
  const clock = new VirtualClock(START);
  ex = createSimExchange(knobs, { clock });
  await ex.loadMarkets();
  return { clock, ex };
}

/** A long BTC and a short ETH position, about 2000 USD each. */
async function openPositions(sim: SimExchange): Promise<void> {
  for (const [symbol, side] of [[BTC, 'buy'], [ETH, 'sell']] as const) {
    const last = (await sim.fetchTicker(symbol)).last!;
    await sim.createOrder(symbol, 'market', side, Number(sim.amountToPrecision(symbol, 2000 / last)));
  }
}

afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

describe('funding knob on', () => {
  it('charges each position contracts × price × the announced rate at the funding time: longs pay a positive rate, shorts receive it', async () => {
    const { clock, ex } = await make({ funding: true, seed: 11 });
    await openPositions(ex);
    const positions = await ex.fetchPositions([BTC, ETH]);
    const announced = await ex.fetchFundingRates([BTC, ETH]);
    for (const s of [BTC, ETH]) expect(announced[s]!.fundingTimestamp).toBe(FUNDING);
    const walletBefore = ex.getVenue().balance().wallet;

    await clock.advance(FUNDING - clock.now() - 1);
    expect(ex.getVenue().balance().wallet).toBe(walletBefore); // not yet
    await clock.advance(1);
    const walletAfter = ex.getVenue().balance().wallet;

    let expected = 0;
    for (const p of positions) {
      const rate = announced[p.symbol!]!.fundingRate!;
      expect(rate).not.toBe(0);
      const [charged] = await ex.fetchFundingRateHistory(p.symbol, FUNDING, 1);
      expect(charged).toMatchObject({ symbol: p.symbol, timestamp: FUNDING, fundingRate: rate });
      const markPrice = (charged!.info as { markPrice: number }).markPrice;
      const signed = p.side === 'long' ? p.contracts! : -p.contracts!;
      const income = -signed * markPrice * rate;
      // The sign: a long pays a positive rate and receives a negative one; a short the opposite.
      expect(Math.sign(income)).toBe(p.side === 'long' ? -Math.sign(rate) : Math.sign(rate));
      const [fee] = await ex.fetchFundingHistory(p.symbol);
      expect(fee).toMatchObject({ symbol: p.symbol, code: 'USD', timestamp: FUNDING, datetime: new Date(FUNDING).toISOString() });
      expect(fee!.amount).toBeCloseTo(income, 10);
      expected += income;
    }
    expect(walletAfter - walletBefore).toBeCloseTo(expected, 8);
    expect(await ex.fetchFundingHistory()).toHaveLength(2);

    // The next funding announces the next time's rate; a flat market pays nothing there.
    const next = await ex.fetchFundingRate(BTC);
    expect(next.fundingTimestamp).toBe(FUNDING + FUNDING_INTERVAL_MS);
    expect(next.fundingRate).toBe(ex.getVenue().funding.rate(BTC, FUNDING + FUNDING_INTERVAL_MS));
  });

  it('pushes the fee to watchBalance, equal to fetchBalance', async () => {
    const { clock, ex } = await make({ funding: true, seed: 11 });
    await openPositions(ex);
    await clock.advance(FUNDING - clock.now() - 5_000);
    const before = ex.getVenue().balance().wallet;
    const pushed = await settleVirtual(clock, ex.watchBalance());
    expect(clock.now()).toBeGreaterThanOrEqual(FUNDING); // nothing else moved the balance
    expect(pushed['USD']).toEqual((await ex.fetchBalance())['USD']);
    const fees = (await ex.fetchFundingHistory()).reduce((s, f) => s + f.amount!, 0);
    expect(fees).not.toBe(0);
    expect(ex.getVenue().balance().wallet - before).toBeCloseTo(fees, 8);
  });

  it('charges every funding time a held position crosses, none before it was opened and none after it was closed', async () => {
    const { clock, ex } = await make({ funding: true, seed: 3 });
    await clock.advance(FUNDING - clock.now() + 60_000); // the first funding passes flat
    await openPositions(ex);
    await clock.advance(3 * FUNDING_INTERVAL_MS);
    const fees = await ex.fetchFundingHistory(undefined, FUNDING - 1);
    expect(fees.map((f) => f.timestamp)).toEqual([1, 1, 2, 2, 3, 3].map((k) => FUNDING + k * FUNDING_INTERVAL_MS));
    expect(new Set(fees.map((f) => f.id)).size).toBe(6);
    // Closing the positions stops the charges.
    for (const p of await ex.fetchPositions()) await ex.createOrder(p.symbol!, 'market', p.side === 'long' ? 'sell' : 'buy', p.contracts!, undefined, { reduceOnly: true });
    await clock.advance(FUNDING_INTERVAL_MS);
    expect(await ex.fetchFundingHistory(undefined, FUNDING - 1)).toHaveLength(6);
    expect(await ex.fetchFundingHistory(undefined, FUNDING - 1, 2)).toEqual(fees.slice(0, 2));
    expect(await ex.fetchFundingHistory(ETH, FUNDING - 1)).toEqual(fees.filter((f) => f.symbol === ETH));
  });
});

describe('funding knob off (the default)', () => {
  it('reports a rate of 0 and charges nothing across funding times', async () => {
    expect(parseSimKnobs(SIM_KNOBS_SCHEMA, {}).funding).toBe(false);
    const { clock, ex } = await make({ seed: 11 });
    await openPositions(ex);
    expect((await ex.fetchFundingRate(BTC)).fundingRate).toBe(0);
    const before = ex.getVenue().balance().wallet;
    await clock.advance(FUNDING - clock.now() + 2 * FUNDING_INTERVAL_MS);
    expect(ex.getVenue().balance().wallet).toBe(before);
    expect(await ex.fetchFundingHistory()).toEqual([]);
    expect((await ex.fetchFundingRateHistory(BTC, FUNDING)).map((f) => f.fundingRate)).toEqual([0, 0, 0]);
  });
});

describe('funding rates', () => {
  it('are Binance-like: +0.01% base plus a premium, within ±0.3%, of both signs, 8 decimals', () => {
    const rates = Array.from({ length: 40 }, (_, market) => Array.from({ length: 30 }, (_, k) => fundingRateAt(7, market, FUNDING + k * FUNDING_INTERVAL_MS))).flat();
    expect(rates.every((r) => Math.abs(r) <= FUNDING_RATE_CAP)).toBe(true);
    expect(rates.some((r) => r > 0) && rates.some((r) => r < 0)).toBe(true);
    expect(rates.every((r) => Math.round(r * 1e8) / 1e8 === r)).toBe(true);
    const mean = rates.reduce((s, r) => s + r, 0) / rates.length;
    expect(mean).toBeGreaterThan(FUNDING_BASE_RATE - 0.0001);
    expect(mean).toBeLessThan(FUNDING_BASE_RATE + 0.0001);
    // Constant within an interval: any time inside it names the same funding.
    expect(fundingRateAt(7, 0, FUNDING + 1)).toBe(fundingRateAt(7, 0, FUNDING));
  });

  it('are deterministic: the same seed gives the same rates and fees, another seed other rates', async () => {
    const run = async (seed: number): Promise<{ rates: number[]; wallet: number; fees: SimFundingFee[] }> => {
      const clock = new VirtualClock(START);
      const venue = new SimVenue({ seed, clock, funding: true });
      venue.placeOrder({ symbol: BTC, side: 'buy', type: 'market', amount: 0.05 });
      const rates = venue.listMarkets().filter((m) => m.type === 'swap').map((m) => venue.funding.rate(m.symbol, FUNDING));
      await clock.advance(FUNDING + FUNDING_INTERVAL_MS - START);
      return { rates, wallet: venue.balance().wallet, fees: venue.funding.fees({ startTime: 0, limit: 10 }) };
    };
    const first = await run(5);
    expect(await run(5)).toEqual(first);
    expect(first.fees.map((f) => f.time)).toEqual([FUNDING, FUNDING + FUNDING_INTERVAL_MS]);
    expect((await run(6)).rates).not.toEqual(first.rates);
    expect(new SimVenue({ seed: 5, clock: new VirtualClock(START) }).funding.rate(BTC, FUNDING)).toBe(0);
  });
});

describe('funding and fills in time order', () => {
  /** The lowest 1m low of BTC in `[from, to)`, read from a twin venue (same seed) run ahead. */
  async function lowestLow(seed: number, startMs: number, from: number, to: number): Promise<number> {
    const clock = new VirtualClock(startMs);
    const twin = new SimVenue({ seed, clock });
    await clock.advance(to - startMs + 60_000);
    return Math.min(...twin.candles(BTC, '1m', from, (to - from) / 60_000).filter((c) => c[0] >= from && c[0] < to).map((c) => c[3]));
  }

  it('a resting buy filled before the funding time pays or receives it; one filled only after it does not', async () => {
    const startMs = FUNDING - 20 * 60_000;
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
      const lowBefore = await lowestLow(seed, startMs, startMs, FUNDING);
      const lowAfter = await lowestLow(seed, startMs, FUNDING, FUNDING + 20 * 60_000);
      if (lowAfter >= lowBefore * 0.999) continue;
      // A price the path reaches only after the funding time, and one it reaches before.
      for (const [price, charged] of [[(lowBefore * 0.999 + lowAfter) / 2, false], [lowBefore * 1.0001, true]] as const) {
        const clock = new VirtualClock(startMs);
        const venue = new SimVenue({ seed, clock, funding: true });
        const tick = venue.market(BTC).tickSize;
        const order = venue.placeOrder({ symbol: BTC, side: 'buy', type: 'limit', amount: 0.01, price: Math.round(price / tick) * tick });
        expect(order.status).toBe('open');
        await clock.advance(FUNDING + 20 * 60_000 - startMs);
        const [fill] = venue.getOrder({ id: order.id }).fills;
        expect(fill).toBeDefined();
        expect(fill!.timestamp <= FUNDING).toBe(charged);
        const fees = venue.funding.fees({ startTime: 0, limit: 10 });
        expect(fees.map((f) => f.time)).toEqual(charged ? [FUNDING] : []);
        if (charged) expect(fees[0]!.income).toBeCloseTo(-0.01 * fees[0]!.markPrice * fees[0]!.rate, 10);
      }
      return;
    }
    throw new Error('no seed of 1..10 has BTC lower after the funding time than before it: widen the search');
  });
});
