import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/core/backoff.js';

describe('Backoff', () => {
  it('doubles from the base up to the cap, and starts over after reset', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(b.attempt).toBe(6);
    b.reset();
    expect(b.attempt).toBe(0);
    expect(b.next()).toBe(100);
  });

  it('honours another factor', () => {
    const b = new Backoff({ baseMs: 10, maxMs: 10_000, factor: 3 });
    expect([b.next(), b.next(), b.next()]).toEqual([10, 30, 90]);
  });

  it('jitters each delay into half to all of its nominal value', () => {
    const low = new Backoff({ baseMs: 1000, maxMs: 8000, random: () => 0 });
    const high = new Backoff({ baseMs: 1000, maxMs: 8000, random: () => 0.999_999 });
    expect([low.next(), low.next(), low.next()]).toEqual([500, 1000, 2000]);
    expect([high.next(), high.next(), high.next()]).toEqual([1000, 2000, 4000]);
  });

  it('never overflows for a long outage', () => {
    const b = new Backoff({ baseMs: 500, maxMs: 30_000 });
    for (let i = 0; i < 5000; i++) b.next();
    expect(b.next()).toBe(30_000);
    expect(b.nominalMs(10_000)).toBe(30_000);
  });

  it('clamps nonsense options to something that still backs off', () => {
    const b = new Backoff({ baseMs: -5, maxMs: -10, factor: 0 });
    expect(b.next()).toBe(0);
    const c = new Backoff({ baseMs: 200, maxMs: 100 });
    expect(c.next()).toBe(200);
  });
});
