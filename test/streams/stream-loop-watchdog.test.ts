/**
 * The stream loop's watchdog (one timer for the whole run, waking the pump on silence): a silent
 * stream is declared stalled within its limit plus one check (a second at most), once per
 * silence, and counted afresh from each resubscription; a gap fill or a backoff is not silence;
 * a rebuilt exchange is watched like the first; a stopped loop leaves no timer behind. Virtual
 * time; the source keeps ccxt.pro's contract (a message resolves only a watch call already
 * waiting, the next call answers with what was cached since).
 */
import type { Exchange } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { SystemClock, VirtualClock, type Clock } from '../../src/core/clock.js';
import { pino } from 'pino';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import { StreamLoop, type StreamSpec } from '../../src/streams/stream-loop.js';

/** One exchange instance's stream: `drop()` is a teardown (the waiting call fails), `close()` ends it. */
class Feed {
  readonly exchange = {} as Exchange;
  watches = 0;
  #cache: string[] = [];
  #waiting: { resolve: (b: string[]) => void; reject: (e: Error) => void } | null = null;
  #closed = false;

  watch(): Promise<string[]> {
    this.watches++;
    if (this.#closed) return Promise.reject(new Error('exchange closed'));
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  push(update: string): void {
    this.#cache.push(update);
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

  close(): void {
    this.#closed = true;
    this.drop();
  }
}

const LIMIT_MS = 4_000;

function watchedLoop(clock: Clock, feeds: { current: Feed }, spec: Partial<StreamSpec<string[]>> = {}, logger: Logger = silentLogger(), limitMs = LIMIT_MS, starting?: () => boolean) {
  const applied: string[] = [];
  const stalledAt: number[] = [];
  const tornDown: Exchange[] = [];
  const byExchange = new Map<Exchange, Feed>();
  const feedOf = (ex: Exchange): Feed => byExchange.get(ex)!;
  const loop = new StreamLoop<string[]>(
    {
      name: 'tickers',
      watch: (ex) => feedOf(ex).watch(),
      apply: (batch) => applied.push(...batch),
      ownsClient: () => true,
      ...spec,
    },
    limitMs,
    {
      clock,
      logger,
      exchange: () => {
        byExchange.set(feeds.current.exchange, feeds.current);
        return feeds.current.exchange;
      },
      notify: (text) => {
        if (text.includes('stalled')) stalledAt.push(clock.now());
      },
      teardown: async (ex) => {
        tornDown.push(ex);
        feedOf(ex).drop();
      },
      isConnected: () => true,
      ...(starting ? { starting } : {}),
      baseBackoffMs: 500,
      maxBackoffMs: 500,
    },
  );
  return { loop, applied, stalledAt, tornDown };
}

describe('stream loop watchdog', () => {
  it('declares a silent stream stalled within its limit plus a second, once, and counts afresh from the resubscription', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const feed = new Feed();
    const { loop, applied, stalledAt } = watchedLoop(clock, { current: feed });
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    // The first delivery 300 ms into the run, off the watchdog's one-second grid.
    await clock.advance(300);
    feed.push('a');
    await clock.advance(0);
    expect(applied).toEqual(['a']);
    const last = clock.now();
    await clock.advanceUntil(() => stalledAt.length > 0, 10_000, 10);
    expect(stalledAt[0]! - last).toBeGreaterThan(LIMIT_MS);
    expect(stalledAt[0]! - last).toBeLessThanOrEqual(LIMIT_MS + 1_000);
    // Resubscribed after the 500 ms backoff; its silence is new: no stall before the limit again.
    await clock.advanceUntil(() => feed.watches === 2, 2_000, 10);
    const resubscribed = clock.now();
    await clock.advance(LIMIT_MS);
    expect(stalledAt).toHaveLength(1);
    await clock.advanceUntil(() => stalledAt.length > 1, 2_000, 10);
    expect(stalledAt[1]! - resubscribed).toBeLessThanOrEqual(LIMIT_MS + 1_000);
    expect(loop.stats.stalls).toBe(2);
    stop.abort();
    feed.close();
    await running;
  });

  it('counts no silence while its source is starting (a market-data thread loading), and from the moment it is up', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const feed = new Feed();
    let starting = true;
    const { loop, stalledAt } = watchedLoop(clock, { current: feed }, {}, silentLogger(), LIMIT_MS, () => starting);
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await clock.advance(3 * LIMIT_MS);
    expect(stalledAt).toEqual([]);
    starting = false;
    const up = clock.now();
    await clock.advanceUntil(() => stalledAt.length > 0, 10_000, 10);
    expect(stalledAt[0]! - up).toBeGreaterThan(LIMIT_MS - 1_000);
    expect(stalledAt[0]! - up).toBeLessThanOrEqual(LIMIT_MS + 1_000);
    stop.abort();
    feed.close();
    await running;
  });

  it('judges a stream by its silence when its own stall check throws, without an unhandled rejection', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const feed = new Feed();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const { loop, applied, stalledAt } = watchedLoop(clock, { current: feed }, {
        isStalled: () => {
          throw new Error('broken check');
        },
      });
      const stop = new AbortController();
      const running = loop.run(stop.signal);
      await clock.advance(300);
      feed.push('a');
      await clock.advance(0);
      const last = clock.now();
      await clock.advanceUntil(() => stalledAt.length > 0, 10_000, 10);
      expect(applied).toEqual(['a']);
      expect(stalledAt[0]! - last).toBeGreaterThan(LIMIT_MS);
      expect(stalledAt[0]! - last).toBeLessThanOrEqual(LIMIT_MS + 1_000);
      await clock.advanceUntil(() => feed.watches === 2, 2_000, 10);
      stop.abort();
      feed.close();
      await running;
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('says once that its stall check fails, not at every check, and again only after it worked', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const feed = new Feed();
    const lines: { msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
    let broken = true;
    const { loop } = watchedLoop(clock, { current: feed }, {
      isStalled: (last, now, limit) => {
        if (broken) throw new Error('broken check');
        return now - last > limit;
      },
    }, logger);
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    const failures = (): number => lines.filter((l) => l.msg.includes('stall check failed')).length;
    // A stream that talks every second: the watchdog checks it many times meanwhile.
    for (let i = 0; i < 30; i++) {
      await clock.advance(1_000);
      feed.push(`m${i}`);
      await clock.advance(0);
      expect(loop.healthy).toBe(true);
    }
    expect(failures()).toBe(1);
    broken = false;
    for (let i = 0; i < 5; i++) {
      await clock.advance(1_000);
      feed.push(`n${i}`);
    }
    broken = true;
    await clock.advance(1_000);
    feed.push('again');
    await clock.advance(1_000);
    expect(failures()).toBe(2);
    stop.abort();
    feed.close();
    await running;
  });

  it('takes neither a gap fill longer than the limit nor a backoff for silence', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const feed = new Feed();
    const gapFilledAt: number[] = [];
    const { loop, stalledAt } = watchedLoop(clock, { current: feed }, {
      readyWithoutData: true,
      gapFill: async () => {
        await clock.sleep(3 * LIMIT_MS);
        gapFilledAt.push(clock.now());
      },
    });
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await clock.advanceUntil(() => gapFilledAt.length === 1, 20_000, 100);
    expect(stalledAt).toEqual([]);
    expect(loop.stats.phase).toBe('up');
    // A failure, then silence from the resubscription: the backoff is not counted.
    feed.drop();
    await clock.advanceUntil(() => feed.watches === 2, 2_000, 10);
    await clock.advanceUntil(() => gapFilledAt.length === 2, 20_000, 100);
    const up = gapFilledAt[1]!;
    await clock.advanceUntil(() => stalledAt.length > 0, 10_000, 10);
    expect(stalledAt[0]! - up).toBeGreaterThan(LIMIT_MS);
    expect(stalledAt[0]! - up).toBeLessThanOrEqual(LIMIT_MS + 1_000);
    stop.abort();
    feed.close();
    await running;
  });

  it('watches the rebuilt exchange\'s stream after the old instance closed under the waiting loop', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const feeds = { current: new Feed() };
    const old = feeds.current;
    const { loop, applied, stalledAt, tornDown } = watchedLoop(clock, feeds);
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await clock.advance(10);
    old.push('old');
    await clock.advance(1_000);
    // A session restart: the new instance is in place, the old one closed while the loop waited.
    const fresh = new Feed();
    feeds.current = fresh;
    old.close();
    await clock.advanceUntil(() => fresh.watches === 1, 2_000, 10);
    fresh.push('new');
    await clock.advance(0);
    expect(applied).toEqual(['old', 'new']);
    const last = clock.now();
    await clock.advanceUntil(() => stalledAt.length > 0, 10_000, 10);
    expect(stalledAt[0]! - last).toBeLessThanOrEqual(LIMIT_MS + 1_000);
    expect(tornDown).toEqual([fresh.exchange]);
    stop.abort();
    fresh.close();
    await running;
  });

  it.each([true, false])("dropConnectionOnFailure %s: drops the connection after its watch call failed (ccxt may keep a refused subscription), never after a gap fill's failure", async (drops) => {
    const clock = new VirtualClock(1_700_000_000_000);
    const feeds = { current: new Feed() };
    let gapFills = 0;
    const { loop, applied, tornDown } = watchedLoop(clock, feeds, {
      readyWithoutData: true,
      dropConnectionOnFailure: drops,
      gapFill: async () => {
        if (++gapFills === 1) throw new Error('a REST answer 503');
      },
    });
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    // The gap fill failed: its REST is the problem, the connection is left alone.
    await clock.advanceUntil(() => gapFills === 2 && loop.stats.phase === 'up', 5_000, 10);
    expect(tornDown).toEqual([]);
    // The watch call fails (a subscription refused, the connection open): the connection goes,
    // for a stream on a connection of its own (the user streams share theirs: left alone).
    feeds.current.drop();
    await clock.advanceUntil(() => gapFills === 3, 5_000, 10);
    expect(tornDown).toEqual(drops ? [feeds.current.exchange] : []);
    feeds.current.push('after');
    await clock.advance(0);
    expect(applied).toEqual(['after']);
    stop.abort();
    feeds.current.close();
    await running;
  });

  it('takes no stall from an event loop held past the limit while the stream kept sending (real sockets, real time)', async () => {
    // A venue that sends every 20 ms over a real socket; the strategy then holds the event loop
    // for 900 ms, three times the limit. What arrived meanwhile waits in the socket, and the
    // watchdog's timer runs before it is read: the stream must be judged after the read.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      const timer = setInterval(() => socket.write('x'), 20);
      socket.on('close', () => clearInterval(timer));
      socket.on('error', () => undefined);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(client, 'connect');
    const feed = new Feed();
    client.on('data', () => feed.push('x'));
    const { loop, applied, stalledAt } = watchedLoop(new SystemClock(), { current: feed }, {}, silentLogger(), 300);
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await sleep(400);
    const before = applied.length;
    expect(before).toBeGreaterThan(3);
    await new Promise<void>((resolve) => {
      setTimeout(() => {
        const until = Date.now() + 900;
        while (Date.now() < until) {
          // held
        }
        resolve();
      }, 10);
    });
    await sleep(400);
    expect(stalledAt).toEqual([]);
    expect(loop.stats.stalls).toBe(0);
    expect(applied.length).toBeGreaterThan(before + 3);
    stop.abort();
    feed.close();
    await running;
    client.destroy();
    for (const s of sockets) s.destroy();
    server.close();
  });

  it('leaves no timer behind once stopped', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const feed = new Feed();
    const { loop } = watchedLoop(clock, { current: feed });
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    await clock.advance(2_500);
    expect(clock.pending).toBeGreaterThan(0);
    stop.abort();
    feed.close();
    await running;
    expect(clock.pending).toBe(0);
  });
});
