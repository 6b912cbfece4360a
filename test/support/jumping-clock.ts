import { SystemClock, type Clock } from '../../src/core/clock.js';

/**
 * The wall clock, moved on by hand: for a venue behind a real server, a jump of one price step
 * (`STEP_MS`) moves every market's price at once, without waiting ten seconds for it.
 */
export function jumpingClock(): Clock & { jump(ms: number): void } {
  const wall = new SystemClock();
  let skew = 0;
  return {
    now: () => wall.now() + skew,
    sleep: (ms, signal) => wall.sleep(ms, signal),
    jump: (ms) => {
      skew += ms;
    },
  };
}
