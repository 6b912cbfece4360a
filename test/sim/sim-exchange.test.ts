import {
  BadSymbol,
  DuplicateOrderId,
  Exchange,
  InsufficientFunds,
  InvalidOrder,
  NotSupported,
  OrderNotFound,
} from 'ccxt';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { SIM_KNOBS_SCHEMA, SimExchange } from '../../src/sim/sim-exchange.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { SimVenue } from '../../src/sim/venue.js';

const START = 1_700_000_000_000;

function make(knobs: Record<string, unknown> = {}): { clock: VirtualClock; ex: SimExchange } {
  const clock = new VirtualClock(START + 1_234);
  return { clock, ex: createSimExchange(knobs, { clock }) };
}

describe('SimExchange (ccxt face)', () => {
  it('is a ccxt Exchange with markets, precision helpers and has flags', async () => {
    const { ex } = make();
    expect(ex).toBeInstanceOf(Exchange);
    expect(ex.id).toBe('sim');
    expect(ex.enableRateLimit).toBe(false);
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets)).toContain('BNB/USD:USD');
    const btc = ex.market('BTC/USD:USD');
    expect(btc).toMatchObject({ id: 'BTCUSD', base: 'BTC', quote: 'USD', settle: 'USD', type: 'swap', swap: true, linear: true, contract: true, contractSize: 1 });
    expect(btc.precision).toEqual({ amount: 0.0001, price: 0.1, cost: undefined, base: undefined, quote: undefined });
    expect(btc.limits.amount?.min).toBe(0.0001);
    expect(btc.limits.cost?.min).toBe(5);
    expect(typeof btc.info.volumeUsd24h).toBe('number');
    expect(ex.amountToPrecision('BTC/USD:USD', 0.123456)).toBe('0.1234');
    expect(ex.priceToPrecision('BTC/USD:USD', 64123.46)).toBe('64123.5');
    expect(ex.market('BTC/USD').spot).toBe(true);
    expect(ex.has['fetchOHLCV']).toBe(true);
    expect(ex.has['fetchPositions']).toBe(true);
    expect(ex.has['fetchDepositAddress']).not.toBe(true);
    await expect(ex.fetchDepositAddress('BTC')).rejects.toBeInstanceOf(NotSupported);
    expect(() => ex.market('NOPE/USD:USD')).toThrow(BadSymbol);
    await ex.close();
  });

  it('fetches tickers, candles and the balance in ccxt shapes', async () => {
    const { clock, ex } = make({ starting_balance_usd: 5_000 });
    const rows = await ex.fetchOHLCV('BTC/USD:USD', '1m', undefined, 1000);
    expect(rows).toHaveLength(1000);
    const t = await ex.fetchTicker('BTC/USD:USD');
    expect(t.symbol).toBe('BTC/USD:USD');
    expect(t.bid!).toBeLessThan(t.last!);
    expect(t.ask!).toBeGreaterThan(t.last!);
    expect(rows[rows.length - 1]![4]).toBe(t.last);
    expect(t.datetime).toBe(new Date(clock.now()).toISOString());
    expect(ex.has['fetchTime']).toBe(true);
    expect(await ex.fetchTime()).toBe(clock.now());
    await clock.advance(5_000);
    expect(await ex.fetchTime()).toBe(START + 1_234 + 5_000);
    const some = await ex.fetchTickers(['ETH/USD:USD', 'SOL/USD:USD']);
    expect(Object.keys(some).sort()).toEqual(['ETH/USD:USD', 'SOL/USD:USD']);
    const all = await ex.fetchTickers();
    expect(Object.keys(all)).toHaveLength(ex.symbols.length);
    await clock.advance(120_000);
    const fresh = await ex.fetchOHLCV('BTC/USD:USD', '1m', Number(rows[rows.length - 1]![0]) + 1);
    expect(fresh).toHaveLength(2);
    const bal = await ex.fetchBalance();
    expect(bal['USD']).toEqual({ free: 5_000, used: 0, total: 5_000 });
    expect((bal.total as unknown as Record<string, number>)['USD']).toBe(5_000);
    await expect(ex.fetchTicker('NOPE/USD:USD')).rejects.toBeInstanceOf(BadSymbol);
  });

  it('creates, finds, lists and cancels orders', async () => {
    const { clock, ex } = make();
    const eth = 'ETH/USD:USD';
    const t = await ex.fetchTicker(eth);
    const limit = await ex.createOrder(eth, 'limit', 'buy', 0.1234, 1_000.004, { clientOrderId: 'my-1' });
    expect(limit).toMatchObject({ symbol: eth, type: 'limit', side: 'buy', amount: 0.123, price: 1_000, status: 'open', clientOrderId: 'my-1', filled: 0, remaining: 0.123, reduceOnly: false });
    expect(limit.id).toMatch(/^\d+$/);
    const market = await ex.createOrder(eth, 'market', 'buy', 0.5);
    expect(market.status).toBe('closed');
    expect(market.average!).toBeGreaterThanOrEqual(t.ask!);
    expect(market.fee).toEqual({ cost: market.cost! * 0.0005, currency: 'USD' });
    expect(market.trades).toHaveLength(1);
    expect(market.trades[0]).toMatchObject({ takerOrMaker: 'taker', order: market.id, symbol: eth });
    const short = await ex.createOrder('SOL/USD:USD', 'market', 'sell', 2, undefined, { newClientOrderId: 'sol-1' });
    expect(short.clientOrderId).toBe('sol-1');
    const reduce = await ex.createOrder(eth, 'market', 'sell', 0.5, undefined, { reduceOnly: true });
    expect(reduce).toMatchObject({ reduceOnly: true, status: 'closed', filled: 0.5 });

    expect((await ex.fetchOrder(limit.id!)).clientOrderId).toBe('my-1');
    expect((await ex.fetchOrder(limit.id!, eth)).id).toBe(limit.id);
    expect((await ex.fetchOrder('', undefined, { clientOrderId: 'my-1' })).id).toBe(limit.id);
    await expect(ex.fetchOrder(limit.id!, 'SOL/USD:USD')).rejects.toBeInstanceOf(OrderNotFound);

    expect((await ex.fetchOrders()).map((o) => o.id)).toEqual([limit.id, market.id, short.id, reduce.id]);
    expect((await ex.fetchOrders(eth)).map((o) => o.id)).toEqual([limit.id, market.id, reduce.id]);
    expect((await ex.fetchOpenOrders()).map((o) => o.id)).toEqual([limit.id]);
    expect(await ex.fetchOpenOrders('SOL/USD:USD')).toEqual([]);
    expect((await ex.fetchClosedOrders(eth)).map((o) => o.id)).toEqual([market.id, reduce.id]);
    expect((await ex.fetchMyTrades(eth)).map((tr) => tr.order)).toEqual([market.id, reduce.id]);

    const positions = await ex.fetchPositions();
    expect(positions).toHaveLength(1);
    expect(positions[0]).toMatchObject({ symbol: 'SOL/USD:USD', side: 'short', contracts: 2, entryPrice: short.average, leverage: 20, marginMode: 'cross' });
    expect(positions[0]!.unrealizedPnl).toBeCloseTo(2 * (short.average! - positions[0]!.markPrice!), 9);
    expect(await ex.fetchPositions(['ETH/USD:USD'])).toEqual([]);

    await clock.advance(1_000);
    const canceled = await ex.cancelOrder(limit.id!, eth);
    expect(canceled.status).toBe('canceled');
    expect((await ex.fetchCanceledOrders()).map((o) => o.id)).toEqual([limit.id]);
    await expect(ex.cancelOrder(limit.id!)).rejects.toBeInstanceOf(OrderNotFound);
  });

  it('raises ccxt error classes', async () => {
    const { ex } = make();
    const eth = 'ETH/USD:USD';
    await expect(ex.createOrder(eth, 'market', 'buy', 500)).rejects.toBeInstanceOf(InsufficientFunds);
    await expect(ex.createOrder('NOPE/USD:USD', 'market', 'buy', 1)).rejects.toBeInstanceOf(BadSymbol);
    await expect(ex.createOrder(eth, 'limit', 'buy', 0.00001, 1_000)).rejects.toBeInstanceOf(InvalidOrder);
    await expect(ex.createOrder(eth, 'limit', 'buy', 0.001, 1_000)).rejects.toBeInstanceOf(InvalidOrder);
    await expect(ex.createOrder(eth, 'market', 'sell', 1, undefined, { reduceOnly: true })).rejects.toBeInstanceOf(InvalidOrder);
    await ex.createOrder(eth, 'limit', 'buy', 0.1, 1_000, { clientOrderId: 'dup' });
    const dup = ex.createOrder(eth, 'limit', 'buy', 0.1, 1_000, { clientOrderId: 'dup' });
    await expect(dup).rejects.toBeInstanceOf(DuplicateOrderId);
    await expect(ex.fetchOrder('123')).rejects.toBeInstanceOf(OrderNotFound);
    await expect(ex.fetchOrder('', undefined, { clientOrderId: 'nope' })).rejects.toBeInstanceOf(OrderNotFound);
    await expect(ex.cancelOrder('123')).rejects.toBeInstanceOf(OrderNotFound);
    await expect(ex.fetchOHLCV(eth, '3m')).rejects.toThrow(/timeframe/);
  });

  it('answers a NaN, infinite or non-numeric amount or price with InvalidOrder naming it, not a SyntaxError from ccxt (review 25-B F9)', async () => {
    const { ex } = make();
    const btc = 'BTC/USD:USD';
    const bad: [unknown, unknown, RegExp][] = [
      [NaN, 40_000, /createOrder\(\) amount must be a finite number, got NaN/],
      [Infinity, 40_000, /amount must be a finite number, got Infinity/],
      ['abc', 40_000, /amount must be a finite number, got "abc"/],
      [null, 40_000, /amount must be a finite number, got null/],
      [0.01, NaN, /createOrder\(\) price must be a finite number, got NaN/],
      [0.01, -Infinity, /price must be a finite number, got -Infinity/],
      [0.01, '4e4x', /price must be a finite number, got "4e4x"/],
    ];
    for (const [amount, price, message] of bad) {
      const placing = ex.createOrder(btc, 'limit', 'buy', amount as number, price as number);
      await expect(placing).rejects.toBeInstanceOf(InvalidOrder);
      await expect(placing).rejects.toThrow(message);
    }
    await expect(ex.createOrder(btc, 'market', 'buy', NaN)).rejects.toBeInstanceOf(InvalidOrder);
    // A numeric string is taken, as ccxt takes it.
    const placed = await ex.createOrder(btc, 'limit', 'buy', '0.01' as unknown as number, '40000' as unknown as number);
    expect(placed).toMatchObject({ amount: 0.01, price: 40_000, status: 'open' });
    const amending = ex.editOrder(placed.id!, btc, 'limit', 'buy', NaN, 41_000);
    await expect(amending).rejects.toBeInstanceOf(InvalidOrder);
    await expect(amending).rejects.toThrow(/editOrder\(\) amount must be a finite number, got NaN/);
    await expect(ex.editOrder(placed.id!, btc, 'limit', 'buy', undefined, Infinity)).rejects.toBeInstanceOf(InvalidOrder);
    expect((await ex.fetchOpenOrders(btc)).map((o) => [o.amount, o.price])).toEqual([[0.01, 40_000]]);
  });

  it('shares one venue between instances (a restart keeps the account)', async () => {
    const clock = new VirtualClock(START);
    const venue = new SimVenue({ seed: 7, clock });
    const a = createSimExchange({}, { clock, venue });
    const o = await a.createOrder('ETH/USD:USD', 'limit', 'buy', 0.1, 1_000);
    await a.close();
    const b = createSimExchange({ visibility_delay_ms: 500 }, { clock, venue });
    expect(b.getVenue()).toBe(venue);
    expect(venue.visibilityDelayMs).toBe(500);
    await expect(b.fetchOrder(o.id!)).rejects.toBeInstanceOf(OrderNotFound);
    await clock.advance(500);
    expect((await b.fetchOrder(o.id!)).status).toBe('open');
  });

  it('applies the venue knobs: balance, leverage, spread, slippage, start', async () => {
    const { ex } = make({ starting_balance_usd: 2_500, leverage: 5, spread_bps: 20, slippage_bps: 0, seed: 3 });
    const t = await ex.fetchTicker('ETH/USD:USD');
    expect((t.ask! - t.bid!) / t.last!).toBeCloseTo(0.002, 4);
    const o = await ex.createOrder('ETH/USD:USD', 'market', 'buy', 0.2);
    expect(o.average).toBe(t.ask);
    const [pos] = await ex.fetchPositions();
    expect(pos!.leverage).toBe(5);
    const bal = await ex.fetchBalance();
    expect(bal['USD']!.used).toBeCloseTo((0.2 * t.last!) / 5, 6);
    expect(bal['USD']!.total).toBeCloseTo(2_500 - o.fee!.cost! + pos!.unrealizedPnl!, 6);
    const { ex: other } = make({ seed: 3, start_ms: START - 86_400_000 });
    expect((await other.fetchTicker('ETH/USD:USD')).last).not.toBe(t.last);
  });

  it('validates knobs and names the bad one', () => {
    const clock = new VirtualClock();
    expect(() => createSimExchange({ latencyMs: 5 }, { clock })).toThrow(/latencyMs: unknown knob/);
    expect(() => createSimExchange({ faults: [{ kind: 'explode' }] }, { clock })).toThrow(/faults\.0\.kind/);
    expect(() => createSimExchange({ rate_limit: { capacity: 0, refill_per_sec: 1 } }, { clock })).toThrow(/rate_limit\.capacity/);
    expect(() => createSimExchange({ faults: [{ kind: 'timeout_after', calls: [5, 2] }] }, { clock })).toThrow(/faults\.0\.calls/);
    expect(() => createSimExchange({ seed: 1.5 }, { clock })).toThrow(/seed/);
    expect(() => createSimExchange({ faults: [{ kind: 'timeout_before' }] }, { clock })).toThrow(/faults\.0: a fault needs/);
    expect(SIM_KNOBS_SCHEMA.parse({ id: 'sim' }).seed).toBe(7);
  });
});
