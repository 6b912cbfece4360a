import { InsufficientFunds } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';

const START = 1_700_000_000_000;

/** Decimals of a number as printed (a fee of 3.9825250000000003 has 16). */
function decimals(x: number): number {
  return String(x).split('.')[1]?.length ?? 0;
}

describe('fees as Binance charges them (review 27 of the library, #9)', () => {
  it('every fee is rounded to 8 decimals and names its rate, on trades and orders alike', async () => {
    const clock = new VirtualClock(START);
    const ex = createSimExchange({ seed: 7 }, { clock });
    await ex.loadMarkets();
    const S = 'ETH/USD:USD';
    const m = ex.market(S);
    for (const [side, amount] of [['buy', 0.5], ['sell', 0.37], ['buy', 1.23], ['sell', 1.36]] as const) {
      await ex.createOrder(S, 'market', side, amount);
      await clock.advance(10_000);
    }
    const last = ex.getVenue().ticker(S).last;
    const maker = await ex.createOrder(S, 'limit', 'buy', 0.77, Number(ex.priceToPrecision(S, last * 0.999)));
    for (let t = 0; t < 3_600_000 && ex.getVenue().getOrder({ id: maker.id! }).filled === 0; t += 10_000) await clock.advance(10_000);
    const trades = await ex.fetchMyTrades(S);
    expect(trades.length).toBeGreaterThanOrEqual(5);
    for (const t of trades) {
      expect(decimals(t.fee!.cost!)).toBeLessThanOrEqual(8);
      expect(t.fee).toMatchObject({ currency: 'USD', rate: t.takerOrMaker === 'maker' ? m.maker : m.taker });
      expect(t.fee!.cost).toBeCloseTo(t.price! * t.amount! * t.fee!.rate!, 8);
    }
    expect(trades.some((t) => t.takerOrMaker === 'maker')).toBe(true);
    for (const o of await ex.fetchClosedOrders(S)) expect(decimals(o.fee!.cost!)).toBeLessThanOrEqual(8);
  });

  it('a spot buy pays its fee in the coin bought, a spot sell in USD; a spot buy short of USD says insufficient balance, not margin', async () => {
    const ex = createSimExchange({ seed: 7 }, { clock: new VirtualClock(START) });
    await ex.loadMarkets();
    const S = 'BTC/USD';
    const buy = await ex.createOrder(S, 'market', 'buy', 0.01);
    expect(buy.fee).toMatchObject({ currency: 'BTC', cost: Math.round(0.01 * ex.market(S).taker! * 1e8) / 1e8 });
    const [bought] = await ex.fetchMyTrades(S);
    expect(bought!.fee).toMatchObject({ currency: 'BTC', rate: ex.market(S).taker });
    const sell = await ex.createOrder(S, 'market', 'sell', 0.009);
    expect(sell.fee?.currency).toBe('USD');
    const refused = ex.createOrder(S, 'market', 'buy', 1);
    await expect(refused).rejects.toBeInstanceOf(InsufficientFunds);
    await expect(refused).rejects.toThrow(/insufficient balance: buying 1 BTC needs [\d.]+ USD, [\d.]+ USD free/);
    await expect(refused).rejects.not.toThrow(/margin/);
  });
});
