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
    for (const t of [0, M, 2 * M]) {
      ex.row(BTC, t, 100 + t / M);
      ex.row(ETH, t, 10 + t / M);
    }
    const sweep = new CandleSweep();
    // ccxt answered with BTC alone (the first frame of the read).
    const first = sweep.collect(ex, pairs, { [BTC]: { '1m': ex.ohlcvs[BTC]!['1m']!.slice(-1) } });
    // Seen for the first time: the forming candle and the one before.
    expect(first).toEqual({
      [BTC]: { '1m': [[M, 101, 101, 101, 101, 1], [2 * M, 102, 102, 102, 102, 1]] },
      [ETH]: { '1m': [[M, 11, 11, 11, 11, 1], [2 * M, 12, 12, 12, 12, 1]] },
    });
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

  it("a rollover hands over the finished candle's last update with the new candle", () => {
    const ex = cachedExchange();
    ex.row(BTC, 0, 100);
    const sweep = new CandleSweep();
    sweep.collect(ex, [[BTC, '1m']], {});
    ex.row(BTC, 0, 101, 2);
    ex.row(BTC, M, 102);
    expect(sweep.collect(ex, [[BTC, '1m']], {})).toEqual({
      [BTC]: { '1m': [[0, 101, 101, 101, 101, 2], [M, 102, 102, 102, 102, 1]] },
    });
    // Only what is newer than the row last handed over: not the whole cache.
    ex.row(BTC, 2 * M, 103);
    expect(sweep.collect(ex, [[BTC, '1m']], {})[BTC]!['1m']!.map((r) => r[0])).toEqual([M, 2 * M]);
  });

  it("passes an answer through for a pair ccxt keeps no cache of (the simulator, the thread's proxy), and changes neither input", () => {
    const ex = cachedExchange();
    ex.row(BTC, 0, 100);
    const answer = { [ETH]: { '1m': [[0, 10, 11, 9, 10.5, 7]] as OHLCV[] }, [BTC]: { '1m': [[0, 1, 1, 1, 1, 1]] as OHLCV[] } };
    const before = JSON.stringify(answer);
    const out = new CandleSweep().collect(ex, pairs, answer);
    // ETH: no cache, the answer's rows. BTC: cached, so from the cache (the answer is only the trigger).
    expect(out).toEqual({ [ETH]: { '1m': [[0, 10, 11, 9, 10.5, 7]] }, [BTC]: { '1m': [[0, 100, 100, 100, 100, 1]] } });
    expect(JSON.stringify(answer)).toBe(before);
    expect(out).not.toBe(answer);
    // An exchange without any cache (the proxy object): the answer as it is.
    expect(new CandleSweep().collect({}, pairs, answer)).toEqual(answer);
  });
});
