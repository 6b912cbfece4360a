/**
 * The candles stream keeps every symbol of a long watch list fresh, not only the first of each
 * socket read. ccxt.pro's `watchOHLCVForSymbols` answers a waiting call with one symbol's kline;
 * the rest of the read lands only in ccxt's own cache (`exchange.ohlcvs`), which the stream reads
 * after each answer. Against `misso sim-server` through an unmodified ccxt.pro binanceusdm, on
 * the market-data thread and on the engine's own.
 */
import { describe, expect, it } from 'vitest';
import type { OHLCV } from 'ccxt';
import { startSimServer } from '../../src/sim/http/binance-server.js';
import { STEP_MS } from '../../src/sim/price-path.js';
import { universeOf } from '../../src/sim/universe.js';
import { SimVenue } from '../../src/sim/venue.js';
import { jumpingClock } from '../support/jumping-clock.js';
import { simServerUpdater, stoppedAfterEach } from '../support/streaming-rig.js';
import { until } from '../support/wait.js';

const SEED = 23;
const SYMBOLS = 24;

describe('candles stream over many symbols (sim-server, ccxt.pro binanceusdm)', () => {
  const held = stoppedAfterEach();

  it.each(['worker', 'main'] as const)('every symbol of a %s-thread watch list follows a price step by stream, with no REST read', async (thread) => {
    const clock = jumpingClock();
    const venue = new SimVenue({ seed: SEED, clock, markets: universeOf(40, SEED) });
    const srv = (held.server = await startSimServer({ port: 0, seed: SEED, wsPushMs: 100, venue }));
    const symbols = venue.listMarkets().filter((m) => m.type === 'swap').slice(0, SYMBOLS).map((m) => m.symbol);
    expect(symbols).toHaveLength(SYMBOLS);
    const u = (held.updater = await simServerUpdater(srv, {
      watchList: symbols,
      exchange: { market_data_thread: thread },
      tasks: { t_update_candles: { freq: 120, timeframe: '1m', limit: 5 } },
    }));
    const ohlcs = () => u.state.get<Record<string, OHLCV[]> | null>('ohlcs') ?? {};
    await until(() => symbols.every((s) => (ohlcs()[s]?.length ?? 0) > 0) && u.streamStats().every((s) => s.fresh), 10_000, 'windows filled and the stream fresh');
    const klineReads = (): number => srv.counters.snapshot().requests['GET /fapi/v1/klines'] ?? 0;
    const readsBefore = klineReads();
    const before = new Map(symbols.map((s) => [s, ohlcs()[s]!.at(-1)!.slice(0, 5)]));

    clock.jump(STEP_MS);
    const venueRow = (s: string): number[] => venue.candles(s, '1m', undefined, 1)[0]!.slice(0, 5);
    // The step moved (nearly) every market: otherwise the check below would prove nothing.
    const moved = symbols.filter((s) => JSON.stringify(venueRow(s)) !== JSON.stringify(before.get(s)));
    expect(moved.length).toBeGreaterThanOrEqual(SYMBOLS - 2);
    const behind = (): string[] => symbols.filter((s) => JSON.stringify(ohlcs()[s]?.at(-1)?.slice(0, 5)) !== JSON.stringify(venueRow(s)));
    await until(() => behind().length === 0, 5_000, () => `every window at the venue's candle (behind: ${behind().join(', ')})`);
    expect(klineReads()).toBe(readsBefore);
    expect(u.state.meta('ohlcs')?.source).toBe('ws');
  });
});
