import { BadSymbol, ExchangeNotAvailable } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { get_current_ranges, get_last_prices_from_watch_list, get_ohlcv_data } from '../../src/helpers/async-helper.js';
import { registerHelperLogger } from '../../src/helpers/listed-symbols.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';

const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';

/** A simulated exchange, its markets loaded, whose helper warnings are kept. */
async function sim(knobs: Record<string, unknown> = {}): Promise<{ ex: SimExchange; warnings: { fields: Record<string, unknown>; msg: string }[] }> {
  const ex = createSimExchange({ seed: 7, ...knobs }, { clock: new VirtualClock() });
  await ex.loadMarkets();
  const warnings: { fields: Record<string, unknown>; msg: string }[] = [];
  registerHelperLogger(ex, { warn: ((fields: Record<string, unknown>, msg: string) => warnings.push({ fields, msg })) as never });
  return { ex, warnings };
}

describe('built-in helpers and watch-list symbols the exchange does not list', () => {
  it('get_ohlcv_data answers the listed symbols and skips the others, logged once per set', async () => {
    const { ex, warnings } = await sim();
    const first = await get_ohlcv_data(ex, [BTC, 'BTCUSDT', 'FOO/USD:USD', ETH], '1m', 10);
    expect(Object.keys(first).sort()).toEqual([BTC, ETH]);
    expect(first[BTC]).toHaveLength(10);
    await get_ohlcv_data(ex, [BTC, 'FOO/USD:USD', 'BTCUSDT'], '1m', 10);
    expect(warnings).toEqual([{ fields: { symbols: 'BTCUSDT, FOO/USD:USD' }, msg: 'get_ohlcv_data: watch-list symbols the exchange does not list are skipped' }]);
    await get_ohlcv_data(ex, [BTC, 'BTCUSDT'], '1m', 10);
    expect(warnings.map((w) => w.fields['symbols'])).toEqual(['BTCUSDT, FOO/USD:USD', 'BTCUSDT']);
  });

  it('get_ohlcv_data skips a symbol the exchange refuses as BadSymbol (delisted, still in the markets held)', async () => {
    const { ex, warnings } = await sim();
    const fetchOHLCV = ex.fetchOHLCV.bind(ex);
    ex.fetchOHLCV = (async (symbol: string, ...rest: unknown[]) => {
      if (symbol === ETH) throw new BadSymbol(`sim does not have market symbol ${symbol}`);
      return fetchOHLCV(symbol, ...(rest as [string]));
    }) as typeof ex.fetchOHLCV;
    const got = await get_ohlcv_data(ex, [BTC, ETH], '1m', 5);
    expect(Object.keys(got)).toEqual([BTC]);
    expect(warnings.map((w) => w.msg)).toEqual(['get_ohlcv_data (refused): watch-list symbols the exchange does not list are skipped']);
    expect(warnings[0]!.fields['symbols']).toBe(ETH);
  });

  it('any other failure still fails get_ohlcv_data as a whole', async () => {
    const { ex } = await sim({ faults: [{ kind: 'exchange_not_available', methods: ['fetchOHLCV'], calls: [2, 2] }] });
    await expect(get_ohlcv_data(ex, [BTC, 'BTCUSDT', ETH], '1m', 5, 1)).rejects.toBeInstanceOf(ExchangeNotAvailable);
  });

  it('get_last_prices_from_watch_list and get_current_ranges answer the listed symbols', async () => {
    const { ex, warnings } = await sim();
    const prices = await get_last_prices_from_watch_list(ex, [BTC, 'BTCUSDT']);
    expect(Object.keys(prices)).toEqual([BTC]);
    const ranges = await get_current_ranges(ex, ['BTCUSDT', BTC]);
    expect(Object.keys(ranges)).toEqual([BTC]);
    expect(warnings.map((w) => w.msg)).toEqual([
      'get_last_prices_from_watch_list: watch-list symbols the exchange does not list are skipped',
      'get_current_ranges: watch-list symbols the exchange does not list are skipped',
    ]);
  });
});

describe('built-in helpers handed a watch list of another shape', () => {
  it.each([
    ['a string', BTC],
    ['a number', 42],
    ['a list whose item 1 is 7', [BTC, 7]],
  ])('refuse %s, naming the helper, with no request made', async (got, wl) => {
    const { ex } = await sim();
    let requests = 0;
    ex.fetchOHLCV = (async () => {
      requests += 1;
      return [];
    }) as typeof ex.fetchOHLCV;
    await expect(get_ohlcv_data(ex, wl as never, '1m', 5)).rejects.toThrow(`get_ohlcv_data: the watch list must be a list of symbols (or None), got ${got}`);
    await expect(get_last_prices_from_watch_list(ex, wl as never)).rejects.toThrow(`get_last_prices_from_watch_list: the watch list must be a list of symbols (or None), got ${got}`);
    await expect(get_current_ranges(ex, wl as never)).rejects.toThrow(`get_current_ranges: the watch list must be a list of symbols (or None), got ${got}`);
    expect(requests).toBe(0);
  });

  it('read a map keyed by symbols (wl_ranges) by its keys, as Python iterates a dict', async () => {
    const { ex } = await sim();
    const got = await get_ohlcv_data(ex, { [BTC]: [1, 2], [ETH]: [1, 2] }, '1m', 5);
    expect(Object.keys(got).sort()).toEqual([BTC, ETH]);
    expect(Object.keys(await get_last_prices_from_watch_list(ex, { [BTC]: [1, 2] }))).toEqual([BTC]);
  });
});
