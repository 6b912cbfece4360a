import { OrderImmediatelyFillable } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { type SimExchange } from '../../src/sim/sim-exchange.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';

const SYMBOL = 'ETH/USD:USD';

async function make(): Promise<{ clock: VirtualClock; ex: SimExchange; last: () => number; px: (f: number) => number; amount: number }> {
  const clock = new VirtualClock(1_700_000_000_000);
  const ex = createSimExchange({ seed: 5 }, { clock });
  await ex.loadMarkets();
  const last = (): number => ex.getVenue().ticker(SYMBOL).last;
  const px = (f: number): number => Number(ex.priceToPrecision(SYMBOL, last() * f));
  return { clock, ex, last, px, amount: Number(ex.amountToPrecision(SYMBOL, 50 / last())) };
}

/** Moves time in 10 s steps until `done` or `maxMs`. */
async function until(clock: VirtualClock, ex: SimExchange, done: () => boolean, maxMs = 24 * 3_600_000): Promise<void> {
  for (let t = 0; t < maxMs && !done(); t += 10_000) {
    await clock.advance(10_000);
    ex.getVenue().listOrders();
  }
}

describe('order kinds in the simulator', () => {
  it('post-only: a crossing order is refused with OrderImmediatelyFillable, a resting one rests', async () => {
    const { ex, px, amount } = await make();
    await expect(ex.createOrder(SYMBOL, 'limit', 'buy', amount, px(1.01), { postOnly: true })).rejects.toThrow(OrderImmediatelyFillable);
    const resting = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, px(0.99), { postOnly: true });
    expect(resting).toMatchObject({ status: 'open', postOnly: true, timeInForce: 'PO' });
  });

  it('IOC takes what it can and expires the rest; FOK fills whole or not at all', async () => {
    const { ex, px, amount } = await make();
    const idle = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, px(0.99), { timeInForce: 'IOC' });
    expect(idle).toMatchObject({ status: 'expired', filled: 0 });
    const taking = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, px(1.01), { timeInForce: 'IOC' });
    expect(taking).toMatchObject({ status: 'closed', filled: amount });
    // Long `amount` now; a reduce-only FOK sell of twice that cannot fill whole.
    const fok = await ex.createOrder(SYMBOL, 'limit', 'sell', amount * 2, px(0.99), { timeInForce: 'FOK', reduceOnly: true });
    expect(fok).toMatchObject({ status: 'expired', filled: 0 });
    const fokOk = await ex.createOrder(SYMBOL, 'limit', 'sell', amount, px(0.99), { timeInForce: 'FOK', reduceOnly: true });
    expect(fokOk).toMatchObject({ status: 'closed', filled: amount });
  });

  it('reduce-only is clipped at the position and the rest expires', async () => {
    const { ex, amount } = await make();
    await ex.createOrder(SYMBOL, 'market', 'buy', amount);
    const o = await ex.createOrder(SYMBOL, 'market', 'sell', amount * 3, undefined, { reduceOnly: true });
    expect(o).toMatchObject({ status: 'expired', filled: amount, reduceOnly: true });
    expect(ex.getVenue().positions([SYMBOL])).toEqual([]);
  });

  it('stop-market: rests untriggered, then fills at its trigger as taker once the price reaches it', async () => {
    const { clock, ex, px, amount } = await make();
    const buyStop = await ex.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { triggerPrice: px(1.002) });
    const sellStop = await ex.createOrder(SYMBOL, 'market', 'sell', amount, undefined, { stopLossPrice: px(0.998) });
    expect(buyStop).toMatchObject({ status: 'open', triggerPrice: px(1.002), filled: 0 });
    const venue = ex.getVenue();
    const closed = (): boolean => venue.listOrders({ status: 'closed' }).length > 0;
    await until(clock, ex, closed);
    const fired = venue.listOrders({ status: 'closed' })[0]!;
    expect([buyStop.id, sellStop.id]).toContain(fired.id);
    expect(fired.triggered).toBe(true);
    expect(fired.average).toBe(fired.triggerPrice);
    expect(fired.fills[0]?.maker).toBe(false);
  });

  it('stop-limit and take-profit: a triggered stop-limit rests as a limit; a take-profit fires the other way', async () => {
    const { clock, ex, px, amount } = await make();
    const venue = ex.getVenue();
    // A pair on each side, so whichever way the price goes, one of each fires.
    const stopLimits = [
      await ex.createOrder(SYMBOL, 'limit', 'buy', amount, px(0.9), { triggerPrice: px(1.002) }),
      await ex.createOrder(SYMBOL, 'limit', 'sell', amount, px(1.1), { triggerPrice: px(0.998) }),
    ];
    const takeProfits = [
      await ex.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { takeProfitPrice: px(0.998) }),
      await ex.createOrder(SYMBOL, 'market', 'sell', amount, undefined, { takeProfitPrice: px(1.002) }),
    ];
    expect(takeProfits[0]).toMatchObject({ takeProfitPrice: px(0.998), status: 'open' });
    const get = (id: string | undefined): ReturnType<typeof venue.getOrder> => venue.getOrder({ id: id! });
    await until(clock, ex, () => stopLimits.some((o) => get(o.id).triggered) && takeProfits.some((o) => get(o.id).status !== 'open'));
    const sl = stopLimits.map((o) => get(o.id)).find((o) => o.triggered)!;
    expect(sl).toMatchObject({ status: 'open', filled: 0, type: 'limit' });
    const tp = takeProfits.map((o) => get(o.id)).find((o) => o.status !== 'open')!;
    expect(tp.triggered).toBe(true);
    expect(tp.fills[0]?.price).toBe(tp.triggerPrice);
  });

  it('refuses a trigger already reached (Binance -2021) with OrderImmediatelyFillable', async () => {
    const { ex, px, amount } = await make();
    await expect(ex.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { triggerPrice: px(0.99) })).rejects.toThrow(/would trigger at once/);
    await expect(ex.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { takeProfitPrice: px(1.01) })).rejects.toThrow(OrderImmediatelyFillable);
  });
});
