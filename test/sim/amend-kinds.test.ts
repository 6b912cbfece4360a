import { InvalidOrder } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';

const SYMBOL = 'BTC/USD:USD';

async function make(): Promise<{ clock: VirtualClock; ex: SimExchange; px: (f: number) => number }> {
  const clock = new VirtualClock(1_700_000_000_000);
  const ex = createSimExchange({ seed: 7 }, { clock });
  await ex.loadMarkets();
  const last = ex.getVenue().ticker(SYMBOL).last;
  return { clock, ex, px: (f: number): number => Number(ex.priceToPrecision(SYMBOL, last * f)) };
}

describe('editOrder of the order kinds (Binance modifies LIMIT orders only; GTX never takes)', () => {
  it.each([
    ['buy stop-limit, new price through the touch', 'buy', 1.05, 1.06, { price: 1.07 }],
    ['sell stop-limit, new price through the touch', 'sell', 0.95, 0.94, { price: 0.93 }],
    ['buy stop-limit, new amount only', 'buy', 1.05, 1.06, { amount: 0.002 }],
  ] as const)('%s: refused with InvalidOrder, the order untouched and untriggered, nothing filled', async (_label, side, trig, lim, change) => {
    const { ex, px } = await make();
    const placed = await ex.createOrder(SYMBOL, 'limit', side, 0.001, px(lim), { triggerPrice: px(trig) });
    const price = 'price' in change ? px(change.price) : px(lim);
    const amount = 'amount' in change ? change.amount : 0.001;
    const editing = ex.editOrder(placed.id!, SYMBOL, 'limit', side, amount, price);
    await expect(editing).rejects.toBeInstanceOf(InvalidOrder);
    await expect(editing).rejects.toThrow(/waiting for its trigger .*only limit orders can be modified/);
    const after = await ex.fetchOrder(placed.id!, SYMBOL);
    expect(after).toMatchObject({ status: 'open', filled: 0, amount: 0.001, price: px(lim), triggerPrice: px(trig) });
    expect(ex.getVenue().getOrder({ id: placed.id! }).triggered).toBe(false);
    expect(ex.getVenue().positions([SYMBOL])).toEqual([]);
    expect(ex.getVenue().listFills({ symbol: SYMBOL })).toEqual([]);
  });

  it('a stop-limit that has triggered is a plain limit order again and can be modified', async () => {
    const { clock, ex, px } = await make();
    const venue = ex.getVenue();
    const pair = [
      await ex.createOrder(SYMBOL, 'limit', 'buy', 0.001, px(0.9), { triggerPrice: px(1.001) }),
      await ex.createOrder(SYMBOL, 'limit', 'sell', 0.001, px(1.1), { triggerPrice: px(0.999) }),
    ];
    for (let t = 0; t < 24 * 3_600_000 && !pair.some((o) => venue.getOrder({ id: o.id! }).triggered); t += 10_000) await clock.advance(10_000);
    const fired = pair.map((o) => venue.getOrder({ id: o.id! })).find((o) => o.triggered)!;
    expect(fired.status).toBe('open');
    const far = fired.side === 'buy' ? fired.price! * 0.99 : fired.price! * 1.01;
    const edited = await ex.editOrder(fired.id, SYMBOL, 'limit', fired.side, 0.002, Number(ex.priceToPrecision(SYMBOL, far)));
    expect(edited).toMatchObject({ status: 'open', amount: 0.002 });
  });

  it('a post-only order modified to a crossing price is cancelled by the amendment (Binance GTX), never filled as taker', async () => {
    const { ex, px } = await make();
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.001, px(0.95), { postOnly: true });
    const edited = await ex.editOrder(placed.id!, SYMBOL, 'limit', 'buy', 0.001, px(1.01));
    expect(edited).toMatchObject({ status: 'canceled', filled: 0, postOnly: true, price: px(0.95) });
    expect(edited.trades ?? []).toEqual([]);
    expect(ex.getVenue().listFills({ symbol: SYMBOL })).toEqual([]);
    expect(ex.getVenue().positions([SYMBOL])).toEqual([]);
    // Modified to a price that does not cross, it stays a resting maker order.
    const other = await ex.createOrder(SYMBOL, 'limit', 'sell', 0.001, px(1.05), { postOnly: true });
    expect(await ex.editOrder(other.id!, SYMBOL, 'limit', 'sell', 0.002, px(1.02))).toMatchObject({ status: 'open', amount: 0.002, price: px(1.02), postOnly: true });
  });
});
