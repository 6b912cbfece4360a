import { ExchangeNotAvailable, InvalidOrder, RateLimitExceeded, RequestTimeout } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { RETRY_AFTER_PROP } from '../../src/exchange/classify.js';
import { retryWeather } from '../../src/orders/weather-retry.js';

// retryWeather tries a call again on expected weather (timeouts, 5xx, rate limits) with backoff
// until it works or its deadline, and never on a refusal, which would only be refused again.
function failing(errors: Error[]): { calls: number; fn: () => Promise<string> } {
  const state = { calls: 0, fn: async (): Promise<string> => '' };
  state.fn = () => {
    const err = errors[state.calls++];
    return err ? Promise.reject(err) : Promise.resolve('ok');
  };
  return state;
}

async function settle<T>(clock: VirtualClock, p: Promise<T>): Promise<{ value?: T; error?: unknown; at: number }> {
  const start = clock.now();
  let out: { value?: T; error?: unknown; at: number } | null = null;
  p.then(
    (value) => (out = { value, at: clock.now() - start }),
    (error: unknown) => (out = { error, at: clock.now() - start }),
  );
  await clock.advanceUntil(() => out !== null, 600_000, 100);
  return out!;
}

describe('retryWeather', () => {
  it('tries again after timeouts and 5xx, waiting 0.5 s then 1 s', async () => {
    const clock = new VirtualClock();
    const call = failing([new RequestTimeout('timed out'), new ExchangeNotAvailable('503')]);
    const r = await settle(clock, retryWeather({ clock, logger: silentLogger(), deadlineAt: clock.now() + 60_000 }, 'x', call.fn));
    expect(r.value).toBe('ok');
    expect(call.calls).toBe(3);
    expect(r.at).toBeGreaterThanOrEqual(1_500);
  });

  it('does not try a refusal again', async () => {
    const clock = new VirtualClock();
    const call = failing([new InvalidOrder('price out of range')]);
    const r = await settle(clock, retryWeather({ clock, logger: silentLogger(), deadlineAt: clock.now() + 60_000 }, 'x', call.fn));
    expect(r.error).toBeInstanceOf(InvalidOrder);
    expect(call.calls).toBe(1);
  });

  it('gives up with the last error when the next try would start past the deadline', async () => {
    const clock = new VirtualClock();
    const call = failing(Array.from({ length: 100 }, () => new ExchangeNotAvailable('503')));
    const r = await settle(clock, retryWeather({ clock, logger: silentLogger(), deadlineAt: clock.now() + 10_000 }, 'x', call.fn));
    expect(r.error).toBeInstanceOf(ExchangeNotAvailable);
    expect(r.at).toBeLessThanOrEqual(10_000);
    // 0.5 + 1 + 2 + 4 s of waits fit in 10 s; the next 5 s would not.
    expect(call.calls).toBe(5);
  });

  it("waits out a rate limit's own Retry-After when it is longer than the backoff", async () => {
    const clock = new VirtualClock();
    const limited = Object.assign(new RateLimitExceeded('429'), { [RETRY_AFTER_PROP]: 7_000 });
    const call = failing([limited]);
    const r = await settle(clock, retryWeather({ clock, logger: silentLogger(), deadlineAt: clock.now() + 60_000 }, 'x', call.fn));
    expect(r.value).toBe('ok');
    expect(r.at).toBeGreaterThanOrEqual(7_000);
  });
});
