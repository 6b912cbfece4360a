import type { Clock } from './clock.js';

/**
 * A clock that reads `offsetMs` ahead of (or, negative, behind) another one and sleeps on it.
 * The sim server uses it to play a venue whose clock is skewed against the client's.
 */
export class OffsetClock implements Clock {
  constructor(
    readonly base: Clock,
    readonly offsetMs: number,
  ) {}

  now(): number {
    return this.base.now() + this.offsetMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    return this.base.sleep(ms, signal);
  }

  track(work: Promise<unknown>): void {
    this.base.track?.(work);
  }
}
