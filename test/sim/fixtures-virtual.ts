import { VirtualClock } from '../../src/core/clock.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';

/** An in-process simulator on a virtual clock starting `startMs`. */
export function virtualSim(startMs: number, knobs: Record<string, unknown> = {}): { clock: VirtualClock; ex: SimExchange } {
  const clock = new VirtualClock(startMs);
  return { clock, ex: createSimExchange(knobs, { clock }) };
}

/** Settles `p` while virtual time moves on in small steps; throws what it rejected with. */
export async function settleVirtual<T>(clock: VirtualClock, p: Promise<T>, maxMs = 60_000): Promise<T> {
  let done = false;
  let value: T | undefined;
  let error: unknown;
  let failed = false;
  p.then(
    (v) => ((done = true), (value = v)),
    (e: unknown) => ((done = true), (failed = true), (error = e)),
  );
  await clock.advanceUntil(() => done, maxMs, 100);
  if (failed) throw error;
  return value as T;
}
