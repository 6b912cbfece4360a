/**
 * The in-process sim's `setLeverage` and `fetchFundingRate(s)`: the same venue behaviour
 * `misso sim-server` serves (test/sim-server/account-routes.test.ts), so a strategy that sets its
 * leverage or reads funding runs on the default offline exchange as on the local Binance face.
 */
import { ArgumentsRequired, BadRequest, BadSymbol, InsufficientFunds } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';

const START = 1_700_000_000_000;
const EIGHT_HOURS = 8 * 3_600_000;
const BTC = 'BTC/USD:USD';
let ex: SimExchange | undefined;

async function make(knobs: Record<string, unknown> = {}): Promise<{ clock: VirtualClock; ex: SimExchange }> {
  const clock = new VirtualClock(START + 1_234);
  ex = createSimExchange(knobs, { clock });
  await ex.loadMarkets();
  return { clock, ex };
}

afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

describe('SimExchange.setLeverage', () => {
  it("margins the symbol's position at the leverage set, and says so in the position", async () => {
    const { ex } = await make();
    expect(ex.has['setLeverage']).toBe(true);
    expect(await ex.setLeverage(5, BTC)).toEqual({ symbol: BTC, leverage: 5 });
    await ex.createOrder(BTC, 'market', 'buy', 0.01);
    const [p] = await ex.fetchPositions([BTC]);
    expect(p).toMatchObject({ symbol: BTC, leverage: 5 });
    expect(p!.initialMargin).toBeCloseTo(p!.notional! / 5, 4);
    await ex.setLeverage(10, BTC);
    const [after] = await ex.fetchPositions([BTC]);
    expect(after!.leverage).toBe(10);
    expect(after!.initialMargin).toBeCloseTo(after!.notional! / 10, 4);
  });

  it("refuses what the venue refuses, with ccxt's error classes, and changes nothing", async () => {
    const { ex } = await make({ starting_balance_usd: 10_000 });
    const m = ex.market('SOL/USD:USD');
    const max = Number(m.limits.leverage?.max ?? m.info.maxLeverage);
    await expect(ex.setLeverage(max + 1, m.symbol)).rejects.toBeInstanceOf(BadRequest);
    await expect(ex.setLeverage(0, m.symbol)).rejects.toBeInstanceOf(BadRequest);
    await expect(ex.setLeverage(2.5, m.symbol)).rejects.toBeInstanceOf(BadRequest);
    await expect(ex.setLeverage(5, 'BTC/USD')).rejects.toBeInstanceOf(BadRequest); // spot has no leverage
    await expect(ex.setLeverage(5)).rejects.toBeInstanceOf(ArgumentsRequired);
    await expect(ex.setLeverage(5, 'NOPE/USD:USD')).rejects.toBeInstanceOf(BadSymbol);
    // A lower leverage the free margin cannot cover.
    await ex.setLeverage(20, m.symbol);
    const amount = Number(ex.amountToPrecision(m.symbol, 150_000 / (await ex.fetchTicker(m.symbol)).last!));
    await ex.createOrder(m.symbol, 'market', 'buy', amount);
    await expect(ex.setLeverage(2, m.symbol)).rejects.toBeInstanceOf(InsufficientFunds);
    expect((await ex.fetchPositions([m.symbol]))[0]!.leverage).toBe(20);
  });
});

describe('SimExchange.fetchFundingRate(s)', () => {
  it("gives a perpetual's mark price, the venue's constant rate of 0 and the next 8-hour funding time", async () => {
    const { clock, ex } = await make();
    expect(ex.has['fetchFundingRate']).toBe(true);
    const f = await ex.fetchFundingRate(BTC);
    const t = await ex.fetchTicker(BTC);
    expect(f).toMatchObject({ symbol: BTC, fundingRate: 0, interestRate: 0, interval: '8h' });
    expect(f.markPrice).toBe(t.info.markPrice);
    expect(f.indexPrice).toBe(f.markPrice);
    expect(f.timestamp).toBe(clock.now());
    expect(f.fundingTimestamp! % EIGHT_HOURS).toBe(0);
    expect(f.fundingTimestamp! - f.timestamp!).toBeGreaterThan(0);
    expect(f.fundingTimestamp! - f.timestamp!).toBeLessThanOrEqual(EIGHT_HOURS);
    expect(f.fundingDatetime).toBe(new Date(f.fundingTimestamp!).toISOString());
  });

  it('gives every perpetual and no spot market; a spot or unknown symbol is refused', async () => {
    const { ex } = await make();
    const all = await ex.fetchFundingRates();
    const swaps = Object.values(ex.markets ?? {}).filter((m) => m.swap).map((m) => m.symbol).sort();
    expect(Object.keys(all).sort()).toEqual(swaps);
    expect(swaps.length).toBeGreaterThan(10);
    for (const f of Object.values(all)) expect(f.markPrice).toBeGreaterThan(0);
    expect(Object.keys(await ex.fetchFundingRates([BTC, 'ETH/USD:USD'])).sort()).toEqual([BTC, 'ETH/USD:USD']);
    await expect(ex.fetchFundingRate('BTC/USD')).rejects.toBeInstanceOf(BadSymbol);
    await expect(ex.fetchFundingRate('NOPE/USD:USD')).rejects.toBeInstanceOf(BadSymbol);
  });
});
