/**
 * A refused subscription (wsrefuse: SUBSCRIBE answered -1003, private dial HTTP 403) through an
 * unmodified ccxt.pro binanceusdm: the engine falls back to REST at freq, keeps retrying with
 * backoff (not a tight loop), notes the stream down, and recovers once the refusal ends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import { DEFAULT_SIM_API_KEY, DEFAULT_SIM_SECRET, startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { collectUnhandledRejections } from '../support/unhandled.js';
import { simServerUpdater } from '../support/streaming-rig.js';
import { until } from '../support/wait.js';

const BTC = 'BTC/USD:USD';

describe('a refused stream', () => {
  let server: SimServer | undefined;
  let updater: Updater | undefined;
  afterEach(async () => {
    await updater?.stop();
    await server?.close();
    updater = undefined;
    server = undefined;
  });

  it('wsrefuse on every path: no crash, REST polls at freq, retries back off, and the streams recover when it ends', async () => {
    // ccxt's user-stream watches start a positions snapshot no one awaits without watchPositions;
    // a refused dial rejects it, which would end the process (Node's default for an unhandled rejection).
    const unhandled = collectUnhandledRejections();
    server = await startSimServer({ port: 0, seed: 41, wsPushMs: 100 });
    server.faults.set('wsrefuse');
    updater = await Updater.fromConfig(
      {
        exchange: { id: 'binanceusdm', apiKey: '${K}', secret: '${S}', urls: { api: server.url }, options: { fetchCurrencies: false }, stream: 'on' },
        class_attributes: { watch_list: [BTC], last_price: {} },
        orders: { require_fresh_price: false },
        tasks: { t_update_tickers: { freq: 1 }, t_update_open_orders: { freq: 1 } },
      },
      { env: { K: DEFAULT_SIM_API_KEY, S: DEFAULT_SIM_SECRET }, clock: new SystemClock(), logger: silentLogger(), storagePath: ':memory:' },
    );
    await updater.start();
    const u = updater;
    const refusedAt = server.ws.counters.refused;
    await new Promise((r) => setTimeout(r, 3000));
    const refusedIn3s = server.ws.counters.refused - refusedAt;
    // Backoff 500 ms doubling: a handful of refusals per stream in 3 s, not hundreds.
    expect(refusedIn3s).toBeGreaterThan(0);
    expect(refusedIn3s).toBeLessThan(20);
    for (const s of u.streamStats()) expect(s.fresh).toBe(false);
    // The private dial refused: said as the exchange refusing the user-data stream, not only as ws's "Unexpected server response".
    expect(u.streamStats().find((s) => s.name === 'orders')?.lastError).toBe(
      "the exchange refused the user-data stream's websocket dial (private connection) with HTTP 403 (Unexpected server response: 403)",
    );
    // REST carries the prices at freq meanwhile.
    expect(u.state.meta('last_price')?.source).toMatch(/update_tickers/);
    expect(Date.now() - (u.state.meta('last_price')?.updatedAt ?? 0)).toBeLessThan(2500);
    server.faults.clear();
    await until(() => u.streamStats().every((s) => s.fresh), 40_000, 'every stream fresh after the refusal ends');
    await until(() => u.state.meta('last_price')?.source === 'ws', 5_000, 'prices by stream again');
    expect(unhandled).toEqual([]);
  }, 60_000);

  it.each(['worker', 'main'] as const)(
    'one refused SUBSCRIBE (market data on the %s thread) is subscribed again after the backoff, not after a stall',
    async (thread) => {
      server = await startSimServer({ port: 0, seed: 42, wsPushMs: 100 });
      const srv = server;
      updater = await simServerUpdater(srv, {
        tasks: { t_update_tickers: { freq: 1, stall_after_secs: 10 } },
        watchList: [BTC],
        exchange: { market_data_thread: thread },
        start: false,
      });
      srv.faults.set('wsrefuse:calls=1:path=market');
      const u = updater;
      await u.start();
      await until(() => srv.ws.counters.refused === 1, 10_000, 'the SUBSCRIBE refused');
      const refusedAt = Date.now();
      // ccxt keeps a refused subscription registered: on the same connection the next watch call
      // would send nothing and wait for the stall (10 s here). The connection is dropped instead.
      await until(() => u.streamStats()[0]?.fresh === true, 8_000, 'tickers fresh again');
      expect(Date.now() - refusedAt).toBeLessThan(5_000);
      expect(u.streamStats()[0]).toMatchObject({ stalls: 0, reconnects: 1 });
      expect(u.streamStats()[0]?.lastError).toContain('-1003');
    },
    30_000,
  );
});
