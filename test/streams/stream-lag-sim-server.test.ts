/**
 * A stream's lag behind the exchange against misso sim-server through an unmodified ccxt.pro
 * binanceusdm, the tickers on the market-data thread (the default): under `wsdelay` below the
 * stall limit the lag shows the delay (in StreamStats, `/status` and `/metrics`, and as the age of
 * the streamed price in state) and the stream stays up; raised past the limit while messages keep flowing (no gap as long as the limit), the
 * stream is stalled as behind the exchange, which a stream judged by when its messages arrive
 * never noticed. Real time, a 3 s limit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import { StatusMetrics } from '../../src/http/status-metrics.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import type { StreamStats } from '../../src/streams/stream-loop.js';
import { simServerUpdater } from '../support/streaming-rig.js';
import { CollectingNotifier } from '../support/virtual-updater.js';
import { until } from '../support/wait.js';

const ETH = 'ETH/USD:USD';
const LIMIT_MS = 3_000;
/** Below the limit, with room for the push period and a loaded machine. */
const BELOW_MS = 1_200;
/** Past the limit; raised from {@link BELOW_MS}, the messages pause 2.2 s, less than the limit. */
const ABOVE_MS = 3_400;

describe('stream lag against sim-server (wsdelay)', () => {
  let server: SimServer | undefined;
  let updater: Updater | undefined;
  afterEach(async () => {
    await updater?.stop();
    await server?.close();
    updater = undefined;
    server = undefined;
  });

  it('below the limit the lag shows the delay and the stream stays up; past it, with messages flowing, the stream is stalled as behind', async () => {
    server = await startSimServer({ port: 0, seed: 71, wsPushMs: 100 });
    server.faults.set(`wsdelay:${BELOW_MS}`);
    const notifier = new CollectingNotifier();
    updater = await simServerUpdater(server, {
      tasks: {
        t_update_tickers: { freq: 120, stall_after_secs: LIMIT_MS / 1000 },
        t_execute_orders: {},
        t_update_open_orders: { freq: 120 },
        t_update_fills: { freq: 120 },
        t_update_balance: { freq: 120 },
        t_get_open_positions: { freq: 120 },
      },
      notifier,
    });
    const u = updater;
    const stream = (name: string): StreamStats => u.streamStats().find((s) => s.name === name)!;
    // The market-data thread loads ccxt and the sources (tsx) first: slow on a loaded machine.
    await until(() => u.streamStats().length === 5 && u.streamStats().every((s) => s.fresh), 20_000, () => `streams fresh: ${JSON.stringify(u.streamStats())}`);
    await until(() => (stream('tickers').lagMs ?? 0) >= BELOW_MS - 100, 5_000, 'the tickers lag at the delay');

    // Held for longer than the limit: the lag stays at the delay, the stream up.
    const lags: number[] = [];
    for (let t = 0; t < LIMIT_MS + 1_000; t += 100) {
      lags.push(stream('tickers').lagMs!);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(Math.min(...lags)).toBeGreaterThanOrEqual(BELOW_MS - 100);
    expect(Math.max(...lags)).toBeLessThan(BELOW_MS + 800);
    expect(stream('tickers')).toMatchObject({ stalls: 0, phase: 'up', fresh: true });
    expect(stream('tickers').maxLagMs).toBeGreaterThanOrEqual(stream('tickers').lagMs!);
    // The streamed price is dated by its event: its age in state is the delay, not the time since it arrived.
    const priceAge = Date.now() - u.state.keyUpdatedAt('last_price', ETH)!;
    expect(priceAge).toBeGreaterThanOrEqual(BELOW_MS - 100);
    expect(priceAge).toBeLessThan(BELOW_MS + 800);

    // A fill's order update, trade, balance and positions on the user stream arrive as late (each
    // by the event time ccxt's binanceusdm gives it: the balance's only in its raw frame).
    u.pendingOrders.push({ symbol: ETH, side: 'buy', amount: 0.1, tag: 'taker' });
    const user = ['orders', 'trades', 'balance', 'positions'];
    await until(() => user.every((name) => stream(name).lagMs !== null), 5_000, () => `the fill on the user streams: ${JSON.stringify(u.streamStats())}`);
    for (const name of user) {
      expect(stream(name).lagMs, name).toBeGreaterThanOrEqual(BELOW_MS - 100);
      expect(stream(name).lagMs, name).toBeLessThan(BELOW_MS + 800);
    }

    // What /status and /metrics show.
    const status = u.snapshotStatus().streams!.find((s) => s.name === 'tickers')!;
    expect(status.up).toBe(true);
    expect(status.lagMs).toBeGreaterThanOrEqual(BELOW_MS - 100);
    expect(status.maxLagMs).toBeGreaterThanOrEqual(status.lagMs!);
    const metrics = new StatusMetrics({ processMetrics: false });
    metrics.update(u.snapshotStatus(), true);
    const text = await metrics.render();
    const gauge = /misso_stream_lag_seconds\{stream="tickers"\} ([\d.]+)/.exec(text);
    expect(Number(gauge?.[1])).toBeGreaterThanOrEqual((BELOW_MS - 100) / 1000);
    expect(Number(gauge?.[1])).toBeLessThan((BELOW_MS + 800) / 1000);
    expect(text).toMatch(/misso_stream_lag_max_seconds\{stream="tickers"\} [\d.]+/);
    expect(text).toMatch(/misso_stream_lag_seconds\{stream="orders"\} [\d.]+/);

    // Past the limit: the messages pause for less than the limit, then flow again, each late.
    server.faults.set(`wsdelay:${ABOVE_MS}`);
    const raisedAt = Date.now();
    await until(() => stream('tickers').stalls > 0, LIMIT_MS + 3_000, 'the tickers stream stalled');
    // Its newest event was from about when the delay was raised: the limit, one watchdog check, and a loaded machine's slack.
    expect(Date.now() - raisedAt).toBeLessThan(LIMIT_MS + 1_000 + 1_000);
    expect(stream('tickers').lastError).toContain("behind the exchange's clock");
    const told = notifier.texts().find((t) => t.includes('stream tickers stalled'));
    expect(told).toContain("behind the exchange's clock");
  }, 60_000);
});
