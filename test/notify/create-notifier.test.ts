import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { combineNotifiers } from '../../src/notify/combine-notifiers.js';
import { createNotifier } from '../../src/notify/create-notifier.js';
import type { Notifier, NotifyMessage } from '../../src/notify/types.js';

function memoryLogger() {
  const records: { level: number; msg: string; component?: string; key?: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      records.push(JSON.parse(chunk.toString()) as (typeof records)[number]);
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), records };
}

describe('createNotifier', () => {
  it('without telegram writes notifications to the log at their level, deduplicated', async () => {
    const { logger, records } = memoryLogger();
    const notifier = createNotifier({ telegram: null, webhook: null, dedupeSecs: 300, maxPerMinute: 20 }, { clock: new VirtualClock(), logger });
    notifier.notify({ text: '2 modules down: a, b', level: 'warn', key: 'status' });
    notifier.notify({ text: '3 modules down: a, b, c', level: 'warn', key: 'status' });
    notifier.notify({ text: 'order failed', level: 'error' });
    notifier.notify({ text: 'capital 1000', level: 'info' });
    await notifier.close();
    const notes = records.filter((r) => r.component === 'notify' && r.msg !== undefined && r.level >= 30);
    expect(notes.map((r) => [r.level, r.msg])).toEqual([
      [40, '2 modules down: a, b'],
      [50, 'order failed'],
      [30, 'capital 1000'],
    ]);
    expect(notes[0]?.key).toBe('status');
  });
});

describe('combineNotifiers', () => {
  class Channel implements Notifier {
    readonly got: NotifyMessage[] = [];
    closes = 0;
    constructor(readonly failNotify = false, readonly failClose = false) {}
    notify(msg: NotifyMessage): void {
      if (this.failNotify) throw new Error('notify broke');
      this.got.push(msg);
    }
    async close(): Promise<void> {
      this.closes++;
      if (this.failClose) throw new Error('close broke');
    }
  }

  it('hands each message to every channel, even when one throws, and closes all once', async () => {
    const a = new Channel(true, true);
    const b = new Channel();
    const both = combineNotifiers([a, b]);
    expect(() => both.notify({ text: 'hi', level: 'info' })).not.toThrow();
    expect(b.got).toEqual([{ text: 'hi', level: 'info' }]);
    const first = both.close();
    expect(both.close()).toBe(first);
    await expect(first).rejects.toThrow('close broke');
    expect([a.closes, b.closes]).toEqual([1, 1]);
  });
});
