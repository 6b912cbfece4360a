/**
 * A stream's lag behind the exchange (receipt − event time − the known clock offset), and its
 * silence counted from the exchange's event time: a feed whose deliveries keep arriving but
 * behind by more than `stall_after_secs` is stalled like a silent one, with a cause that says it
 * is behind; one on time never is; a user stream is stalled by a late delivery once, not for
 * good. Virtual time; the source keeps ccxt.pro's contract (a message resolves only a watch call
 * already waiting, the next call answers with what was cached since).
 */
import type { Exchange } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { StreamLoop, type StreamSpec } from '../../src/streams/stream-loop.js';
import { newestTime } from '../../src/streams/stream-lag.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

/** A delivery: the exchange's event time of each update in it (the exchange's clock). */
type Batch = { event?: number }[];

class Feed {
  readonly exchange = {} as Exchange;
  #cache: Batch = [];
  #waiting: { resolve: (b: Batch) => void; reject: (e: Error) => void } | null = null;

  watch(): Promise<Batch> {
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  push(...updates: Batch): void {
    this.#cache.push(...updates);
    const waiting = this.#waiting;
    if (!waiting) return;
    this.#waiting = null;
    const batch = this.#cache;
    this.#cache = [];
    waiting.resolve(batch);
  }

  drop(): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.reject(new Error('connection dropped'));
  }
}

const LIMIT_MS = 4_000;

function laggedLoop(clock: VirtualClock, feed: Feed, options: { spec?: Partial<StreamSpec<Batch>>; clockOffsetMs?: number } = {}) {
  const stalls: { at: number; text: string }[] = [];
  let gapFills = 0;
  const loop = new StreamLoop<Batch>(
    {
      name: 'tickers',
      watch: () => feed.watch(),
      apply: () => undefined,
      eventTime: (batch) => newestTime(batch, (u) => u.event),
      ownsClient: () => true,
      gapFill: async () => {
        gapFills++;
      },
      ...options.spec,
    },
    LIMIT_MS,
    {
      clock,
      logger: silentLogger(),
      exchange: () => feed.exchange,
      notify: (text) => {
        if (text.includes('stalled')) stalls.push({ at: clock.now(), text });
      },
      teardown: async () => feed.drop(),
      isConnected: () => true,
      ...(options.clockOffsetMs !== undefined ? { clockOffsetMs: () => options.clockOffsetMs! } : {}),
      baseBackoffMs: 500,
      maxBackoffMs: 500,
    },
  );
  return { loop, stalls, gapFills: () => gapFills };
}

/** Pushes one update a second for `ms`, each `behindMs` old on the exchange's clock (which reads `offsetMs` behind this one). */
async function deliver(clock: VirtualClock, feed: Feed, ms: number, behindMs: number, offsetMs = 0): Promise<void> {
  for (let t = 0; t < ms; t += 1_000) {
    feed.push({ event: clock.now() - offsetMs - behindMs });
    await clock.advance(1_000);
  }
}

describe('stream lag', () => {
  it('a feed on time is never stalled, and its lag is 0', async () => {
    const clock = new VirtualClock();
    const feed = new Feed();
    const { loop, stalls } = laggedLoop(clock, feed);
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await deliver(clock, feed, 10 * LIMIT_MS, 0);
    expect(stalls).toEqual([]);
    expect(loop.stats).toMatchObject({ stalls: 0, lagMs: 0, maxLagMs: 0, fresh: true });
    expect(loop.healthy).toBe(true);
    stop.abort();
    feed.drop();
    await running;
  });

  it('a feed that keeps arriving but behind by more than the limit is stalled within the limit plus a second, with a cause that says it is behind', async () => {
    const clock = new VirtualClock();
    const feed = new Feed();
    const { loop, stalls } = laggedLoop(clock, feed);
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await deliver(clock, feed, 3 * LIMIT_MS, 500);
    expect(stalls).toEqual([]);
    expect(loop.stats.lagMs).toBe(500);
    // From now on every update is 1.5 limits old when it arrives: messages keep coming each second.
    const behindFrom = clock.now();
    await deliver(clock, feed, LIMIT_MS + 1_000, 1.5 * LIMIT_MS);
    expect(stalls.length).toBeGreaterThanOrEqual(1);
    expect(stalls[0]!.at - behindFrom).toBeLessThanOrEqual(LIMIT_MS + 1_000);
    expect(stalls[0]!.text).toContain("messages arrive 6.0s behind the exchange's clock");
    expect(loop.stats.lastError).toContain('behind the exchange');
    expect(loop.stats.lagMs).toBe(1.5 * LIMIT_MS);
    expect(loop.stats.maxLagMs).toBe(1.5 * LIMIT_MS);
    stop.abort();
    feed.drop();
    await running;
  });

  it('is not healthy while its newest event is older than the limit, though messages keep arriving', async () => {
    const clock = new VirtualClock();
    const feed = new Feed();
    const { loop } = laggedLoop(clock, feed);
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await deliver(clock, feed, 2_000, 0);
    expect(loop.healthy).toBe(true);
    // Between two watchdog checks: the loop itself says it is not to be trusted.
    await deliver(clock, feed, LIMIT_MS + 500, 2 * LIMIT_MS);
    expect(loop.healthy).toBe(false);
    stop.abort();
    feed.drop();
    await running;
  });

  it('keeps the last lag and the largest of the last minute', async () => {
    const clock = new VirtualClock();
    const feed = new Feed();
    const { loop } = laggedLoop(clock, feed, { spec: { name: 'orders', isStalled: () => false, readyWithoutData: true } });
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await clock.advance(100);
    expect(loop.stats).toMatchObject({ lagMs: null, maxLagMs: null });
    await deliver(clock, feed, 1_000, 3_000);
    await deliver(clock, feed, 5_000, 1_000);
    expect(loop.stats).toMatchObject({ lagMs: 1_000, maxLagMs: 3_000 });
    // The 3 s delivery leaves the window a minute after it came.
    await deliver(clock, feed, 60_000, 1_000);
    expect(loop.stats).toMatchObject({ lagMs: 1_000, maxLagMs: 1_000 });
    // Nothing for a minute: no largest lag of the last minute, the last one stays.
    await clock.advance(61_000);
    expect(loop.stats).toMatchObject({ lagMs: 1_000, maxLagMs: null });
    expect(loop.stats.stalls).toBe(0);
    stop.abort();
    feed.drop();
    await running;
  });

  it("takes the known clock offset off: a host clock ahead of the exchange's is no lag", async () => {
    const clock = new VirtualClock();
    const feed = new Feed();
    // This machine's clock reads 1.5 limits ahead of the exchange's; ccxt measured it.
    const offsetMs = 1.5 * LIMIT_MS;
    const { loop, stalls } = laggedLoop(clock, feed, { clockOffsetMs: offsetMs });
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await deliver(clock, feed, 10 * LIMIT_MS, 200, offsetMs);
    expect(stalls).toEqual([]);
    expect(loop.stats.lagMs).toBe(200);
    stop.abort();
    feed.drop();
    await running;
  });

  it('takes no event for newer than its arrival: a lag below 0 is 0, and silence counts from the arrival', async () => {
    const clock = new VirtualClock();
    const feed = new Feed();
    const { loop, stalls } = laggedLoop(clock, feed);
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    // The exchange's clock 30 s ahead, not known: its events look 30 s in the future.
    await deliver(clock, feed, 2_000, -30_000);
    expect(loop.stats.lagMs).toBe(0);
    const last = clock.now() - 1_000;
    await clock.advanceUntil(() => stalls.length > 0, 3 * LIMIT_MS, 10);
    expect(stalls[0]!.at - last).toBeLessThanOrEqual(LIMIT_MS + 1_000);
    expect(stalls[0]!.text).toContain('silent for 4.0s');
    stop.abort();
    feed.drop();
    await running;
  });

  describe('a user stream (quiet for hours, judged by its own rules)', () => {
    const userSpec: Partial<StreamSpec<Batch>> = { name: 'trades', isStalled: () => false, readyWithoutData: true };

    it('is stalled once by an update that arrives behind by more than the limit; quiet after its resubscription, it stays up', async () => {
      const clock = new VirtualClock();
      const feed = new Feed();
      const { loop, stalls, gapFills } = laggedLoop(clock, feed, { spec: userSpec });
      const stop = new AbortController();
      const running = loop.run(stop.signal);
      await clock.advance(10 * LIMIT_MS);
      expect(gapFills()).toBe(1);
      feed.push({ event: clock.now() - 2 * LIMIT_MS });
      const lateAt = clock.now();
      await clock.advanceUntil(() => stalls.length > 0, 2_000, 10);
      expect(stalls[0]!.at - lateAt).toBeLessThanOrEqual(1_000);
      expect(stalls[0]!.text).toContain("messages arrive 8.0s behind the exchange's clock");
      // Resubscribed and gap filled; then hours of quiet, as a quiet account has.
      await clock.advance(60 * LIMIT_MS);
      expect(gapFills()).toBe(2);
      expect(loop.stats.stalls).toBe(1);
      expect(loop.healthy).toBe(true);
      stop.abort();
      feed.drop();
      await running;
    });

    it('an update on time right after a late one clears it: no stall', async () => {
      const clock = new VirtualClock();
      const feed = new Feed();
      const { loop, stalls } = laggedLoop(clock, feed, { spec: userSpec });
      const stop = new AbortController();
      const running = loop.run(stop.signal);
      await clock.advance(10 * LIMIT_MS + 300);
      feed.push({ event: clock.now() - 2 * LIMIT_MS });
      await clock.advance(10);
      feed.push({ event: clock.now() });
      await clock.advance(10 * LIMIT_MS);
      expect(stalls).toEqual([]);
      expect(loop.stats).toMatchObject({ stalls: 0, lagMs: 0, maxLagMs: 2 * LIMIT_MS });
      stop.abort();
      feed.drop();
      await running;
    });
  });

  it("an order's update is dated by the update, not by when the order was placed: a resting order canceled an hour on is no lag", async () => {
    const built = await virtualUpdater({
      exchange: { id: 'sim', seed: 11 },
      class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {} },
      orders: { require_fresh_price: false },
      tasks: { t_update_tickers: { freq: 10 }, t_execute_orders: {}, t_update_open_orders: { freq: 120, stall_after_secs: 5 }, t_get_open_orders: { freq: 120 } },
    });
    const { updater: u, clock } = built;
    try {
      await startVirtual(u, clock);
      const orders = () => u.streamStats().find((st) => st.name === 'orders')!;
      await clock.advanceUntil(() => u.streamStats().every((st) => st.fresh) && u.state.get<Record<string, number>>('last_price')['BTC/USD:USD'] !== undefined, 30_000);
      const price = Math.round(u.state.get<Record<string, number>>('last_price')['BTC/USD:USD']! * 0.5);
      const buy = u.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price });
      await clock.advanceUntil(() => buy.status === 'open' && orders().lagMs !== null, 30_000);
      await clock.advance(3_600_000);
      const venue = (u.session as unknown as { instance: SimExchange }).instance.getVenue();
      venue.cancelOrder({ clientOrderId: buy.clientOrderId });
      await clock.advanceUntil(() => buy.status === 'canceled', 30_000);
      await clock.advance(10_000);
      expect(orders()).toMatchObject({ lagMs: 0, stalls: 0 });
    } finally {
      await u.stop();
    }
  });
});
