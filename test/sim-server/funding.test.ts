/**
 * Funding on `misso sim-server --funding`, as an unmodified ccxt `binanceusdm` sees it: the rate
 * `GET /fapi/v1/premiumIndex` announces before a funding time is the one charged at it and the one
 * `GET /fapi/v1/fundingRate` lists after it; the fee goes out as a wallet-only `ACCOUNT_UPDATE`
 * (reason `FUNDING_FEE`) that ccxt.pro's `watchBalance` applies, and `GET /fapi/v1/income` lists
 * it for `fetchFundingHistory`. The venue runs on a clock the test jumps past the funding time
 * (the server's own clock, which checks signed timestamps, stays on wall time).
 */
import type { binanceusdm } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNDING_INTERVAL_MS } from '../../src/sim/funding-charges.js';
import type { SimServer } from '../../src/sim/http/binance-server.js';
import { universeOf } from '../../src/sim/universe.js';
import { SimVenue } from '../../src/sim/venue.js';
import { JumpClock } from './fixtures/jump-clock.js';
import { rawRequest } from './fixtures/sim-client.js';
import { openUserRig, type UserRig } from './fixtures/user-rig.js';
import { Probe, sleep } from './fixtures/ws-probe.js';

const ETH = 'ETH/USD:USD';
const SOL = 'SOL/USD:USD';

describe('sim-server --funding', () => {
  let server: SimServer;
  let clock: JumpClock;
  let rest: binanceusdm;
  let pro: binanceusdm;
  let probe: Probe;

  let rig: UserRig;
  beforeAll(async () => {
    clock = new JumpClock();
    const venue = new SimVenue({ seed: 23, clock, markets: universeOf(40, 23), funding: true });
    rig = await openUserRig({ seed: 23, venue, wsPushMs: 100 });
    ({ server, rest, pro, probe } = rig);
  });

  afterAll(() => rig.close());

  it('charges a long and a short the rate premiumIndex announced, pushes FUNDING_FEE to watchBalance, and lists it in fundingRate and income history', async () => {
    for (const [symbol, side] of [[ETH, 'buy'], [SOL, 'sell']] as const) {
      const last = server.venue.ticker(symbol).last;
      await rest.createOrder(symbol, 'market', side, Number(rest.amountToPrecision(symbol, 1500 / last)));
    }
    const positions = new Map((await rest.fetchPositions([ETH, SOL])).map((p) => [p.symbol, p]));
    const announced = await rest.fetchFundingRates([ETH, SOL]);
    const when = announced[ETH]!.fundingTimestamp!;
    expect(when % FUNDING_INTERVAL_MS).toBe(0);
    const raw = await rawRequest(`${server.url}/fapi/v1/premiumIndex?symbol=${rest.market(ETH).id}`);
    expect(Number((raw.body as { lastFundingRate: string }).lastFundingRate)).toBe(announced[ETH]!.fundingRate);
    const stream = await Probe.open(`${server.url.replace('http://', 'ws://')}/market/ws/0`);
    try {
      stream.send({ method: 'SUBSCRIBE', params: [`${rest.market(ETH).id!.toLowerCase()}@markPrice`], id: 1 });
      const mark = await stream.next((m) => m['e'] === 'markPriceUpdate');
      expect([Number(mark['r']), mark['T']]).toEqual([announced[ETH]!.fundingRate, when]);
    } finally {
      stream.ws.terminate();
    }

    const walletBefore = server.venue.balance().wallet;
    const balance = pro.watchBalance();
    await sleep(200); // the first watchBalance dials the user stream
    clock.skipMs += when - clock.now() + 1_000;
    server.venue.advance();

    let total = 0;
    for (const symbol of [ETH, SOL]) {
      const rate = announced[symbol]!.fundingRate!;
      expect(rate).not.toBe(0);
      const [charged] = await rest.fetchFundingRateHistory(symbol, when, 1);
      expect(charged).toMatchObject({ symbol, timestamp: when, fundingRate: rate });
      const markPrice = Number((charged!.info as { markPrice: string }).markPrice);
      const p = positions.get(symbol)!;
      const income = -(p.side === 'long' ? 1 : -1) * p.contracts! * markPrice * rate;
      expect(Math.sign(income)).toBe(p.side === 'long' ? -Math.sign(rate) : Math.sign(rate));
      const history = await rest.fetchFundingHistory(symbol);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({ symbol, code: 'USD', timestamp: when });
      expect(history[0]!.amount).toBeCloseTo(income, 8);
      expect(history[0]!.info).toMatchObject({ symbol: rest.market(symbol).id, incomeType: 'FUNDING_FEE', asset: 'USD', time: when, info: 'FUNDING_FEE', tradeId: '' });
      total += income;
    }
    const walletAfter = server.venue.balance().wallet;
    expect(walletAfter - walletBefore).toBeCloseTo(total, 8);

    // One wallet-only ACCOUNT_UPDATE per fee (P empty, bc the fee), the last with the wallet now.
    const isFee = (m: Record<string, unknown>): boolean => m['e'] === 'ACCOUNT_UPDATE' && (m['a'] as Record<string, unknown>)['m'] === 'FUNDING_FEE';
    const walletOf = (m: Record<string, unknown>): number => Number((m['a'] as { B: { wb: string }[] }).B[0]!.wb);
    await probe.next((m) => isFee(m) && Math.abs(walletOf(m) - walletAfter) < 1e-6);
    const wires = probe.messages.filter((m) => isFee(m as Record<string, unknown>)) as Record<string, unknown>[];
    expect(wires).toHaveLength(2);
    expect(wires.map((m) => (m['a'] as { P: unknown[] }).P)).toEqual([[], []]);
    const changes = wires.map((m) => Number((m['a'] as { B: { bc: string }[] }).B[0]!.bc));
    expect(changes[0]! + changes[1]!).toBeCloseTo(total, 6);
    // ccxt.pro's watchBalance applies the pushed wallet balance.
    const pushed = (await balance)['USD']?.total;
    expect(wires.map(walletOf).some((w) => Math.abs(w - pushed!) < 1e-6)).toBe(true);

    // Income history: every fee without a symbol, none of another income type, Binance's parameters.
    expect(await rest.fetchFundingHistory()).toHaveLength(2);
    const other = await rest.fapiPrivateGetIncome({ incomeType: 'REALIZED_PNL' });
    expect(other).toEqual([]);
    expect(await rest.fapiPrivateGetIncome({ startTime: when + 1 })).toEqual([]);
    expect(await rest.fapiPrivateGetIncome({ limit: 1, startTime: when })).toHaveLength(1);
  });
});
