import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { NotifierQueue, type NotifierQueueOptions } from '../../src/notify/notifier-queue.js';
import { NotifySendError } from '../../src/notify/notify-send-error.js';
import { RecordingSink, settle } from './recording-sink.js';

function setup(options: Partial<Omit<NotifierQueueOptions, 'sink' | 'clock'>> = {}) {
  const clock = new VirtualClock();
  const sink = new RecordingSink(() => clock.now());
  const queue = new NotifierQueue({ sink, clock, ...options });
  return { clock, sink, queue };
}

const texts = (sink: RecordingSink): string[] => sink.delivered.map((m) => m.text);

describe('NotifierQueue', () => {
  it('returns from notify() at once even when the sink never answers', async () => {
    const { sink, queue, clock } = setup({ closeTimeoutMs: 1000 });
    sink.script.push('hang');
    queue.notify({ text: 'a', level: 'info' });
    queue.notify({ text: 'b', level: 'info' });
    await settle();
    expect(sink.attempts).toHaveLength(1);
    expect(queue.stats().queued).toBe(1);
    const closed = queue.close();
    await clock.advance(1000);
    await closed;
    expect(queue.stats()).toMatchObject({ sent: 0, failed: 1, dropped: 1, queued: 0 });
  });

  it('delivers in order', async () => {
    const { sink, queue } = setup();
    for (const t of ['one', 'two', 'three']) queue.notify({ text: t, level: 'info' });
    await queue.onIdle();
    expect(texts(sink)).toEqual(['one', 'two', 'three']);
    expect(queue.stats().sent).toBe(3);
  });

  it('drops a repeated text or key inside the dedupe window and sends it again after', async () => {
    const { sink, queue, clock } = setup({ dedupeSecs: 60 });
    queue.notify({ text: 'exchange down', level: 'error' });
    queue.notify({ text: 'exchange down', level: 'error' });
    queue.notify({ text: 'price 1', level: 'warn', key: 'stale:BTC' });
    queue.notify({ text: 'price 2', level: 'warn', key: 'stale:BTC' });
    await queue.onIdle();
    expect(texts(sink)).toEqual(['exchange down', 'price 1']);
    expect(queue.stats().deduped).toBe(2);

    await clock.advance(59_000);
    queue.notify({ text: 'exchange down', level: 'error' });
    await queue.onIdle();
    expect(texts(sink)).toHaveLength(2);

    await clock.advance(1_000);
    queue.notify({ text: 'exchange down', level: 'error' });
    queue.notify({ text: 'price 3', level: 'warn', key: 'stale:BTC' });
    await queue.onIdle();
    expect(texts(sink)).toEqual(['exchange down', 'price 1', 'exchange down', 'price 3']);
  });

  it('sends each change of level under one key (stall, recovery), so the last word is never a stale one', async () => {
    const { sink, queue, clock } = setup({ dedupeSecs: 300 });
    const stalled = { text: 'stream tickers stalled', level: 'warn' as const, key: 'stream:tickers' };
    const recovered = { text: 'stream tickers recovered', level: 'info' as const, key: 'stream:tickers' };
    queue.notify(stalled); // t = 0
    await clock.advance(5_000);
    queue.notify(recovered); // t = 5 s
    queue.notify(recovered); // a repeat of the same condition: deduplicated
    await clock.advance(295_000);
    queue.notify(stalled); // t = 300 s
    await clock.advance(500);
    queue.notify(recovered); // t = 300.5 s: 295.5 s after the last recovery notice, still sent
    queue.notify(stalled);
    queue.notify(stalled); // the same condition twice in a row: the second is a duplicate
    await queue.onIdle();
    expect(texts(sink)).toEqual([
      'stream tickers stalled',
      'stream tickers recovered',
      'stream tickers stalled',
      'stream tickers recovered',
      'stream tickers stalled',
    ]);
    expect(queue.stats().deduped).toBe(2);
  });

  it('tells conditions apart by `condition` when two sides share a level (unproven, then proven, then a stall again)', async () => {
    const { sink, queue } = setup({ dedupeSecs: 300 });
    const key = 'stream:orders';
    queue.notify({ text: 'stalled', level: 'warn', key, condition: 'stalled' });
    queue.notify({ text: 'not proven yet', level: 'info', key, condition: 'unproven' });
    queue.notify({ text: 'recovered: an update came through', level: 'info', key, condition: 'proven' });
    queue.notify({ text: 'stalled again', level: 'warn', key, condition: 'stalled' });
    queue.notify({ text: 'stalled a third time', level: 'warn', key, condition: 'stalled' }); // no closure between: a repeat
    queue.notify({ text: 'not proven yet', level: 'info', key, condition: 'unproven' });
    await queue.onIdle();
    expect(texts(sink)).toEqual(['stalled', 'not proven yet', 'recovered: an update came through', 'stalled again', 'not proven yet']);
    expect(queue.stats().deduped).toBe(1);
  });

  it('does not deduplicate when dedupeSecs is 0', async () => {
    const { sink, queue } = setup({ dedupeSecs: 0 });
    queue.notify({ text: 'same', level: 'info' });
    queue.notify({ text: 'same', level: 'info' });
    await queue.onIdle();
    expect(texts(sink)).toEqual(['same', 'same']);
  });

  it('holds to maxPerMinute and folds the excess into one summary when the window opens', async () => {
    const { sink, queue, clock } = setup({ maxPerMinute: 3 });
    for (let i = 0; i < 10; i++) queue.notify({ text: `m${i}`, level: i === 7 ? 'error' : 'info' });
    await settle();
    expect(texts(sink)).toEqual(['m0', 'm1', 'm2']);
    expect(queue.stats().suppressed).toBe(7);

    await clock.advance(59_999);
    expect(sink.delivered).toHaveLength(3);
    await clock.advance(1);
    await queue.onIdle();
    expect(sink.delivered).toHaveLength(4);
    const summary = sink.delivered[3];
    expect(summary?.text).toMatch(/^7 messages suppressed \(limit 3 per minute\)/);
    expect(summary?.text).toContain('m7');
    expect(summary?.level).toBe('error');
    expect(queue.stats().sent).toBe(4);
  });

  it('sends the summary before the next message once the window has room', async () => {
    const { sink, queue, clock } = setup({ maxPerMinute: 2 });
    for (const t of ['a', 'b', 'c', 'd']) queue.notify({ text: t, level: 'info' });
    await settle();
    await clock.advance(60_000);
    queue.notify({ text: 'e', level: 'info' });
    await queue.onIdle();
    expect(texts(sink)[2]).toMatch(/^2 messages suppressed/);
    expect(texts(sink)[3]).toBe('e');
  });

  it("never leaves a key's last word in a summary: after it, each key's latest held-back condition goes out under its key", async () => {
    const { sink, queue, clock } = setup({ maxPerMinute: 4 });
    const note = (stream: string, condition: string, level: 'info' | 'error') =>
      queue.notify({ text: `stream ${stream} ${condition}`, level, key: `stream:${stream}`, condition });
    for (const s of ['trades', 'balance', 'positions', 'orders']) note(s, 'down', 'error');
    // The window is full: the recoveries (and one stream's second fall) are held back.
    for (const s of ['trades', 'balance', 'positions']) note(s, 'recovered', 'info');
    note('orders', 'recovered', 'info');
    note('orders', 'down', 'error');
    await settle();
    expect(texts(sink)).toEqual(['stream trades down', 'stream balance down', 'stream positions down', 'stream orders down']);
    await clock.advance(60_000);
    await queue.onIdle();
    // The last words first, under their keys; orders' latest held word is "down" again, as
    // delivered, so the summary counts it with the orders' recovery before it.
    expect(texts(sink).slice(4, 7)).toEqual(['stream trades recovered', 'stream balance recovered', 'stream positions recovered']);
    expect(texts(sink)[7]).toMatch(/^2 messages suppressed/);
    expect(texts(sink)).toHaveLength(8);
    const last = new Map(sink.delivered.filter((m) => m.key).map((m) => [m.key, m.condition]));
    expect(Object.fromEntries(last)).toEqual({ 'stream:trades': 'recovered', 'stream:balance': 'recovered', 'stream:positions': 'recovered', 'stream:orders': 'down' });
  });

  it('a held-back last word goes out under its key when deliveries are spread over the minute (no summary loop)', async () => {
    const { sink, queue, clock } = setup({ maxPerMinute: 2 });
    queue.notify({ text: 'x down', level: 'error', key: 'x', condition: 'down' });
    await settle();
    await clock.advance(10_000);
    queue.notify({ text: 'other', level: 'info' });
    queue.notify({ text: 'x recovered', level: 'info', key: 'x', condition: 'recovered' });
    await settle();
    await clock.advance(200_000);
    await queue.onIdle();
    expect(texts(sink)).toEqual(['x down', 'other', 'x recovered']);
    expect(queue.stats().suppressed).toBe(1);
  });

  it('retries transient failures with exponential backoff', async () => {
    const { sink, queue, clock } = setup({ backoffBaseMs: 1000 });
    sink.script.push(new Error('ECONNRESET'), new NotifySendError('HTTP 502', true));
    queue.notify({ text: 'x', level: 'warn' });
    await settle();
    expect(sink.attempts).toHaveLength(1);
    await clock.advance(999);
    expect(sink.attempts).toHaveLength(1);
    await clock.advance(1);
    expect(sink.attempts).toHaveLength(2);
    await clock.advance(1999);
    expect(sink.attempts).toHaveLength(2);
    await clock.advance(1);
    await queue.onIdle();
    expect(sink.attempts.map((a) => a.at - sink.attempts[0]!.at)).toEqual([0, 1000, 3000]);
    expect(texts(sink)).toEqual(['x']);
  });

  it('waits the retry-after a sink reports instead of the backoff', async () => {
    const { sink, queue, clock } = setup({ backoffBaseMs: 10 });
    sink.script.push(new NotifySendError('HTTP 429', true, 7000));
    queue.notify({ text: 'y', level: 'info' });
    await settle();
    await clock.advance(6999);
    expect(sink.attempts).toHaveLength(1);
    await clock.advance(1);
    await queue.onIdle();
    expect(texts(sink)).toEqual(['y']);
  });

  it('gives up at once on a permanent error and after maxAttempts on transient ones', async () => {
    const { sink, queue, clock } = setup({ maxAttempts: 3, backoffBaseMs: 100 });
    sink.script.push(new NotifySendError('HTTP 400 chat not found', false));
    queue.notify({ text: 'p', level: 'info' });
    await queue.onIdle();
    expect(sink.attempts).toHaveLength(1);
    expect(queue.stats().failed).toBe(1);

    sink.script.push(new Error('t1'), new Error('t2'), new Error('t3'), new Error('t4'));
    queue.notify({ text: 'q', level: 'info' });
    await clock.advance(10_000);
    await queue.onIdle();
    expect(sink.attempts).toHaveLength(4);
    expect(queue.stats()).toMatchObject({ failed: 2, sent: 0 });
    expect(sink.script).toHaveLength(1);

    // an undelivered message is not held against its repeat by the dedupe window
    sink.script.length = 0;
    queue.notify({ text: 'p', level: 'info' });
    await queue.onIdle();
    expect(texts(sink)).toEqual(['p']);
    expect(queue.stats().deduped).toBe(0);
  });

  it('drops the oldest queued message when the queue is full', async () => {
    const { sink, queue } = setup({ maxQueue: 3 });
    let release!: () => void;
    sink.script.push(new Promise<void>((r) => (release = r)));
    queue.notify({ text: 'first', level: 'info' });
    await settle();
    for (const t of ['a', 'b', 'c', 'd', 'e']) queue.notify({ text: t, level: 'info' });
    expect(queue.stats()).toMatchObject({ queued: 3, dropped: 2 });
    release();
    await queue.onIdle();
    expect(texts(sink)).toEqual(['first', 'c', 'd', 'e']);
  });

  it('close() flushes what is queued, is idempotent, and refuses later messages', async () => {
    const { sink, queue } = setup();
    for (const t of ['1', '2', '3']) queue.notify({ text: t, level: 'info' });
    const a = queue.close();
    const b = queue.close();
    expect(a).toBe(b);
    await a;
    expect(texts(sink)).toEqual(['1', '2', '3']);
    queue.notify({ text: 'late', level: 'error' });
    await settle();
    expect(texts(sink)).toHaveLength(3);
    expect(queue.stats().dropped).toBe(1);
  });

  it('close() gives up at its deadline, abandoning a retry in progress', async () => {
    const { sink, queue, clock } = setup({ closeTimeoutMs: 2000, backoffBaseMs: 5000 });
    sink.script.push(new Error('down'));
    queue.notify({ text: 'stuck', level: 'error' });
    queue.notify({ text: 'behind', level: 'info' });
    await settle();
    let closed = false;
    const done = queue.close().then(() => (closed = true));
    await clock.advance(1999);
    expect(closed).toBe(false);
    await clock.advance(1);
    await done;
    expect(sink.attempts).toHaveLength(1);
    expect(queue.stats()).toMatchObject({ failed: 1, dropped: 1, queued: 0 });
  });

  it('checks its options up front', () => {
    const clock = new VirtualClock();
    const sink = new RecordingSink(() => 0);
    expect(() => new NotifierQueue({ sink, clock, maxPerMinute: 0 })).toThrow(
      'NotifierQueue: `maxPerMinute` must be an integer >= 1, got 0',
    );
    expect(() => new NotifierQueue({ sink, clock, dedupeSecs: -1 })).toThrow(/dedupeSecs/);
  });
});
