/**
 * The virtual clock moves only when told to, and real work it is told about (a journal's fsync)
 * takes no virtual time: it is finished before time moves on.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { OffsetClock } from '../../src/core/offset-clock.js';

const realDelay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('VirtualClock', () => {
  it('fires sleepers in time order and stops at the target', async () => {
    const clock = new VirtualClock(1_000);
    const woke: number[] = [];
    void clock.sleep(30).then(() => woke.push(clock.now()));
    void clock.sleep(10).then(() => woke.push(clock.now()));
    await clock.advance(20);
    expect(woke).toEqual([1_010]);
    expect(clock.now()).toBe(1_020);
    await clock.advance(20);
    expect(woke).toEqual([1_010, 1_030]);
  });

  it('finishes tracked real work before it moves time, so the work costs no virtual time', async () => {
    const clock = new VirtualClock(0);
    let synced = false;
    // A send that waits for a disk sync (real time), then for 100 ms of exchange latency.
    const sent = (async () => {
      const sync = realDelay(40).then(() => (synced = true));
      clock.track(sync);
      await sync;
      await clock.sleep(100);
      return clock.now();
    })();
    await clock.advanceUntil(() => synced, 10, 10);
    expect(synced).toBe(true);
    expect(clock.now()).toBe(10);
    await clock.advance(100);
    // The sync took 40 ms of real time and none of virtual time: the latency ran from 0.
    expect(await sent).toBe(100);
  });

  it('goes on after tracked work that fails', async () => {
    const clock = new VirtualClock(0);
    const failing = realDelay(5).then(() => {
      throw new Error('disk gone');
    });
    failing.catch(() => undefined);
    clock.track(failing);
    await clock.advance(10);
    expect(clock.now()).toBe(10);
  });

  it('is told of tracked work through an offset clock too', async () => {
    const base = new VirtualClock(0);
    const shifted = new OffsetClock(base, 5_000);
    let done = false;
    shifted.track(realDelay(30).then(() => (done = true)));
    await base.advance(1);
    expect(done).toBe(true);
    expect(shifted.now()).toBe(5_001);
  });
});
