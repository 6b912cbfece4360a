/**
 * What the operator hears of a stream (StreamLoop with StreamNotices, virtual time): a server
 * that answers each resubscription with one message and stalls again is stall alarms and no
 * recovery until the stream stays up for its limit; a stream failing past its limit is told once,
 * with the reason, and each new reason is logged; a short failure is not worth a message.
 */
import type { Exchange } from 'ccxt';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import type { NotifyLevel } from '../../src/core/notify-level.js';
import { NotifierQueue } from '../../src/notify/notifier-queue.js';
import { StreamLoop } from '../../src/streams/stream-loop.js';
import { RecordingSink } from '../notify/recording-sink.js';

const LIMIT = 4_000;

function rig(backoffMs: [number, number] = [500, 2_000]) {
  const clock = new VirtualClock(1_700_000_000_000);
  const notes: { at: number; text: string; level: string; condition: string }[] = [];
  const lines: { msg: string; err?: string }[] = [];
  let mode: 'flap' | 'fail' | 'healthy' | 'droppable' = 'flap';
  let reason = 'connection closed (1006)';
  let fresh = true;
  let hanging: ((e: Error) => void) | null = null;
  const exchange = {} as Exchange;
  const loop = new StreamLoop<string[]>(
    {
      name: 'tickers',
      watch: () => {
        if (mode === 'fail') return Promise.reject(new Error(reason));
        if (mode === 'healthy') return clock.sleep(500).then(() => ['tick']);
        if (mode === 'droppable') {
          // Data every 0.5 s, until the connection drops.
          return new Promise<string[]>((resolve, reject) => {
            hanging = reject;
            void clock.sleep(500).then(() => resolve(['tick']));
          });
        }
        // A flapping server: one message after each (re)subscription, then silence.
        if (fresh) {
          fresh = false;
          return Promise.resolve(['snapshot']);
        }
        return new Promise<string[]>((_, reject) => (hanging = reject));
      },
      apply: () => undefined,
      ownsClient: () => true,
    },
    LIMIT,
    {
      clock,
      logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) }),
      exchange: () => exchange,
      notify: (text, level, condition) => notes.push({ at: clock.now(), text, level, condition }),
      teardown: async () => {
        fresh = true;
        const h = hanging;
        hanging = null;
        h?.(new Error('torn down'));
      },
      isConnected: () => true,
      baseBackoffMs: backoffMs[0],
      maxBackoffMs: backoffMs[1],
    },
  );
  const stop = new AbortController();
  const running = loop.run(stop.signal);
  return {
    clock, notes, lines, loop,
    set: (m: typeof mode, r?: string) => {
      mode = m;
      if (r) reason = r;
    },
    /** Drops the connection the loop waits on (as a failing socket does). */
    drop: () => hanging?.(new Error('socket closed')),
    stop: async () => {
      // As the engine closes the exchange at a stop: the waiting watch call fails.
      stop.abort();
      hanging?.(new Error('exchange closed'));
      await clock.advance(1_000);
      await running;
    },
  };
}

const count = (notes: { text: string }[], word: string): number => notes.filter((n) => n.text.includes(word)).length;

describe('stream notices', () => {
  it('a flapping server: stall alarms, no recovery while it flaps, one recovery once it stayed up for the limit', async () => {
    const r = rig();
    await r.clock.advance(60_000);
    expect(r.loop.stats.stalls).toBeGreaterThanOrEqual(5);
    // Each stall is told (the notifier keeps one per condition); none of the one-message "ups" is.
    expect(count(r.notes, 'stalled')).toBe(r.loop.stats.stalls);
    expect(count(r.notes, 'recovered')).toBe(0);
    expect(r.notes[0]!.text).toBe('stream tickers stalled (silent for 4.0s while connected); resubscribing, REST covers meanwhile');
    expect(r.loop.stats.lastError).toBe('stalled: silent for 4.0s while connected');

    r.set('healthy');
    await r.clock.advanceUntil(() => count(r.notes, 'recovered') === 1, 30_000, 100);
    const upAt = r.notes.at(-1)!.at;
    await r.clock.advance(30_000);
    expect(count(r.notes, 'recovered')).toBe(1);
    // Told only after the limit of steady data: the last stall came at least that long before.
    const lastStall = r.notes.filter((n) => n.text.includes('stalled')).at(-1)!.at;
    expect(upAt - lastStall).toBeGreaterThanOrEqual(LIMIT);
    await r.stop();
  });

  it('a stream failing past its limit is told once with its reason; each new reason is logged; then one recovery', async () => {
    const r = rig();
    r.set('healthy');
    await r.clock.advance(3_000);
    r.set('fail');
    r.drop();
    await r.clock.advance(3_000);
    r.set('fail', 'subscription refused (-1003)');
    await r.clock.advance(12_000);
    const down = r.notes.filter((n) => n.text.includes('down for'));
    expect(down).toHaveLength(1);
    // An error: a warning under the stream's key (a stall just before) would hold it back.
    expect(down[0]!.level).toBe('error');
    expect(down[0]!.text).toMatch(/^stream tickers down for [45]s \((connection closed \(1006\)|subscription refused \(-1003\))\); REST keeps the state fresh/);
    const failures = r.lines.filter((l) => l.msg.startsWith('stream failed')).map((l) => l.err);
    expect(failures).toEqual(['connection closed (1006)', 'subscription refused (-1003)']);
    r.set('healthy');
    await r.clock.advance(20_000);
    expect(count(r.notes, 'recovered')).toBe(1);
    expect(r.lines.filter((l) => l.msg === 'stream recovered')).toHaveLength(1);
    await r.stop();
  });

  it('a blip nobody was told of (one dropped connection, back at once) does not lengthen the hold of the next told recovery', async () => {
    const r = rig([500, 2_000]);
    r.set('droppable');
    await r.clock.advance(3_000);
    // A told failure, and its recovery.
    const failFor = async (ms: number): Promise<void> => {
      r.set('fail');
      r.drop();
      await r.clock.advance(ms);
      r.set('droppable');
    };
    await failFor(6_000);
    await r.clock.advanceUntil(() => count(r.notes, 'recovered') === 1, 30_000, 100);
    // One dropped connection, back within the backoff: not told.
    await r.clock.advance(1_000);
    r.drop();
    // Back, and held past the limit: that episode is over.
    await r.clock.advance(8_000);
    expect(r.notes.map((n) => n.condition)).toEqual(['down', 'recovered']);
    // A told failure soon after the told recovery: a flap, whose recovery holds the flap's first
    // hold (a minute), not four times it (the blip before was not a told problem).
    await failFor(6_000);
    expect(r.notes.map((n) => n.condition)).toEqual(['down', 'recovered', 'down']);
    const healthyAt = r.clock.now();
    await r.clock.advanceUntil(() => count(r.notes, 'recovered') === 2, 600_000, 500);
    const held = r.clock.now() - healthyAt;
    expect(held).toBeGreaterThanOrEqual(60_000);
    expect(held).toBeLessThan(70_000);
    await r.stop();
  });

  it("an exchange's HTML error page in the failure becomes its title, in the notice and in lastError", async () => {
    const r = rig();
    r.set('healthy');
    await r.clock.advance(3_000);
    const page = `<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head><body>${'<p>x</p>'.repeat(500)}</body></html>`;
    r.set('fail', `binanceusdm GET https://fapi.binance.com/fapi/v1/klines 503 Service Unavailable ${page}`);
    r.drop();
    await r.clock.advance(12_000);
    const down = r.notes.filter((n) => n.text.includes('down for'));
    expect(down).toHaveLength(1);
    expect(down[0]!.text).toMatch(/^stream tickers down for \d+s \(binanceusdm GET \S+ 503 Service Unavailable \(HTML page: 503 Service Temporarily Unavailable\)\); REST/);
    expect(r.loop.stats.lastError).toBe('binanceusdm GET https://fapi.binance.com/fapi/v1/klines 503 Service Unavailable (HTML page: 503 Service Temporarily Unavailable)');
    await r.stop();
  });

  it('a failure shorter than the limit is logged, not notified', async () => {
    const r = rig();
    r.set('healthy');
    await r.clock.advance(3_000);
    r.set('fail');
    r.drop();
    await r.clock.advance(1_500);
    r.set('healthy');
    await r.clock.advance(20_000);
    expect(r.loop.stats.reconnects).toBeGreaterThan(0);
    expect(r.notes).toEqual([]);
    expect(r.lines.filter((l) => l.msg.startsWith('stream failed'))).toHaveLength(1);
    await r.stop();
  });

  /** A user stream (ready without data) on virtual time: `stall()` makes its detector fire, `fail(on)` its connection. */
  function userStream(clock = new VirtualClock(1_700_000_000_000), heard?: (text: string, level: NotifyLevel, condition: string) => void) {
    const notes: { text: string; condition: string }[] = [];
    let missingEcho = false;
    let failing = false;
    let pending: { resolve: (b: string[]) => void; reject: (e: Error) => void } | null = null;
    const exchange = {} as Exchange;
    const loop = new StreamLoop<string[]>(
      {
        name: 'orders',
        watch: () => (failing ? Promise.reject(new Error('connection refused')) : new Promise<string[]>((resolve, reject) => (pending = { resolve, reject }))),
        apply: () => undefined,
        ownsClient: () => true,
        readyWithoutData: true,
        // An order we sent was not echoed: stalled until the reconnection's gap fill settles it.
        isStalled: () => missingEcho,
        gapFill: async () => {
          missingEcho = false;
        },
      },
      LIMIT,
      {
        clock,
        logger: pino({ level: 'silent' }),
        exchange: () => exchange,
        notify: (text, level, condition) => {
          notes.push({ text, condition });
          heard?.(text, level, condition);
        },
        teardown: async () => pending?.reject(new Error('torn down')),
        isConnected: () => true,
      },
    );
    const stop = new AbortController();
    const running = loop.run(stop.signal);
    return {
      clock, loop, texts: () => notes.map((n) => n.text), notes,
      stall: () => (missingEcho = true),
      fail: (on: boolean) => {
        failing = on;
        if (on) pending?.reject(new Error('socket closed'));
      },
      speak: () => pending?.resolve(['an update']),
      stop: async () => {
        stop.abort();
        pending?.reject(new Error('exchange closed'));
        await clock.advance(1_000);
        await running;
      },
    };
  }
  const UNPROVEN = 'stream orders reconnected and gap filled; nothing has come through it since its stall, so it is not proven yet';
  const PROVEN = 'stream orders recovered: an update came through it';

  it.each([
    ['an update comes through it after: told as recovered', 'speaks'],
    ['nothing comes through it: told as reconnected and not proven; the first update then as the recovery, once', 'silent'],
    ['nothing comes through it, then a short drop (not told): the first update after it is still told as the recovery', 'drop'],
  ])('a user stream (ready without data) stalled and reconnected, %s', async (_, how) => {
    const r = userStream();
    await r.clock.advanceUntil(() => r.loop.stats.phase === 'up', 20_000, 100);
    r.stall();
    await r.clock.advanceUntil(() => r.loop.stats.stalls === 1, 20_000, 100);
    await r.clock.advanceUntil(() => r.loop.stats.phase === 'up', 20_000, 100);
    if (how === 'speaks') r.speak();
    await r.clock.advance(3 * LIMIT);
    expect(r.loop.stats.stalls).toBe(1);
    expect(r.texts()[0]).toContain('stream orders stalled');
    if (how === 'speaks') {
      expect(r.texts().slice(1)).toEqual(['stream orders recovered']);
      expect(r.loop.stats.held).toBe(true);
    } else {
      // Not proven is not recovered: the stream is not held up (misso_stream_up 0, /status up
      // false with the stall as its lastError) until something comes through it.
      expect(r.loop.stats.held).toBe(false);
      expect(r.loop.stats.lastError).toMatch(/^stalled: /);
      // Conditions of their own: the notifier's repeat filter must not fold them into the stall
      // or into each other (both are info).
      expect(r.notes.slice(1)).toEqual([{ text: UNPROVEN, condition: 'unproven' }]);
      // Reconnected and gap filled, but no message came: its last message's time says so (the
      // status API's age is not reset by a reconnection).
      expect(r.loop.stats).toMatchObject({ phase: 'up', lastMessageAt: null, messages: 0 });
      if (how === 'drop') {
        r.fail(true);
        await r.clock.advance(1_000);
        r.fail(false);
        await r.clock.advanceUntil(() => r.loop.stats.phase === 'up', 20_000, 100);
        expect(r.loop.stats.reconnects).toBeGreaterThan(1);
      }
      r.speak();
      await r.clock.advance(3 * LIMIT);
      r.speak();
      await r.clock.advance(3 * LIMIT);
      expect(r.notes.slice(1)).toEqual([{ text: UNPROVEN, condition: 'unproven' }, { text: PROVEN, condition: 'proven' }]);
      expect(r.loop.stats.held).toBe(true);
    }
    await r.stop();
  });

  it('a user stream reconnected (not proven), then told as failing: the first update after is not told as a recovery while /status keeps it down; one recovery once it held', async () => {
    const r = userStream();
    await r.clock.advanceUntil(() => r.loop.stats.phase === 'up', 20_000, 100);
    r.stall();
    await r.clock.advanceUntil(() => r.loop.stats.stalls === 1, 20_000, 100);
    await r.clock.advance(3 * LIMIT);
    expect(r.notes.at(-1)).toEqual({ text: UNPROVEN, condition: 'unproven' });
    r.fail(true);
    await r.clock.advance(3 * LIMIT);
    expect(r.notes.at(-1)!.condition).toBe('down');
    r.fail(false);
    await r.clock.advanceUntil(() => r.loop.stats.phase === 'up', 20_000, 100);
    r.speak();
    await r.clock.advance(100);
    // Not held yet (the told failure's recovery waits for the stream to hold), and not told as recovered.
    expect(r.loop.stats.held).toBe(false);
    expect(r.notes.map((n) => n.condition)).toEqual(['stalled', 'unproven', 'down']);
    await r.clock.advanceUntil(() => r.loop.stats.held === true, 120_000, 100);
    await r.clock.advance(3 * LIMIT);
    expect(r.notes.map((n) => n.condition)).toEqual(['stalled', 'unproven', 'down', 'recovered']);
    expect(r.notes.at(-1)!.text).toBe('stream orders recovered');
    await r.stop();
  });

  it('a user stream that failed (no stall) and reconnected is told as recovered: connecting again is what was wrong', async () => {
    const r = userStream();
    await r.clock.advanceUntil(() => r.loop.stats.phase === 'up', 20_000, 100);
    r.fail(true);
    await r.clock.advance(2 * LIMIT);
    r.fail(false);
    await r.clock.advance(4 * LIMIT);
    expect(r.texts()).toHaveLength(2);
    // Each attempt opened the connection (a user stream counts that as up) and then failed.
    expect(r.texts()[0]).toMatch(/^stream orders failing for \d+s: reconnected \d+ times, none held for 4s \(last: connection refused\)/);
    expect(r.texts()[1]).toBe('stream orders recovered');
    await r.stop();
  });

  it('a flapping server whose resubscriptions line up with the watchdog\'s ticks: still no recovery told', async () => {
    const r = rig([1_000, 1_000]);
    await r.clock.advance(120_000);
    expect(r.loop.stats.stalls).toBeGreaterThanOrEqual(10);
    expect(count(r.notes, 'recovered')).toBe(0);
    await r.stop();
  });

  it('a connection dropped every 2 s (no reconnection holds for the limit) is told once as failing since its first drop; then one recovery', async () => {
    const r = rig();
    r.set('droppable');
    await r.clock.advance(6_000);
    const firstDrop = r.clock.now();
    for (let i = 0; i < 8; i++) {
      r.drop();
      await r.clock.advance(2_000);
    }
    const failing = r.notes.filter((n) => n.condition === 'down');
    expect(failing).toHaveLength(1);
    expect(failing[0]!.level).toBe('error');
    expect(failing[0]!.text).toMatch(/^stream tickers failing for [4-6]s: reconnected [23] times, none held for 4s \(last: socket closed\); REST keeps the state fresh/);
    // Told at the first drop past the limit, counted from the first drop (not from the last reconnection).
    expect(failing[0]!.at - firstDrop).toBeGreaterThanOrEqual(LIMIT);
    expect(failing[0]!.at - firstDrop).toBeLessThanOrEqual(LIMIT + 2_000);
    expect(count(r.notes, 'recovered')).toBe(0);
    await r.clock.advance(20_000);
    expect(r.notes.map((n) => n.condition)).toEqual(['down', 'recovered']);
    await r.stop();
  });

  it('through the notifier (one key, 300 s repeat filter): a stall after a reconnection told as not proven is told again, and so is its closure', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const sink = new RecordingSink(() => clock.now());
    const queue = new NotifierQueue({ sink, clock, dedupeSecs: 300 });
    const r = userStream(clock, (text, level, condition) => queue.notify({ text, level, key: 'stream:orders', condition }));
    for (let round = 0; round < 2; round++) {
      await r.clock.advanceUntil(() => r.loop.stats.phase === 'up', 20_000, 100);
      r.stall();
      await r.clock.advanceUntil(() => r.loop.stats.stalls === round + 1, 20_000, 100);
      // The second stall came soon after the first reconnection was told: its reconnection is
      // told once it held for a minute (see the flapping test).
      await r.clock.advance(round === 0 ? 3 * LIMIT : 65_000);
    }
    r.speak();
    await r.clock.advance(3 * LIMIT);
    await queue.onIdle();
    const told = sink.delivered.map((m) => m.text.replace(/ \(.*?\);.*|;.*|:.*/, ''));
    expect(told).toEqual(['stream orders stalled', 'stream orders reconnected and gap filled', 'stream orders stalled', 'stream orders reconnected and gap filled', 'stream orders recovered']);
    expect(clock.now() - 1_700_000_000_000).toBeLessThan(300_000);
    await r.stop();
    await queue.close();
  });

  it('a user stream that stalls again soon after each told recovery (a server answering each resubscription once) is one alarm: no recovery told while it flaps, one once it held', async () => {
    const r = userStream();
    await r.clock.advanceUntil(() => r.loop.stats.phase === 'up', 20_000, 100);
    const flap = async (n: number): Promise<void> => {
      r.stall();
      await r.clock.advanceUntil(() => r.loop.stats.stalls === n, 20_000, 100);
      // No connection held: the resubscriptions back off towards the longest delay (30 s).
      await r.clock.advanceUntil(() => r.loop.stats.phase === 'up', 40_000, 100);
      r.speak();
      await r.clock.advance(1.5 * LIMIT);
    };
    await flap(1);
    expect(r.texts().map((t) => t.replace(/ \(.*|:.*/, ''))).toEqual(['stream orders stalled', 'stream orders recovered']);
    for (let n = 2; n <= 8; n++) await flap(n);
    // Seven more stalls, each soon after the one before: told (the notifier keeps one per
    // condition), and no recovery between them.
    expect(r.notes.slice(2).map((n) => n.condition)).toEqual(Array(7).fill('stalled'));
    // Not held (the status API's and misso_stream_up's "up") while it flaps, though connected.
    expect(r.loop.stats).toMatchObject({ phase: 'up', held: false });
    // Steady for a minute and more: the recovery, once.
    for (let i = 0; i < 16; i++) {
      r.speak();
      await r.clock.advance(5_000);
    }
    expect(r.notes.slice(9).map((n) => n.condition)).toEqual(['recovered']);
    expect(r.loop.stats.held).toBe(true);
    // Hours later, an unrelated failure is judged afresh: its recovery waits the limit, not the flap's hold.
    await r.clock.advance(3 * 3_600_000);
    r.fail(true);
    await r.clock.advance(20_000);
    r.fail(false);
    const back = r.clock.now();
    await r.clock.advanceUntil(() => r.notes.length === 12, 60_000, 100);
    expect(r.notes.slice(10).map((n) => n.condition)).toEqual(['down', 'recovered']);
    // The retry backoff and the limit: well under the minute a flap's hold would take.
    expect(r.clock.now() - back).toBeLessThan(30_000);
    await r.stop();
  });
});
