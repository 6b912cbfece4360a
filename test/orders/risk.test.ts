import { afterEach, describe, expect, it } from 'vitest';
import type { RiskConfig } from '../../src/config/types.js';
import { loadConfigObject } from '../../src/config/load.js';
import { FIXTURES, testContext } from '../config/context.js';
import { drive, market, trackedRigs } from '../support/order-rig.js';
import { RiskGuard } from '../../src/orders/risk.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

const OFF: RiskConfig = { maxNotionalUsd: null, maxOpenOrders: null, maxOrdersPerSec: null, pricePct: null };

async function started(risk: Partial<RiskConfig>) {
  const r = await make({ config: { risk: { ...OFF, ...risk } } });
  const m = await market(r.sim);
  await drive(r.clock, r.manager.start());
  void r.manager.runExecutor(new AbortController().signal);
  return { r, ...m };
}

describe('orders.risk guards', () => {
  it('max_notional_usd: refuses an order worth more, before anything is journaled as sent', async () => {
    const { r, symbol, restingBuy, last } = await started({ maxNotionalUsd: 100 });
    const small = r.manager.queue.push([null, Number(r.sim.amountToPrecision(symbol, 50 / restingBuy)), restingBuy, 'buy', symbol]);
    const big = r.manager.queue.push([null, Number(r.sim.amountToPrecision(symbol, 500 / restingBuy)), restingBuy, 'buy', symbol]);
    const bigMarket = r.manager.queue.push({ symbol, side: 'buy', amount: Number(r.sim.amountToPrecision(symbol, 500 / last)), type: 'market' });
    await r.clock.advanceUntil(() => [small, big, bigMarket].every((o) => o.status !== 'pending'), 10_000, 50);
    expect(small.status).toBe('open');
    expect(big).toMatchObject({ status: 'rejected', attempts: 0 });
    expect(big.reason).toMatch(/over orders\.risk\.max_notional_usd \(100\)/);
    expect(bigMarket.reason).toMatch(/max_notional_usd/);
    expect(r.journal.events(big.clientOrderId).map((e) => e.kind)).toEqual(['queued', 'rejected:risk']);
    expect(r.sim.getVenue().listOrders().map((o) => o.clientOrderId)).toEqual([small.clientOrderId]);
    expect(r.events).toContainEqual({ name: 'failed', clientOrderId: big.clientOrderId });
  });

  it('max_notional_usd: values a market order at the last price, not at a price it was given (which a market order does not trade at)', async () => {
    const { r, symbol, last } = await started({ maxNotionalUsd: 100 });
    const amount = Number(r.sim.amountToPrecision(symbol, 500 / last));
    // Worth about 500 USD at the market; a token price (still above the market's minimum cost)
    // made it look like 5 USD and it went out and filled.
    const token = Number(r.sim.priceToPrecision(symbol, 5.5 / amount));
    const entry = { symbol, side: 'buy', amount, type: 'market', price: token } as const;
    expect(() => r.manager.queue.pushOrRefuse(entry)).not.toThrow(/max_notional_usd/);
    const probe = r.manager.queue.push(entry);
    await r.clock.advanceUntil(() => probe.status !== 'pending', 10_000, 50);
    expect(probe).toMatchObject({ status: 'rejected', attempts: 0, filled: 0 });
    expect(probe.reason).toMatch(new RegExp(`order value .* USD is over orders\\.risk\\.max_notional_usd \\(100\\); give an amount of at most .* at the last price`));
    expect(r.sim.getVenue().listOrders()).toEqual([]);
  });

  it('max_open_orders: refuses the order over the per-symbol count', async () => {
    const { r, symbol, amount, restingBuy } = await started({ maxOpenOrders: 2 });
    const orders = [0, 1, 2].map(() => r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]));
    await r.clock.advanceUntil(() => orders.every((o) => o.status !== 'pending'), 10_000, 50);
    expect(orders.map((o) => o.status)).toEqual(['open', 'open', 'rejected']);
    expect(orders[2]!.reason).toMatch(/2 orders already open on .*orders\.risk\.max_open_orders is 2/);
  });

  it('max_orders_per_sec: refuses what exceeds the rate in a one-second window', async () => {
    const { r, symbol, amount, restingBuy } = await started({ maxOrdersPerSec: 3 });
    const orders = [0, 1, 2, 3, 4].map(() => r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]));
    await r.clock.advanceUntil(() => orders.every((o) => o.status !== 'pending'), 10_000, 1);
    expect(orders.filter((o) => o.status === 'rejected').length).toBeGreaterThanOrEqual(1);
    expect(orders.find((o) => o.status === 'rejected')!.reason).toMatch(/orders\.risk\.max_orders_per_sec is 3/);
    // A second later the rate allows orders again.
    await r.clock.advance(1_100);
    const later = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await r.clock.advanceUntil(() => later.status !== 'pending', 10_000, 50);
    expect(later.status).toBe('open');
  });

  it('price_band_pct: refuses a limit price too far from the fresh last price', async () => {
    const { r, symbol, amount, restingBuy, last } = await started({ pricePct: 5 });
    const far = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    const near = r.manager.queue.push([null, amount, Number(r.sim.priceToPrecision(symbol, last * 0.97)), 'buy', symbol]);
    await r.clock.advanceUntil(() => far.status !== 'pending' && near.status !== 'pending', 10_000, 50);
    expect(far.status).toBe('rejected');
    expect(far.reason).toMatch(/% from the last price .*over orders\.risk\.price_band_pct \(5\)/);
    expect(near.status).toBe('open');
  });

  it('without a price to check against, refuses the order and says why (the ticker request failed), never sends it unchecked', async () => {
    const { r, symbol, amount, restingBuy, last } = await started({ maxNotionalUsd: 1_000, pricePct: 50 });
    r.sim.setKnobs({ faults: [{ kind: 'exchange_not_available', methods: ['fetchTicker'], calls: [1, 2] }] });
    const marketBuy = r.manager.queue.push({ symbol, side: 'buy', amount, type: 'market' });
    const limitBuy = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await r.clock.advanceUntil(() => marketBuy.status !== 'pending' && limitBuy.status !== 'pending', 10_000, 50);
    expect(marketBuy).toMatchObject({ status: 'rejected', attempts: 0 });
    expect(marketBuy.reason).toMatch(
      /^no fresh price to value the order against orders\.risk\.max_notional_usd \(the ticker request failed: .+\): refused rather than sent unchecked$/,
    );
    expect(limitBuy.reason).toMatch(new RegExp(`^no fresh last price for ${symbol.replace(/[/:]/g, '.')} to check orders\\.risk\\.price_band_pct \\(the ticker request failed: .+\\): refused rather than sent unchecked$`));
    expect(r.sim.getVenue().listOrders()).toEqual([]);
    // Once the ticker answers, the same orders pass.
    const again = r.manager.queue.push({ symbol, side: 'buy', amount: Number(r.sim.amountToPrecision(symbol, 50 / last)), type: 'market' });
    await r.clock.advanceUntil(() => again.status !== 'pending', 10_000, 50);
    expect(again.status).not.toBe('rejected');
  });

  it('reads orders.risk from the config and refuses unknown or bad keys', async () => {
    const cfg = await loadConfigObject({ tasks: { t_update_tickers: { freq: 5 } }, orders: { risk: { max_notional_usd: 1000, price_band_pct: 2 } } }, testContext(), { baseDir: FIXTURES });
    expect(cfg.orders.risk).toEqual({ maxNotionalUsd: 1000, maxOpenOrders: null, maxOrdersPerSec: null, pricePct: 2 });
    await expect(loadConfigObject({ tasks: { t_update_tickers: { freq: 5 } }, orders: { risk: { max_notionl_usd: 1 } } }, testContext(), { baseDir: FIXTURES })).rejects.toThrow(/max_notionl_usd/);
    await expect(loadConfigObject({ tasks: { t_update_tickers: { freq: 5 } }, orders: { risk: { max_open_orders: 0 } } }, testContext(), { baseDir: FIXTURES })).rejects.toThrow(/max_open_orders/);
  });
});

describe('the figures a risk refusal quotes', () => {
  const USD = { kind: 'linear', contractSize: 1, perQuote: 1 } as const;
  const probe = (amount: number, price: number) => ({ symbol: 'X/USD:USD', type: 'limit' as const, amount, price, params: {} });
  const figures = (reason: string): number[] => [...reason.matchAll(/(?:at most|between|and) ([\d.]+)/g)].map((m) => Number(m[1]));

  it("are on the market's amount and price steps, rounded inward, so the market's rounding keeps them inside the limit", () => {
    const guard = new RiskGuard({ ...OFF, maxNotionalUsd: 1000, pricePct: 10 });
    // 1000 / 101.3 = 9.8716…: three significant digits give 9.87, off a step of 0.05.
    const value = guard.judgeable(probe(50, 101.3), { last: 101.3, rate: USD, amountStep: 0.05, priceStep: 0.25 });
    expect(value?.reason).toMatch(/give an amount of at most 9\.85 at price 101\.3$/);
    // 101.3 ± 10 %: 91.17 and 111.43, on a tick of 0.25: 91.25 and 111.25.
    const band = guard.judgeable(probe(1, 80), { last: 101.3, rate: USD, amountStep: 0.05, priceStep: 0.25 });
    expect(figures(band!.reason)).toEqual([91.25, 111.25]);
    for (const p of figures(band!.reason)) expect(guard.judgeable(probe(1, p), { last: 101.3, rate: USD })).toBeNull();
    expect(guard.judgeable(probe(9.85, 101.3), { last: 101.3, rate: USD })).toBeNull();
  });

  it('say so when the limit is worth less than one amount step, instead of an amount of at most 0', () => {
    const guard = new RiskGuard({ ...OFF, maxNotionalUsd: 10 });
    const reason = guard.judgeable(probe(0.01, 64500), { last: 64500, rate: USD, amountStep: 0.001, priceStep: 0.1 })?.reason;
    expect(reason).not.toMatch(/at most 0\b/);
    expect(reason).toBe('order value 645 USD is over orders.risk.max_notional_usd (10), and one amount step (0.001) is worth 64.5 USD at price 64500: no amount passes; raise the limit');
  });

  it('say so when the price band holds no price on the tick, instead of a band whose ends cross', () => {
    const guard = new RiskGuard({ ...OFF, pricePct: 0.1 });
    // 102 ± 0.1 %: 101.898 to 102.102, and on a tick of 5 the band holds no price (105 > 100).
    const reason = guard.judgeable(probe(1, 110), { last: 102, rate: USD, priceStep: 5 })?.reason;
    expect(reason).toBe('price 110 is 7.84% from the last price 102: over orders.risk.price_band_pct (0.1); no price on the market\'s tick (5) is within it: widen the band');
  });

  it('are to significant digits where the market gives no step', () => {
    const guard = new RiskGuard({ ...OFF, maxNotionalUsd: 1000, pricePct: 10 });
    expect(guard.judgeable(probe(50, 101.3), { last: 101.3, rate: USD })?.reason).toMatch(/at most 9\.87 at price 101\.3$/);
    expect(figures(guard.judgeable(probe(1, 80), { last: 101.3, rate: USD })!.reason)).toEqual([91.17, 111.43]);
  });
});
