/**
 * StreamNotices on its own (virtual time): the flap rule's hold, which grows ×4 per flap, never
 * keeps a told "down" or "stalled" the operator's last word for more than two minutes of a
 * stream that is up; and the log says "stream recovered" only once the stream held, not after
 * each single message between stalls.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { MAX_FLAP_HOLD_MS, StreamNotices, type StreamCondition } from '../../src/streams/stream-notices.js';

const LIMIT = 10_000;

function rig(limit = LIMIT) {
  const clock = new VirtualClock(1_700_000_000_000);
  const told: { at: number; condition: StreamCondition }[] = [];
  const lines: string[] = [];
  const notices = new StreamNotices('tickers', limit, {
    clock,
    logger: pino({ level: 'info' }, { write: (line: string) => void lines.push((JSON.parse(line) as { msg: string }).msg) }),
    notify: (_text, _level, condition) => void told.push({ at: clock.now(), condition }),
  });
  /** Ticks every second for `ms`, as the watchdog does. */
  const run = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 1000) {
      await clock.advance(1000);
      notices.tick(clock.now(), () => true);
    }
  };
  return { clock, notices, told, lines, run };
}

describe('the flap rule, capped', () => {
  it('after several flaps, the recovery is told once the stream held for two minutes, not the flap hold of 16 minutes', async () => {
    const r = rig();
    // Four episodes, each stall soon (within ten limits) after the recovery told before it: holds 10 s, 60 s, 240 s, 960 s uncapped.
    for (let episode = 0; episode < 4; episode++) {
      r.notices.stalled('silent for 10.0s while connected');
      await r.run(2000);
      r.notices.up();
      await r.run(LIMIT + 1000);
      const upAt = r.clock.now() - LIMIT - 1000;
      await r.clock.advanceUntil(() => {
        r.notices.tick(r.clock.now(), () => true);
        return r.told.at(-1)!.condition === 'recovered';
      }, 20 * 60_000, 1000);
      // Never longer than the cap after the stream came up.
      expect(r.told.at(-1)!.at - upAt).toBeLessThanOrEqual(MAX_FLAP_HOLD_MS + 1000);
      await r.run(5000);
    }
    expect(MAX_FLAP_HOLD_MS).toBe(120_000);
    expect(r.told.map((t) => t.condition)).toEqual(['stalled', 'recovered', 'stalled', 'recovered', 'stalled', 'recovered', 'stalled', 'recovered']);
    // The last episode's recovery came after the cap: the flap protection still holds it back past the limit.
    const [lastStall, lastRecovery] = r.told.slice(-2);
    expect(lastRecovery!.at - lastStall!.at).toBeGreaterThanOrEqual(MAX_FLAP_HOLD_MS);
  });

  it("a flap never holds a recovery for less than the stream's own limit (a stall_after_secs above the cap) (review 26 of the diff, #5)", async () => {
    const limit = 300_000;
    const r = rig(limit);
    for (let episode = 0; episode < 2; episode++) {
      r.notices.stalled('silent for 300.0s while connected');
      await r.run(2000);
      r.notices.up();
      const upAt = r.clock.now();
      await r.clock.advanceUntil(() => {
        r.notices.tick(r.clock.now(), () => true);
        return r.told.at(-1)!.condition === 'recovered';
      }, 20 * 60_000, 1000);
      expect(r.told.at(-1)!.at - upAt, `episode ${episode}`).toBeGreaterThanOrEqual(limit);
      await r.run(5000);
    }
  });

  it('logs "stream recovered" only once the stream held for its limit, not after one message between stalls', async () => {
    const r = rig();
    for (let i = 0; i < 3; i++) {
      r.notices.stalled('silent for 10.0s while connected');
      await r.run(1000);
      // One message after the resubscription, then silence again.
      r.notices.up();
      await r.run(LIMIT - 1000);
    }
    expect(r.lines.filter((l) => l === 'stream recovered')).toEqual([]);
    expect(r.lines.filter((l) => l.startsWith('stream delivering again'))).toHaveLength(3);
    r.notices.stalled('silent for 10.0s while connected');
    r.notices.up();
    await r.run(LIMIT + 2000);
    expect(r.lines.filter((l) => l === 'stream recovered')).toHaveLength(1);
  });
});
