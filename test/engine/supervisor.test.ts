import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { TaskSupervisor, type SupervisorOptions } from '../../src/engine/supervisor.js';
import type { TaskKind } from '../../src/tasks/contract.js';

function make(clock: VirtualClock, kind: TaskKind, run: (signal: AbortSignal) => Promise<void>, extra: Partial<SupervisorOptions> = {}) {
  return new TaskSupervisor({
    name: 't',
    kindName: 't_test',
    kind,
    freqMs: 10_000,
    timeoutMs: 30_000,
    clock,
    logger: silentLogger(),
    random: () => 1, // no jitter: delays are exactly the backoff
    initDone: Promise.resolve(),
    waitOpen: async () => undefined,
    run,
    ...extra,
  });
}

describe('TaskSupervisor', () => {
  it('runs every freq and records runs and success time', async () => {
    const clock = new VirtualClock(0);
    const times: number[] = [];
    const sup = make(clock, { mode: 'periodic', run: async () => undefined }, async () => void times.push(clock.now()));
    const stop = new AbortController();
    const loop = sup.run(stop.signal);
    await clock.advance(35_000);
    stop.abort();
    await loop;
    expect(times).toEqual([0, 10_000, 20_000, 30_000]);
    expect(sup.status).toMatchObject({ runs: 4, failures: 0, ok: true, lastSuccessAt: 30_000, state: 'stopped' });
  });

  it('runs a periodic task with no period once, instead of spinning', async () => {
    const clock = new VirtualClock(0);
    let runs = 0;
    const sup = make(clock, { mode: 'periodic', run: async () => undefined }, async () => void runs++, { freqMs: null });
    const stop = new AbortController();
    const loop = sup.run(stop.signal);
    await clock.advance(60_000);
    expect(runs).toBe(1);
    expect(sup.status).toMatchObject({ runs: 1, ok: true, state: 'stopped' });
    stop.abort();
    await loop;
  });

  it('backs off exponentially on errors, capped at freq, and never exits', async () => {
    const clock = new VirtualClock(0);
    const times: number[] = [];
    let failUntil = 6;
    const sup = make(clock, { mode: 'periodic', run: async () => undefined }, async () => {
      times.push(clock.now());
      if (times.length <= failUntil) throw new Error(`boom ${times.length}`);
    });
    const stop = new AbortController();
    const loop = sup.run(stop.signal);
    await clock.advance(60_000);
    stop.abort();
    await loop;
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // 1s, 2s, 4s, 8s, then capped at freq (10s); after the success, the normal period.
    expect(gaps.slice(0, 6)).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(gaps[6]).toBe(10_000);
    expect(sup.status.failures).toBe(6);
    expect(sup.status.consecutiveFailures).toBe(0);
    expect(sup.status.ok).toBe(true);
    failUntil = 0;
  });

  it('jitter shortens the backoff to between half and all of it', async () => {
    const clock = new VirtualClock(0);
    const times: number[] = [];
    const sup = make(clock, { mode: 'periodic', run: async () => undefined }, async () => {
      times.push(clock.now());
      throw new Error('always');
    }, { random: () => 0 });
    const stop = new AbortController();
    const loop = sup.run(stop.signal);
    await clock.advance(3_000);
    stop.abort();
    await loop;
    expect(times.slice(0, 4)).toEqual([0, 500, 1500, 3500].filter((t) => t <= 3000));
  });

  it('aborts a pass that outlives its timeout and counts it as failed', async () => {
    const clock = new VirtualClock(0);
    let aborted = false;
    const sup = make(
      clock,
      { mode: 'periodic', run: async () => undefined },
      (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        }),
      { timeoutMs: 5_000 },
    );
    const stop = new AbortController();
    const loop = sup.run(stop.signal);
    await clock.advance(5_001);
    expect(aborted).toBe(true);
    expect(sup.status).toMatchObject({ ok: false, failures: 1, lastError: 'timed out after 5s' });
    stop.abort();
    await loop;
  });

  it('says in a timeout what the exchange made the pass wait for (a ban, a pause)', async () => {
    const clock = new VirtualClock(0);
    const since: number[] = [];
    const sup = make(clock, { mode: 'periodic', run: async () => undefined }, (signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())), {
      timeoutMs: 5_000,
      waitedOn: (s: number) => (since.push(s), "the exchange's ban holds every call until 1970-01-01T00:01:00Z"),
    });
    const stop = new AbortController();
    const loop = sup.run(stop.signal);
    await clock.advance(5_001);
    expect(sup.status.lastError).toBe("timed out after 5s (the exchange's ban holds every call until 1970-01-01T00:01:00Z)");
    expect(since).toEqual([0]);
    stop.abort();
    await loop;
  });

  it('waits for the init update and for the exchange gate', async () => {
    const clock = new VirtualClock(0);
    let releaseInit!: () => void;
    let gateOpen = false;
    const runs: number[] = [];
    const sup = make(clock, { mode: 'periodic', run: async () => undefined }, async () => void runs.push(clock.now()), {
      initDone: new Promise<void>((r) => (releaseInit = r)),
      waitOpen: async (signal) => {
        while (!gateOpen && !signal.aborted) await clock.sleep(100, signal);
      },
    });
    const stop = new AbortController();
    const loop = sup.run(stop.signal);
    await clock.advance(5000);
    expect(runs).toEqual([]);
    releaseInit();
    await clock.advance(5000);
    expect(runs).toEqual([]);
    gateOpen = true;
    await clock.advance(100);
    expect(runs).toEqual([10_100]); // the first gate poll after it opened
    stop.abort();
    await loop;
  });

  it('stops promptly while sleeping', async () => {
    const clock = new VirtualClock(0);
    const sup = make(clock, { mode: 'periodic', run: async () => undefined }, async () => undefined);
    const stop = new AbortController();
    const loop = sup.run(stop.signal);
    await clock.advance(1);
    stop.abort();
    await loop; // no clock advance needed: the sleep is aborted
    expect(sup.status.state).toBe('stopped');
  });

  it('gives up after maxConsecutiveFailures (init update)', async () => {
    const clock = new VirtualClock(0);
    let calls = 0;
    const sup = make(clock, { mode: 'once', run: async () => undefined }, async () => {
      calls += 1;
      throw new Error('down');
    }, { maxConsecutiveFailures: 3 });
    const loop = sup.run(new AbortController().signal);
    await clock.advance(60_000);
    await loop;
    expect(calls).toBe(3);
  });

  it('an authentication error stops the task instead of hammering', async () => {
    const { AuthenticationError } = await import('ccxt');
    const clock = new VirtualClock(0);
    let calls = 0;
    const sup = make(clock, { mode: 'periodic', run: async () => undefined }, async () => {
      calls += 1;
      throw new AuthenticationError('invalid api key');
    });
    const loop = sup.run(new AbortController().signal);
    await clock.advance(60_000);
    await loop;
    expect(calls).toBe(1);
    expect(sup.status).toMatchObject({ ok: false, lastErrorKind: 'auth', state: 'stopped' });
  });
});
