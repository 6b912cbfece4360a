import { describe, expect, it } from 'vitest';
import { SlidingWindow } from '../../src/exchange/sliding-window.js';

describe('SlidingWindow', () => {
  it('counts a grant in every window (t - windowMs, t] and lets it go at t + windowMs', () => {
    const w = new SlidingWindow(1000);
    w.add(0, 3);
    w.add(400, 2);
    expect(w.used(400)).toBe(5);
    expect(w.used(999)).toBe(5);
    expect(w.used(1000)).toBe(2);
    expect(w.used(1400)).toBe(0);
    expect(w.maxObserved).toBe(5);
  });

  it('says when the oldest grants will have left for more weight to fit', () => {
    const w = new SlidingWindow(1000);
    w.add(0, 3);
    w.add(400, 2);
    w.add(700, 5);
    // 10 used of 10: one unit fits once the grant at 0 leaves; four once the one at 400 does too.
    expect(w.freeAt(1, 10, 800)).toBe(1000);
    expect(w.freeAt(4, 10, 800)).toBe(1400);
    expect(w.freeAt(0, 10, 800)).toBe(800);
    expect(w.freeAt(3, 10, 1000)).toBe(1000);
  });

  it('keeps its sum exact across the compaction of a long log', () => {
    const w = new SlidingWindow(100);
    for (let t = 0; t < 5000; t++) w.add(t, 1);
    expect(w.used(4999)).toBe(100);
    expect(w.used(5050)).toBe(49);
    w.add(5050, 7);
    expect(w.used(5050)).toBe(56);
    expect(w.maxObserved).toBe(100);
  });
});
