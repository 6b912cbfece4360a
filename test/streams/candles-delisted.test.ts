/**
 * The candles stream and a symbol the exchange stops listing: reloaded markets (a session rebuild)
 * leave it out, and a BadSymbol for it (delisted while the markets here still list it) costs only
 * that symbol, not every symbol's candles for good.
 */
import type { Exchange } from 'ccxt';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BadSymbol } from '../../src/exchange/ccxt-lib.js';
import { VirtualClock } from '../../src/core/clock.js';
import { StateStore } from '../../src/state/state-store.js';
import { candlesStream } from '../../src/streams/market-streams.js';
import type { StreamContext } from '../../src/streams/stream-context.js';

const [BTC, ETH, SOL] = ['BTC/USD:USD', 'ETH/USD:USD', 'SOL/USD:USD'];

function rig(listed: string[], watchList = [BTC, ETH, SOL]) {
  const clock = new VirtualClock();
  const state = new StateStore({ watch_list: watchList, ohlcs: {} }, clock);
  const warnings: { unlisted?: string[]; msg: string }[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as (typeof warnings)[number]) });
  let markets: Record<string, unknown> = Object.fromEntries(listed.map((s) => [s, {}]));
  const ctx = {
    state,
    clock,
    logger,
    cache: { followsCandles: undefined, candlesDelivered: () => undefined, noteCandle: () => undefined, mergeCandles: () => undefined },
    runTask: async () => undefined,
    restSoon: () => undefined,
    idle: async () => undefined,
    sleep: async () => true,
    lists: (s: string) => s in markets,
    marketsTable: () => markets,
    clockOffsetMs: () => 0,
  } as unknown as StreamContext;
  const asked: string[][] = [];
  /** Symbols the venue no longer has (its subscription refused with ccxt's BadSymbol). */
  const gone = new Set<string>();
  const ex = {
    watchOHLCVForSymbols: async (pairs: string[][]) => {
      asked.push(pairs.map(([s]) => s!));
      const dead = pairs.find(([s]) => gone.has(s!));
      if (dead) throw new BadSymbol(`binanceusdm does not have market symbol ${dead[0]!}`);
      return { [pairs[0]![0]!]: { '1m': [[60_000, 1, 2, 0.5, 1.5, 10]] } };
    },
  } as unknown as Exchange;
  const spec = candlesStream(ctx, [{ timeframe: '1m', limit: 50, attr: 'ohlcs' }], undefined);
  return {
    watch: () => spec.watch(ex),
    asked,
    gone,
    warnings,
    reload: (symbols: string[]) => (markets = Object.fromEntries(symbols.map((s) => [s, {}]))),
  };
}

describe('the candles stream and a delisted symbol', () => {
  it('reloaded markets without a symbol: the next call leaves it out, said once', async () => {
    const r = rig([BTC, ETH, SOL]);
    await r.watch();
    expect(r.asked.at(-1)).toEqual([BTC, ETH, SOL]);
    r.reload([BTC, SOL]);
    await r.watch();
    await r.watch();
    expect(r.asked.slice(-2)).toEqual([[BTC, SOL], [BTC, SOL]]);
    expect(r.warnings.map((w) => w.unlisted)).toEqual([[ETH]]);
  });

  it('a BadSymbol for one symbol still in the markets fails that call only: the next leaves it out and the others stream on', async () => {
    const r = rig([BTC, ETH, SOL]);
    await r.watch();
    r.gone.add(ETH);
    await expect(r.watch()).rejects.toBeInstanceOf(BadSymbol);
    await expect(r.watch()).resolves.toBeDefined();
    await expect(r.watch()).resolves.toBeDefined();
    expect(r.asked.slice(-2)).toEqual([[BTC, SOL], [BTC, SOL]]);
    expect(r.warnings.map((w) => w.unlisted)).toEqual([[ETH]]);
    // Markets reloaded (still listing it): it is tried again, as a relisted market would be.
    r.gone.delete(ETH);
    r.reload([BTC, ETH, SOL]);
    await r.watch();
    expect(r.asked.at(-1)).toEqual([BTC, ETH, SOL]);
  });

  it('a BadSymbol naming WBTC leaves out WBTC, not BTC (whose symbol is part of its text)', async () => {
    const WBTC = 'WBTC/USD:USD';
    const r = rig([BTC, ETH, SOL, WBTC], [BTC, WBTC]);
    await r.watch();
    r.gone.add(WBTC);
    await expect(r.watch()).rejects.toBeInstanceOf(BadSymbol);
    await r.watch();
    expect(r.asked.at(-1)).toEqual([BTC]);
  });
});
