import type { OHLCV } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { CandleSweep } from '../../src/streams/candle-sweep.js';

const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';
const M = 60_000;

/** An exchange with ccxt.pro's candle cache, changed the way ccxt changes it (rows updated in place). */
function cachedExchange(): { ohlcvs: Record<string, Record<string, OHLCV[]>>; row(symbol: string, ts: number, close: number, volume?: number): void } {
  const ohlcvs: Record<string, Record<string, OHLCV[]>> = {};
  return {
    ohlcvs,
    row(symbol, ts, close, volume = 1) {
      const rows = ((ohlcvs[symbol] ??= {})['1m'] ??= []);
      const have = rows.find((r) => r[0] === ts);
      const fresh = [ts, close, close, close, close, volume] as OHLCV;
      if (have) for (let i = 0; i < fresh.length; i++) have[i] = fresh[i]!;
      else rows.push(fresh);
    },
  };
}

describe('CandleSweep', () => {
  const pairs = [[BTC, '1m'], [ETH, '1m']];

  it("hands over every followed pair that changed, not only the one ccxt's answer carries", () => {
    const ex = cachedExchange();
    const sweep = new CandleSweep();
    // Followed before the subscription: ccxt has no cache yet, so every row it caches is new.
    sweep.follow(ex, pairs);
    for (const t of [0, M, 2 * M]) {
      ex.row(BTC, t, 100 + t / M);
      ex.row(ETH, t, 10 + t / M);
    }
    // ccxt answered with BTC alone (the first frame of the read).
    const first = sweep.collect(ex, pairs, { [BTC]: { '1m': ex.ohlcvs[BTC]!['1m']!.slice(-1) } });
    expect(Object.keys(first).sort()).toEqual([BTC, ETH]);
    expect(first[ETH]!['1m']!.map((r) => r[4])).toEqual([10, 11, 12]);
    // Nothing moved: nothing to hand over, whatever ccxt's answer repeats.
    expect(sweep.collect(ex, pairs, { [BTC]: { '1m': ex.ohlcvs[BTC]!['1m']!.slice(-1) } })).toEqual({});

    // The read after: ETH's forming candle moved in place (same row object), BTC did not.
    ex.row(ETH, 2 * M, 12.5, 3);
    const second = sweep.collect(ex, pairs, { [BTC]: { '1m': ex.ohlcvs[BTC]!['1m']!.slice(-1) } });
    expect(second).toEqual({ [ETH]: { '1m': [[2 * M, 12.5, 12.5, 12.5, 12.5, 3]] } });
    // A copy: ccxt changing its row later does not change what was handed over.
    ex.row(ETH, 2 * M, 13, 4);
    expect(second[ETH]!['1m']![0]![4]).toBe(12.5);
  });

  it("a rollover hands over the finished candle's last update with the new candle, and nothing already handed over", () => {
    const ex = cachedExchange();
    const sweep = new CandleSweep();
    sweep.follow(ex, [[BTC, '1m']]);
    ex.row(BTC, 0, 100);
    expect(sweep.collect(ex, [[BTC, '1m']], {})[BTC]!['1m']!.map((r) => r[0])).toEqual([0]);
    ex.row(BTC, 0, 101, 2);
    ex.row(BTC, M, 102);
    expect(sweep.collect(ex, [[BTC, '1m']], {})).toEqual({
      [BTC]: { '1m': [[0, 101, 101, 101, 101, 2], [M, 102, 102, 102, 102, 1]] },
    });
    // The row at M, handed over and unchanged, is not handed over again with the next one.
    ex.row(BTC, 2 * M, 103);
    expect(sweep.collect(ex, [[BTC, '1m']], {})[BTC]!['1m']!.map((r) => r[0])).toEqual([2 * M]);
  });

  it('after a gap, a forming candle handed over before it is not handed over again over the REST gap fill', () => {
    const ex = cachedExchange();
    const sweep = new CandleSweep();
    sweep.follow(ex, [[BTC, '1m']]);
    // T0 handed over while forming (close 100, volume 10)...
    ex.row(BTC, 0, 100, 10);
    sweep.collect(ex, [[BTC, '1m']], {});
    // ...then the stream is away: REST completes T0 (105, 50) in the window; ccxt keeps its cache.
    // The first frame after the reconnection is T3's.
    ex.row(BTC, 3 * M, 110);
    expect(sweep.collect(ex, [[BTC, '1m']], {})[BTC]!['1m']!.map((r) => r[0])).toEqual([3 * M]);
  });

  it('a new connection (forget) starts each pair from the cache as it stands: rows cached before it are not handed over', () => {
    const ex = cachedExchange();
    const sweep = new CandleSweep();
    sweep.follow(ex, [[BTC, '1m']]);
    ex.row(BTC, 0, 100);
    sweep.collect(ex, [[BTC, '1m']], {});
    // Cached while nobody took it (the old connection going down), then a new connection.
    ex.row(BTC, 0, 99, 7);
    sweep.forget();
    sweep.follow(ex, [[BTC, '1m']]);
    expect(sweep.collect(ex, [[BTC, '1m']], {})).toEqual({});
    ex.row(BTC, 0, 98, 8);
    expect(sweep.collect(ex, [[BTC, '1m']], {})[BTC]!['1m']).toEqual([[0, 98, 98, 98, 98, 8]]);
  });

  it("passes an answer through for a pair ccxt keeps no cache of (the simulator, the thread's proxy), and changes neither input", () => {
    const ex = cachedExchange();
    ex.row(BTC, 0, 100);
    const answer = { [ETH]: { '1m': [[0, 10, 11, 9, 10.5, 7]] as OHLCV[] }, [BTC]: { '1m': [[0, 1, 1, 1, 1, 1]] as OHLCV[] } };
    const before = JSON.stringify(answer);
    const sweep = new CandleSweep();
    sweep.follow(ex, pairs);
    ex.row(BTC, 0, 101);
    const out = sweep.collect(ex, pairs, answer);
    // ETH: no cache, the answer's rows. BTC: cached, so from the cache (the answer is only the trigger).
    expect(out).toEqual({ [ETH]: { '1m': [[0, 10, 11, 9, 10.5, 7]] }, [BTC]: { '1m': [[0, 101, 101, 101, 101, 1]] } });
    expect(JSON.stringify(answer)).toBe(before);
    expect(out).not.toBe(answer);
    // An exchange without any cache (the proxy object): the answer as it is.
    expect(new CandleSweep().collect({}, pairs, answer)).toEqual(answer);
  });
});
