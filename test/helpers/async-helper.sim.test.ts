import { ExchangeNotAvailable, RequestTimeout, type Market } from 'ccxt';
import { beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import {
  create_limit_order_from_list,
  get_current_ranges,
  get_filtered_watch_list,
  get_free_balance,
  get_last_prices_from_watch_list,
  get_ohlcv_data,
  get_open_positions,
  get_order_by_id,
  get_total_balance,
} from '../../src/helpers/async-helper.js';
import { rangeFromOhlcv } from '../../src/helpers/pivots.js';
import { type SimExchange } from '../../src/sim/sim-exchange.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';

const RESTRICTED = ['BNB/USD:USD', 'USDT/USD:USD'];
const SEED_FILTER = { 'info.volumeUsd24h': { value: 2000000, type: 'greater_or_equal', value_type: 'float' } };

/** A fresh simulated exchange with its own clock (orders change state, so tests that trade get their own). */
function sim(knobs: Record<string, unknown> = {}): { ex: SimExchange; clock: VirtualClock } {
  const clock = new VirtualClock();
  return { ex: createSimExchange({ seed: 7, ...knobs }, { clock }), clock };
}

const usdPerps = (markets: Record<string, Market>): Market[] =>
  Object.values(markets).filter((m): m is NonNullable<Market> => !!m && !!m.swap && !!m.linear && m.settle === 'USD');

describe('async_helper on the simulated exchange (read-only)', () => {
  let ex: SimExchange;
  let perps: Market[];
  let watchList: string[];

  beforeAll(async () => {
    ({ ex } = sim());
    perps = usdPerps(await ex.loadMarkets());
    watchList = await get_filtered_watch_list(ex, SEED_FILTER, RESTRICTED);
  });

  it("get_filtered_watch_list keeps the USD perpetuals passing the seed's filter, minus the restricted", () => {
    const expected = perps
      .filter((m) => Number(m?.info.volumeUsd24h) >= 2_000_000 && !RESTRICTED.includes(m?.symbol ?? ''))
      .map((m) => m?.symbol)
      .sort();
    expect(watchList).toEqual(expected);
    expect(watchList.length).toBeGreaterThan(0);
    expect(watchList.length).toBeLessThan(perps.length - RESTRICTED.length);
    for (const s of watchList) expect(s).toMatch(/^[A-Z0-9]+\/USD:USD$/);
  });

  it('get_filtered_watch_list: the complementary filter gives the rest, and other settles give nothing', async () => {
    const below = await get_filtered_watch_list(
      ex,
      { 'info.volumeUsd24h': { value: 2000000, type: 'smaller', value_type: 'float' } },
      RESTRICTED,
    );
    const all = perps.map((m) => m?.symbol).filter((s) => !RESTRICTED.includes(s ?? ''));
    expect([...below, ...watchList].sort()).toEqual(all.sort());
    expect(await get_filtered_watch_list(ex, null, null)).toEqual(perps.map((m) => m?.symbol).sort());
    expect(await get_filtered_watch_list(ex, {}, [], 'USDT')).toEqual([]);
    await expect(get_filtered_watch_list(ex, { x: { value: 1, type: 'gte' } }, [])).rejects.toThrow(/unknown operator 'gte'/);
  });

  it('get_last_prices_from_watch_list answers the tickers\' last prices', async () => {
    const symbols = watchList.slice(0, 5);
    const prices = await get_last_prices_from_watch_list(ex, symbols);
    const tickers = await ex.fetchTickers(symbols);
    expect(Object.keys(prices).sort()).toEqual([...symbols].sort());
    for (const s of symbols) {
      expect(prices[s]).toBe(tickers[s]?.last);
      expect(prices[s]).toBeGreaterThan(0);
    }
    expect(await get_last_prices_from_watch_list(ex, [])).toEqual({});
  });

  it('get_total_balance and get_free_balance read the USD balance; other currencies are 0', async () => {
    const balance = await ex.fetchBalance();
    const total = await get_total_balance(ex);
    const usd = balance['USD'] as { total?: number; free?: number } | undefined;
    expect(total).toBe(usd?.total);
    expect(total).toBeGreaterThan(0);
    expect(await get_free_balance(ex)).toBe(usd?.free);
    expect(await get_total_balance(ex, 'EUR')).toBe(0);
  });

  it('get_ohlcv_data fetches every symbol with the timeframe and limit asked', async () => {
    const symbols = watchList.slice(0, 6);
    const data = await get_ohlcv_data(ex, symbols, '1m', 1000, 2);
    expect(Object.keys(data)).toEqual(symbols);
    for (const s of symbols) {
      const rows = data[s] ?? [];
      expect(rows).toHaveLength(1000);
      expect(rows).toEqual(await ex.fetchOHLCV(s, '1m', undefined, 1000));
    }
    const fiveMin = await get_ohlcv_data(ex, symbols.slice(0, 1), '5m', '50');
    const rows = fiveMin[symbols[0] ?? ''] ?? [];
    expect(rows).toHaveLength(50);
    expect((rows[1]?.[0] ?? 0) - (rows[0]?.[0] ?? 0)).toBe(300_000);
    await expect(get_ohlcv_data(ex, symbols, '1m', 0)).rejects.toThrow(/limit must be a positive integer/);
  });

  it('get_current_ranges brackets the price with pivots from the first timeframe that has both', async () => {
    const symbols = watchList.slice(0, 8);
    const ranges = await get_current_ranges(ex, symbols);
    const prices = await get_last_prices_from_watch_list(ex, symbols);
    expect(Object.keys(ranges).length).toBeGreaterThan(0);
    for (const s of symbols) {
      let expected: [number, number] | null = null;
      for (const tf of ['1m', '5m', '15m', '1h', '4h', '1d']) {
        expected = rangeFromOhlcv(await ex.fetchOHLCV(s, tf, undefined, 1000), prices[s] ?? Number.NaN);
        if (expected) break;
      }
      if (expected === null) {
        expect(ranges[s], s).toBeUndefined();
        continue;
      }
      expect(ranges[s], s).toEqual(expected);
      const [high, low] = expected;
      expect(high).toBeGreaterThan((prices[s] ?? 0) * 1.005);
      expect(low).toBeLessThan((prices[s] ?? 0) * 0.995);
    }
  });
});

describe('async_helper on the simulated exchange (orders and positions)', () => {
  it('create_limit_order_from_list places a resting order and answers its exchange id', async () => {
    const { ex } = sim();
    const symbol = 'BTC/USD:USD';
    const last = (await ex.fetchTicker(symbol)).last ?? 0;
    const price = Number(ex.priceToPrecision(symbol, last * 0.8));
    const placed = await create_limit_order_from_list(ex, symbol, ['local-1', 0.01, price, 'buy', symbol]);
    expect(placed[0]).not.toBe('failed');
    expect(placed.slice(1)).toEqual([0.01, price, 'buy', symbol]);
    const order = await get_order_by_id(ex, placed[0], symbol);
    expect(order).toMatchObject({ id: placed[0], status: 'open', symbol, side: 'buy', price, amount: 0.01 });
    expect(await get_free_balance(ex)).toBeLessThan(await get_total_balance(ex));
  });

  it('create_limit_order_from_list answers a failed list for final refusals', async () => {
    const { ex } = sim({ starting_balance_usd: 1000 });
    const symbol = 'ETH/USD:USD';
    const last = (await ex.fetchTicker(symbol)).last ?? 0;
    const price = Number(ex.priceToPrecision(symbol, last * 0.9));
    // twice what 1000 USD at the sim's default leverage of 20 can carry, inside the amount limits
    const size = Number(ex.amountToPrecision(symbol, (2 * 1000 * 20) / price));
    expect(size).toBeLessThan(ex.market(symbol).limits.amount?.max ?? Number.POSITIVE_INFINITY);
    expect(await create_limit_order_from_list(ex, symbol, ['a', size, price, 'buy', symbol])).toEqual([
      'failed',
      size,
      price,
      'InsufficientFunds',
      symbol,
    ]);
    expect(await create_limit_order_from_list(ex, 'NOPE/USD:USD', ['b', 1, 1, 'buy', 'NOPE/USD:USD'])).toEqual([
      'failed',
      1,
      1,
      'BadSymbol',
      'NOPE/USD:USD',
    ]);
    const tooSmall = await create_limit_order_from_list(ex, symbol, ['c', 1e-9, price, 'sell', symbol]);
    expect(tooSmall[0]).toBe('failed');
    expect(tooSmall[3]).toBe('InvalidOrder');
    expect(await create_limit_order_from_list(ex, symbol, ['d', 1, price, 'hold', symbol])).toEqual([
      'failed',
      1,
      price,
      'InvalidOrder',
      symbol,
    ]);
    await expect(create_limit_order_from_list(ex, symbol, { size: 1 } as never)).rejects.toThrow(
      'create_limit_order_from_list: the order must be the list [id, size, price, side, symbol]',
    );
    expect(await ex.fetchOpenOrders()).toEqual([]);
  });

  it('create_limit_order_from_list lets a lost response propagate and never retries it', async () => {
    const { ex } = sim({ faults: [{ kind: 'timeout_after', methods: ['createOrder'], calls: [1, 1] }] });
    const symbol = 'BTC/USD:USD';
    const last = (await ex.fetchTicker(symbol)).last ?? 0;
    const price = Number(ex.priceToPrecision(symbol, last * 0.8));
    await expect(create_limit_order_from_list(ex, symbol, ['x', 0.01, price, 'buy', symbol])).rejects.toBeInstanceOf(
      RequestTimeout,
    );
    const open = await ex.fetchOpenOrders(symbol);
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ price, amount: 0.01 });
  });

  it('get_order_by_id answers the seed\'s failed placeholder for an unknown id and lets network errors through', async () => {
    const { ex } = sim();
    expect(await get_order_by_id(ex, 'no-such-order', 'BTC/USD:USD')).toEqual({
      id: 'no-such-order',
      status: 'failed',
      filled: 0,
      remaining: 0,
    });
    ex.setKnobs({ faults: [{ kind: 'exchange_not_available', methods: ['fetchOrder'], probability: 1 }] });
    await expect(get_order_by_id(ex, 'no-such-order', 'BTC/USD:USD')).rejects.toBeInstanceOf(ExchangeNotAvailable);
  });

  it('get_open_positions lists the positions with contracts, keyed by symbol', async () => {
    const { ex } = sim();
    expect(await get_open_positions(ex)).toEqual({});
    await ex.createOrder('BTC/USD:USD', 'market', 'buy', 0.01);
    await ex.createOrder('ETH/USD:USD', 'market', 'sell', 0.1);
    const positions = await get_open_positions(ex);
    expect(Object.keys(positions).sort()).toEqual(['BTC/USD:USD', 'ETH/USD:USD']);
    expect(positions['BTC/USD:USD']).toMatchObject({ side: 'long', contracts: 0.01 });
    expect(positions['ETH/USD:USD']).toMatchObject({ side: 'short', contracts: 0.1 });
    const all = await ex.fetchPositions();
    for (const p of all.filter((x) => (x.contracts ?? 0) > 0)) expect(positions[p.symbol ?? '']).toEqual(p);
  });

  it('get_ohlcv_data fails as a whole when one request fails', async () => {
    const { ex } = sim({ faults: [{ kind: 'exchange_not_available', methods: ['fetchOHLCV'], calls: [3, 3] }] });
    const symbols = (await get_filtered_watch_list(ex, null, RESTRICTED)).slice(0, 5);
    await expect(get_ohlcv_data(ex, symbols, '1m', 10, 2)).rejects.toBeInstanceOf(ExchangeNotAvailable);
  });
});
