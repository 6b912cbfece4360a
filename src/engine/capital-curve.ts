import type { Clock } from '../core/clock.js';
import type { CapitalPoint } from '../http/types.js';
import type { StateStore } from '../state/state-store.js';

/**
 * Total capital over time, from every write of `total_capital`. Bounded: when full, every other
 * point is dropped, so the curve still spans the whole run at half the resolution.
 */
export class CapitalCurve {
  readonly #points: CapitalPoint[] = [];
  readonly #max: number;
  readonly #off: () => void;

  constructor(state: StateStore, clock: Clock, max = 2000) {
    this.#max = max;
    const record = (value: unknown): void => {
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return;
      this.#points.push({ at: clock.now(), total: value });
      if (this.#points.length > this.#max) {
        const kept = this.#points.filter((_p, i) => i % 2 === 0 || i === this.#points.length - 1);
        this.#points.splice(0, this.#points.length, ...kept);
      }
    };
    record(state.get('total_capital'));
    const onChange = (change: { name: string; value: unknown }): void => {
      if (change.name === 'total_capital') record(change.value);
    };
    state.on('change', onChange);
    this.#off = () => state.off('change', onChange);
  }

  /** Oldest first. */
  points(): CapitalPoint[] {
    return [...this.#points];
  }

  close(): void {
    this.#off();
  }
}
