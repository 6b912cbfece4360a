/**
 * orders.risk.max_notional_usd on markets not quoted in US dollars: an inverse contract is worth
 * its contracts times the contract size, a cross pair is valued through its quote's dollar market,
 * and an order that cannot be valued is refused when sent (the guard fails closed), never passed
 * as if its quote were USD (10 ETH at 0.05 BTC counted as 0.5 USD).
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { OrdersContext } from '../../src/orders/context.js';
import type { Order } from '../../src/orders/order.js';
import { RiskGuard } from '../../src/orders/risk.js';
import { intakeRiskRefusal, riskRefusal } from '../../src/orders/risk-check.js';
import { amountForUsd, usdRate, usdValue } from '../../src/orders/usd-value.js';

const MARKETS: Record<string, { symbol: string; quote: string; inverse?: boolean; contractSize?: number; precision: { amount: number; price: number } }> = {
  'BTC/USDT': { symbol: 'BTC/USDT', quote: 'USDT', precision: { amount: 0.0001, price: 0.01 } },
  'ETH/BTC': { symbol: 'ETH/BTC', quote: 'BTC', precision: { amount: 0.001, price: 0.00001 } },
  'SOL/ETH': { symbol: 'SOL/ETH', quote: 'ETH', precision: { amount: 0.01, price: 0.00001 } },
  'DOGE/XYZ': { symbol: 'DOGE/XYZ', quote: 'XYZ', precision: { amount: 1, price: 0.0001 } },
  'BTC/TRY': { symbol: 'BTC/TRY', quote: 'TRY', precision: { amount: 0.00001, price: 1 } },
  'USDT/TRY': { symbol: 'USDT/TRY', quote: 'TRY', precision: { amount: 0.1, price: 0.01 } },
  'BTC/USD:BTC': { symbol: 'BTC/USD:BTC', quote: 'USD', inverse: true, contractSize: 100, precision: { amount: 1, price: 0.1 } },
};

function context(held: Record<string, number>, tickers: Record<string, number> = {}) {
  const asked: string[] = [];
  const exchange = {
    markets: MARKETS,
    precisionMode: 4,
    market(symbol: string) {
      const m = MARKETS[symbol];
      if (!m) throw new Error(`no market ${symbol}`);
      return m;
    },
    async fetchTicker(symbol: string) {
      asked.push(symbol);
      if (tickers[symbol] === undefined) throw new Error('503 Service Unavailable');
      return { last: tickers[symbol] };
    },
  };
  const ctx = {
    risk: new RiskGuard({ maxNotionalUsd: 1000, maxOpenOrders: null, maxOrdersPerSec: null, pricePct: null }),
    lastPrice: (s: string) => held[s],
    session: { exchange, restarting: false },
    logger: silentLogger(),
    book: { all: () => [] },
    clock: { now: () => 0 },
  } as unknown as OrdersContext;
  return { ctx, asked };
}

const order = (symbol: string, amount: number, price: number | null): Order =>
  ({ symbol, amount, price, params: {}, type: price === null ? 'market' : 'limit' }) as unknown as Order;

describe('usdRate', () => {
  it('takes a dollar quote at par, an inverse contract at its size, a cross quote through its dollar market', () => {
    const listed = (s: string) => s in MARKETS;
    expect(usdRate(MARKETS['BTC/USDT']!, listed, () => undefined)).toEqual({ kind: 'linear', contractSize: 1, perQuote: 1 });
    const inverse = usdRate(MARKETS['BTC/USD:BTC']!, listed, () => undefined);
    expect(inverse).toEqual({ kind: 'inverse', contractSize: 100 });
    expect(usdValue(inverse as never, 30, 64_000)).toBe(3000);
    const cross = usdRate(MARKETS['ETH/BTC']!, listed, (s) => (s === 'BTC/USDT' ? 60_000 : undefined));
    expect(cross).toEqual({ kind: 'linear', contractSize: 1, perQuote: 60_000 });
    expect(usdValue(cross as never, 10, 0.05)).toBe(30_000);
    expect(amountForUsd(cross as never, 3000, 0.05)).toBeCloseTo(1, 10);
    expect(usdRate(MARKETS['ETH/BTC']!, listed, () => undefined)).toEqual({ kind: 'unpriced', quote: 'BTC', via: 'BTC/USDT' });
    expect(usdRate(MARKETS['DOGE/XYZ']!, listed, () => undefined)).toEqual({ kind: 'unpriced', quote: 'XYZ', via: undefined });
  });

  it('values a quote listed only as the dollar against it (USDT/TRY, as Binance lists the lira) at one over that price', () => {
    const listed = (s: string) => s in MARKETS;
    const rate = usdRate(MARKETS['BTC/TRY']!, listed, (s) => (s === 'USDT/TRY' ? 40 : undefined));
    expect(rate).toEqual({ kind: 'linear', contractSize: 1, perQuote: 1 / 40 });
    // 0.1 BTC at 2,600,000 TRY is 260,000 TRY, 6500 USD at 40 TRY a dollar.
    expect(usdValue(rate as never, 0.1, 2_600_000)).toBeCloseTo(6500, 6);
    expect(usdRate(MARKETS['BTC/TRY']!, listed, () => undefined)).toEqual({ kind: 'unpriced', quote: 'TRY', via: 'USDT/TRY' });
  });

  it('refuses a lira order over the limit in dollars, asking the USDT/TRY ticker when no price is held', async () => {
    const { ctx, asked } = context({}, { 'USDT/TRY': 40 });
    expect(await riskRefusal(ctx, order('BTC/TRY', 0.1, 2_600_000))).toBe('order value 6500 USD is over orders.risk.max_notional_usd (1000); give an amount of at most 0.01538 at price 2600000');
    expect(asked).toEqual(['USDT/TRY']);
  });
});

describe('max_notional_usd off the dollar', () => {
  it('a cross pair is valued through its quote: 10 ETH at 0.05 BTC is 30000 USD, refused with an amount that passes', async () => {
    const { ctx, asked } = context({ 'BTC/USDT': 60_000 });
    const reason = await riskRefusal(ctx, order('ETH/BTC', 10, 0.05));
    expect(reason).toBe('order value 30000 USD is over orders.risk.max_notional_usd (1000); give an amount of at most 0.333 at price 0.05');
    expect(await riskRefusal(ctx, order('ETH/BTC', 0.333, 0.05))).toBeNull();
    expect(asked).toEqual([]);
    // The same at intake, from the held price.
    expect(intakeRiskRefusal(ctx, order('ETH/BTC', 10, 0.05))).toEqual({ field: 'amount', reason });
  });

  it('without a held price of the quote, one ticker of its dollar market is asked for when the order is sent', async () => {
    const { ctx, asked } = context({}, { 'BTC/USDT': 60_000 });
    expect(intakeRiskRefusal(ctx, order('ETH/BTC', 10, 0.05))).toBeNull(); // left to the send
    expect(await riskRefusal(ctx, order('ETH/BTC', 10, 0.05))).toMatch(/^order value 30000 USD is over/);
    expect(asked).toEqual(['BTC/USDT']);
  });

  it('an order that cannot be valued in USD is refused when sent, saying why, never taken as priced in USD', async () => {
    const failing = context({});
    expect(await riskRefusal(failing.ctx, order('ETH/BTC', 10, 0.05))).toBe(
      'cannot value the order against orders.risk.max_notional_usd: no fresh price of BTC/USDT to value its quote currency BTC in USD (the BTC/USDT ticker request failed: 503 Service Unavailable): refused rather than sent unchecked',
    );
    const { ctx } = context({});
    expect(await riskRefusal(ctx, order('DOGE/XYZ', 10, 1))).toMatch(/^cannot value the order against orders\.risk\.max_notional_usd: its quote currency XYZ has no market against a dollar on this exchange to value it in USD: refused rather than sent unchecked$/);
    // A reduce-only order is not limited by value, so it needs none.
    expect(await riskRefusal(ctx, { ...order('DOGE/XYZ', 10, 1), params: { reduceOnly: true } } as unknown as Order)).toBeNull();
  });

  it('an inverse contract is worth its contracts times the contract size, whatever the price, a market order included', async () => {
    const { ctx, asked } = context({});
    expect(await riskRefusal(ctx, order('BTC/USD:BTC', 30, null))).toBe('order value 3000 USD is over orders.risk.max_notional_usd (1000); give an amount of at most 10');
    expect(await riskRefusal(ctx, order('BTC/USD:BTC', 10, 64_000))).toBeNull();
    expect(intakeRiskRefusal(ctx, order('BTC/USD:BTC', 30, null))?.reason).toMatch(/at most 10$/);
    expect(asked).toEqual([]);
  });
});
