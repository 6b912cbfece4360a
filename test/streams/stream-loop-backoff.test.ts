/**
 * A failing stream reconnects after the shared backoff's delays (base doubling to the cap, the
 * `core/backoff.ts` helper) and starts over from the base once a connection proved itself: a
 * delivery after its first one, or, for a stream that is ready without data (a user stream, quiet
 * for hours), a connection that outlived the longest delay. Not at a connection's first delivery.
 * Virtual time; the watch call stands in for an exchange whose websocket keeps failing.
 */
import type { Exchange } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { StreamLoop, type StreamLoopDeps } from '../../src/streams/stream-loop.js';

/** The loop's hooks: one session throughout (the same exchange object on every call, as the engine's), 0.5 s doubling to 4 s. */
function deps(clock: VirtualClock, isConnected: () => boolean): StreamLoopDeps {
  const exchange = {} as Exchange;
  return {
    clock, logger: silentLogger(), exchange: () => exchange, notify: () => undefined, teardown: async () => undefined, isConnected,
    baseBackoffMs: 500, maxBackoffMs: 4_000,
  };
}

describe('stream loop backoff', () => {
  it('waits 500, 1000, 2000, 4000, 4000 ms between failing watches; a delivery on a connection that dropped at once does not start it over', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const start = clock.now();
    const calls: number[] = [];
    // Calls 1–5 fail, 6 delivers, 7 fails, 8 delivers, then the stream stays quiet.
    const outcome = (n: number): 'fail' | 'data' | 'quiet' => (n <= 5 || n === 7 ? 'fail' : n === 6 || n === 8 ? 'data' : 'quiet');
    const applied: number[] = [];
    const stop = new AbortController();
    const loop = new StreamLoop<number>(
      {
        name: 'test',
        watch: () => {
          calls.push(clock.now() - start);
          const kind = outcome(calls.length);
          if (kind === 'fail') return Promise.reject(new Error('socket closed'));
          if (kind === 'data') return Promise.resolve(calls.length);
          // Quiet until the engine closes the exchange, which rejects pending watches.
          return new Promise<number>((_, reject) => stop.signal.addEventListener('abort', () => reject(new Error('closed'))));
        },
        apply: (n) => applied.push(n),
        ownsClient: () => false,
      },
      3_600_000,
      deps(clock, () => false),
    );
    const running = loop.run(stop.signal);
    await clock.advanceUntil(() => calls.length >= 9, 60_000, 50);
    const gaps = calls.slice(1).map((t, i) => t - calls[i]!);
    expect(gaps.slice(0, 5)).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    // After the delivery (call 6) the next watch follows at once; its failure, on a connection
    // that delivered once and dropped, waits the longest delay still (a server that drops each
    // connection after its first message is not dialled once a second).
    expect(gaps[5]).toBe(0);
    expect(gaps[6]).toBe(4_000);
    expect(applied).toEqual([6, 8]);
    expect(loop.stats.reconnects).toBe(6);
    stop.abort();
    await running;
  });

  it('a server that drops each connection right after its first message: the dials slow to the longest delay; a connection that held starts it over', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const start = clock.now();
    // How long each connection keeps delivering (a message every 100 ms from its start) before its socket fails.
    const lives = [150, 150, 150, 150, 150, 150, 10_000, 150, 150];
    const opened: number[] = [];
    const failed: number[] = [];
    let connection = 0;
    let bornAt = 0;
    const stop = new AbortController();
    const loop = new StreamLoop<number>(
      {
        name: 'tickers',
        watch: () => {
          // A watch call re-armed on the same connection continues it; one after a failure opens the next.
          if (opened.length === failed.length) {
            opened.push(clock.now() - start);
            bornAt = clock.now();
            connection = opened.length;
          }
          const life = lives[connection - 1] ?? 3_600_000;
          return clock.sleep(100, stop.signal).then(() => {
            if (clock.now() - bornAt < life) return connection;
            failed.push(clock.now() - start);
            throw new Error('socket closed');
          });
        },
        apply: () => undefined,
        ownsClient: () => false,
      },
      3_600_000,
      deps(clock, () => true),
    );
    const running = loop.run(stop.signal);
    await clock.advanceUntil(() => opened.length >= lives.length + 1, 600_000, 50);
    const waits = opened.slice(1).map((t, i) => t - failed[i]!);
    // Each short connection delivered once: the delay grows to the cap and stays there. The one
    // that held 10 s (past the 4 s cap) starts it over from the base.
    expect(waits).toEqual([500, 1_000, 2_000, 4_000, 4_000, 4_000, 500, 1_000, 2_000]);
    // One message on each short connection, about a hundred on the long one.
    expect(loop.stats.messages).toBeGreaterThan(lives.length + 90);
    stop.abort();
    await running;
  });

  it('starts over from the base after a quiet user stream lived past the longest delay, not after a short-lived one', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const start = clock.now();
    // How long each connection lives before its socket fails; none ever delivers.
    const lives = [100, 100, 100, 100, 60_000, 100, 100];
    const opened: number[] = [];
    const failed: number[] = [];
    let live = false;
    const stop = new AbortController();
    const loop = new StreamLoop<number>(
      {
        name: 'orders',
        readyWithoutData: true,
        watch: () => {
          opened.push(clock.now() - start);
          live = true;
          const life = lives[opened.length - 1] ?? 3_600_000;
          return new Promise<number>((_, reject) => {
            void clock.sleep(life, stop.signal).then(() => {
              live = false;
              failed.push(clock.now() - start);
              reject(new Error('socket closed'));
            });
          });
        },
        apply: () => undefined,
        ownsClient: () => false,
      },
      3_600_000,
      deps(clock, () => live),
    );
    const running = loop.run(stop.signal);
    await clock.advanceUntil(() => opened.length >= lives.length + 1, 600_000, 50);
    const waits = opened.slice(1).map((t, i) => t - failed[i]!);
    // Four short lives: the delay grows to the cap. The fifth lived 60 s (past the 4 s cap): the
    // next wait is the base again, and the short ones after it grow from there.
    expect(waits).toEqual([500, 1_000, 2_000, 4_000, 500, 1_000, 2_000]);
    expect(loop.stats.reconnects).toBe(lives.length);
    stop.abort();
    await running;
  });

  it('a rebuilt session ends the backoff under way: the stream tries again at once, then from the base', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const start = clock.now();
    const calls: number[] = [];
    const stop = new AbortController();
    const loop = new StreamLoop<number>(
      {
        name: 'test',
        watch: () => {
          calls.push(clock.now() - start);
          return Promise.reject(new Error('socket closed'));
        },
        apply: () => undefined,
        ownsClient: () => false,
      },
      3_600_000,
      deps(clock, () => false),
    );
    const running = loop.run(stop.signal);
    // Fails at 0, 500, 1500, 3500, 7500: then it sleeps out the 4 s cap.
    await clock.advanceUntil(() => calls.length >= 5, 60_000, 50);
    await clock.advance(1_000);
    loop.wake();
    await clock.advanceUntil(() => calls.length >= 7, 60_000, 50);
    const gaps = calls.slice(1).map((t, i) => t - calls[i]!);
    expect(gaps.slice(0, 4)).toEqual([500, 1_000, 2_000, 4_000]);
    // Woken 1 s into the 4 s wait (within the 50 ms step it landed in), then the base again.
    expect(gaps[4]).toBeGreaterThanOrEqual(1_000);
    expect(gaps[4]).toBeLessThan(1_100);
    expect(gaps[5]).toBe(500);
    // A wake while nothing backs off changes nothing.
    loop.wake();
    stop.abort();
    await running;
  });
});
