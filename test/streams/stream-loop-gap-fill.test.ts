/**
 * Deliveries that land while the loop is busy (a slow gap fill's REST, applying a batch) are not
 * left waiting for some later message. The source keeps ccxt.pro's contract: a message resolves
 * only a watch call already waiting (ccxt's `client.resolve` drops it otherwise), and the next
 * call answers with every update cached since the last answer (`newUpdates`). Virtual time.
 */
import type { Exchange } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { StreamLoop, type StreamSpec } from '../../src/streams/stream-loop.js';

/** A user stream with ccxt.pro's delivery rules. */
class CcxtLikeSource {
  #cache: string[] = [];
  #waiting: ((batch: string[]) => void) | null = null;

  /** Async, as ccxt's watch methods are: the answer reaches the caller some promise jobs after `push`. */
  async watch(): Promise<string[]> {
    return await new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  push(update: string): void {
    this.#cache.push(update);
    const waiting = this.#waiting;
    if (!waiting) return; // nobody waits: the update stays cached, nothing is resolved
    this.#waiting = null;
    const batch = this.#cache;
    this.#cache = [];
    waiting(batch);
  }
}

/** Two websocket messages are two macrotasks: the promise jobs of the first all run before the second. */
async function nextMessage(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** A merging user stream (the trades stream's shape) on `source`, recording each apply. */
function mergingLoop(clock: VirtualClock, source: CcxtLikeSource, extra: Partial<StreamSpec<string[]>> = {}) {
  const applied: string[][] = [];
  const exchange = {} as Exchange;
  const loop = new StreamLoop<string[]>(
    {
      name: 'trades',
      watch: () => source.watch(),
      merge: (deliveries) => deliveries.flat(),
      apply: (batch) => applied.push(batch),
      ownsClient: () => false,
      ...extra,
    },
    3_600_000,
    { clock, logger: silentLogger(), exchange: () => exchange, notify: () => undefined, teardown: async () => undefined, isConnected: () => true },
  );
  return { loop, applied, exchange };
}

describe('stream loop: deliveries during a gap fill', () => {
  it("a market stream's first delivery came before its gap fill's REST read: applied before it, so the newer REST answer stays; what lands during the fill goes after", async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const source = new CcxtLikeSource();
    const exchange = {} as Exchange;
    // One candle as state holds it: the stream's rows and the REST fill write the same place.
    const writes: string[] = [];
    let gapFills = 0;
    const stop = new AbortController();
    const loop = new StreamLoop<string[]>(
      {
        name: 'candles',
        watch: () => source.watch(),
        apply: (batch) => writes.push(...batch),
        gapFill: async () => {
          gapFills++;
          await clock.sleep(2_000);
          // The REST read, after the first delivery arrived: the candle as it stands now.
          writes.push('rest: final');
          source.push('ws: during the fill');
          await nextMessage();
        },
        ownsClient: () => false,
      },
      3_600_000,
      { clock, logger: silentLogger(), exchange: () => exchange, notify: () => undefined, teardown: async () => undefined, isConnected: () => true },
    );
    const running = loop.run(stop.signal);
    await nextMessage();
    source.push('ws: before the fill');
    await clock.advanceUntil(() => gapFills === 1, 1_000, 10);
    await clock.advance(3_000);
    expect(writes).toEqual(['ws: before the fill', 'rest: final', 'ws: during the fill']);
    stop.abort();
    source.push('closed');
    await running;
  });

  it('applies a burst that landed during a slow gap fill at once, without waiting for another message', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const source = new CcxtLikeSource();
    const exchange = {} as Exchange;
    const applied: string[] = [];
    let gapFills = 0;
    const stop = new AbortController();
    const loop = new StreamLoop<string[]>(
      {
        name: 'orders',
        watch: () => source.watch(),
        apply: (batch) => applied.push(...batch),
        // The REST gap fill takes 10 s (a busy budget); the exchange keeps pushing meanwhile.
        gapFill: async () => {
          gapFills++;
          source.push('NEW a');
          await clock.sleep(5_000);
          source.push('TRADE a');
          await nextMessage();
          source.push('FILLED a');
          await clock.sleep(5_000);
        },
        ownsClient: () => false,
        readyWithoutData: true,
      },
      3_600_000,
      {
        clock,
        logger: silentLogger(),
        exchange: () => exchange,
        notify: () => undefined,
        teardown: async () => undefined,
        isConnected: () => true,
      },
    );
    const running = loop.run(stop.signal);
    await clock.advanceUntil(() => gapFills === 1, 1_000, 10);
    await clock.advance(10_000);
    // No further message arrives: what came during the fill must already be applied.
    await clock.advanceUntil(() => applied.length === 3, 1_000, 10);
    expect(applied).toEqual(['NEW a', 'TRADE a', 'FILLED a']);
    expect(loop.stats.phase).toBe('up');
    stop.abort();
    source.push('closed');
    await running;
  });

  it('applies the deliveries queued meanwhile as one when the stream can merge them (one journal transaction for a burst)', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const source = new CcxtLikeSource();
    let gapFills = 0;
    const stop = new AbortController();
    const { loop, applied } = mergingLoop(clock, source, {
      gapFill: async () => {
        gapFills++;
        for (const update of ['TRADE 1', 'TRADE 2', 'TRADE 3']) {
          source.push(update);
          await nextMessage();
        }
        await clock.sleep(1_000);
      },
      readyWithoutData: true,
    });
    const running = loop.run(stop.signal);
    await clock.advanceUntil(() => gapFills === 1, 1_000, 10);
    await clock.advanceUntil(() => applied.length > 0, 1_000, 10);
    // Three messages, three deliveries queued by the pump, one apply.
    expect(loop.stats.messages).toBe(3);
    expect(applied).toEqual([['TRADE 1', 'TRADE 2', 'TRADE 3']]);
    stop.abort();
    source.push('closed');
    await running;
  });

  it('interrupted between two watch calls (the connection dropped by the frame after an update): applies the update, then reconnects and fills the gap', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const source = new CcxtLikeSource();
    let gapFills = 0;
    const stop = new AbortController();
    const { loop, applied, exchange } = mergingLoop(clock, source, {
      gapFill: async () => {
        gapFills++;
      },
      readyWithoutData: true,
    });
    const running = loop.run(stop.signal);
    await clock.advanceUntil(() => gapFills === 1 && loop.stats.phase === 'up', 1_000, 10);
    // One read: an update answers the waiting call, and the next frame drops the connection before
    // the pump has armed its next call, so no rejection reaches the loop; the owner tells it.
    // A frame from an instance the loop has left is not about its connection.
    loop.interrupt(new Error('old instance'), {} as Exchange);
    await clock.advance(1_000);
    expect(loop.stats).toMatchObject({ reconnects: 0, phase: 'up' });
    source.push('CANCELED a');
    loop.interrupt(new Error('listenKey expired'), exchange);
    await clock.advanceUntil(() => gapFills === 2, 5_000, 10);
    expect(applied).toEqual([['CANCELED a']]);
    expect(loop.stats).toMatchObject({ reconnects: 1, lastError: 'listenKey expired', phase: 'up' });
    stop.abort();
    source.push('closed');
    await running;
  });

  it('applies what one socket read carried at once, without waiting for the next read', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const source = new CcxtLikeSource();
    const stop = new AbortController();
    const { loop, applied } = mergingLoop(clock, source);
    const running = loop.run(stop.signal);
    await clock.advance(10);
    // One read carries the first fill; the rest come a loop turn later (each message its own
    // macrotask, as a websocket's are). Waiting for them would put that turn's other reads (another
    // connection's market data) ahead of the first fill.
    let appliedBeforeNextRead: unknown[] | undefined;
    const nextTurn = (fn: () => void): void => void setImmediate(() => setImmediate(fn));
    source.push('TRADE 1');
    nextTurn(() => {
      appliedBeforeNextRead = applied.map((a) => [...a]);
      source.push('TRADE 2');
    });
    await clock.advanceUntil(() => applied.flat().length === 2, 1_000, 10);
    expect(appliedBeforeNextRead).toEqual([['TRADE 1']]);
    expect(applied).toEqual([['TRADE 1'], ['TRADE 2']]);
    expect(loop.stats.messages).toBe(2);
    stop.abort();
    source.push('closed');
    await running;
  });
});
