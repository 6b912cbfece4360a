/**
 * `misso_stream_last_message_age_seconds` is the age of the stream's last delivery: a stream
 * that stalls and resubscribes over and over without delivering keeps ageing, so an alert on
 * the age sees it (the watchdog's own silence timer restarts with each resubscription).
 */
import type { Exchange } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { StreamLoop } from '../../src/streams/stream-loop.js';
import type { Updater } from '../../src/engine/updater.js';
import { StatusMetrics } from '../../src/http/status-metrics.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

describe('stream last message age', () => {
  let updater: Updater | undefined;
  afterEach(async () => {
    await updater?.stop();
    updater = undefined;
  });

  it('keeps growing across stalls and resubscriptions that deliver nothing', async () => {
    const built = await virtualUpdater({
      exchange: { id: 'sim', seed: 13 },
      class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {} },
      tasks: { t_update_tickers: { freq: 5, stall_after_secs: 2 } },
    });
    updater = built.updater;
    const { clock } = built;
    const u = built.updater;
    await startVirtual(u, clock);
    await clock.advanceUntil(() => u.streamStats()[0]?.fresh === true, 30_000);
    (u.session as unknown as { instance: SimExchange }).instance.setKnobs({ silent_streams: ['tickers'] });
    const silencedAt = clock.now();
    await clock.advance(30_000);
    const stats = u.streamStats()[0]!;
    expect(stats.stalls).toBeGreaterThanOrEqual(2);
    expect(stats.lastMessageAt).not.toBeNull();
    expect(stats.lastMessageAt!).toBeLessThanOrEqual(silencedAt);
    const metrics = new StatusMetrics({ processMetrics: false });
    metrics.update(u.snapshotStatus(), true);
    const age = /misso_stream_last_message_age_seconds\{stream="tickers"\} ([\d.]+)/.exec(await metrics.render());
    expect(Number(age?.[1])).toBeGreaterThanOrEqual(30);
  });

  it('a backoff longer than the stall limit does not make the first check after it a stall', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const stop = new AbortController();
    let calls = 0;
    const loop = new StreamLoop<number>(
      {
        name: 'test',
        watch: async () => {
          calls++;
          // A delivery, then failures whose backoff (up to 8 s) passes the 2 s limit, then
          // deliveries 1 s after each subscription.
          if (calls === 1) return 1;
          if (calls <= 5) throw new Error('refused');
          await clock.sleep(1_000);
          return calls;
        },
        apply: () => undefined,
        ownsClient: () => false,
      },
      2_000,
      { clock, logger: silentLogger(), exchange: () => ({}) as Exchange, notify: () => undefined, teardown: async () => undefined, isConnected: () => false, baseBackoffMs: 500, maxBackoffMs: 8_000 },
    );
    const running = loop.run(stop.signal);
    await clock.advanceUntil(() => calls >= 8, 60_000, 50);
    expect(loop.stats.stalls).toBe(0);
    expect(loop.healthy).toBe(true);
    stop.abort();
    // The watch under way ends with its own sleep.
    await clock.advance(1_000);
    await running;
  });
});
