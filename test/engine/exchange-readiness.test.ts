import { describe, expect, it } from 'vitest';
import { exchangeNotReady, exchangeWaitSince, FAILED_CALLS_NOT_READY, FAILING_FOR_NOT_READY_MS, RESTART_GRACE_MS } from '../../src/engine/exchange-readiness.js';
import type { SessionHealth } from '../../src/exchange/types.js';

const NOW = 1_700_000_000_000;
const HEALTHY: SessionHealth = { restartingSince: null, failedRebuilds: 0, lastRebuildError: null, failedCalls: 0, failingSince: null, lastCallError: null };

describe('exchangeNotReady', () => {
  it('holds for a healthy session and through a restart shorter than the grace', () => {
    expect(exchangeNotReady(HEALTHY, NOW)).toBeNull();
    expect(exchangeNotReady({ ...HEALTHY, restartingSince: NOW - RESTART_GRACE_MS + 1 }, NOW)).toBeNull();
    expect(exchangeNotReady({ ...HEALTHY, failedCalls: FAILED_CALLS_NOT_READY - 1, failingSince: NOW - 60_000, lastCallError: 'RequestTimeout' }, NOW)).toBeNull();
    // A blip: the tasks' calls side by side fail at once, and the next answer clears them.
    expect(exchangeNotReady({ ...HEALTHY, failedCalls: 12, failingSince: NOW - FAILING_FOR_NOT_READY_MS + 1, lastCallError: 'RequestTimeout' }, NOW)).toBeNull();
  });

  it('fails before the session is open, past the grace of a restart, and after enough failed calls in a row', () => {
    expect(exchangeNotReady(null, NOW)).toBe('the exchange session is not open yet');
    expect(exchangeNotReady({ ...HEALTHY, restartingSince: NOW - RESTART_GRACE_MS }, NOW)).toBe(
      'session restarting since 2023-11-14T22:12:50Z (for 30 s; no rebuild attempt failed yet)',
    );
    expect(exchangeNotReady({ ...HEALTHY, restartingSince: NOW - 65_000, failedRebuilds: 1, lastRebuildError: 'ExchangeNotAvailable (HTTP 503)' }, NOW)).toBe(
      'session restarting since 2023-11-14T22:12:15Z (for 65 s; 1 rebuild attempt failed, last: ExchangeNotAvailable (HTTP 503))',
    );
    expect(exchangeNotReady({ ...HEALTHY, failedCalls: FAILED_CALLS_NOT_READY, failingSince: NOW - FAILING_FOR_NOT_READY_MS, lastCallError: 'RequestTimeout' }, NOW)).toBe(
      'the last 5 exchange calls failed since 2023-11-14T22:13:10Z (last: RequestTimeout)',
    );
  });
});

describe('exchangeWaitSince (review 26, bad day F4: a pass that waited out a ban said only "timed out")', () => {
  it('names a ban or a pause that reached past the pass start, in the present or past tense', () => {
    const start = NOW - 30_000;
    expect(exchangeWaitSince({ bannedUntil: NOW + 20_000, pausedUntil: 0 }, start, NOW)).toBe("the exchange's ban holds every call until 2023-11-14T22:13:40Z");
    expect(exchangeWaitSince({ bannedUntil: NOW - 7_000, pausedUntil: 0 }, start, NOW)).toBe("the exchange's ban held every call until 2023-11-14T22:13:13Z");
    expect(exchangeWaitSince({ bannedUntil: 0, pausedUntil: NOW + 5_000 }, start, NOW)).toBe("the exchange's rate limit holds reads until 2023-11-14T22:13:25Z");
    // Ended before the pass began, or never: nothing to say.
    expect(exchangeWaitSince({ bannedUntil: start - 1, pausedUntil: start - 1 }, start, NOW)).toBeNull();
    expect(exchangeWaitSince(undefined, start, NOW)).toBeNull();
  });
});
