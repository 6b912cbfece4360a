import type { StateStore } from '../state/state-store.js';

/** One attribute going stale or fresh again. */
export interface StalenessChange {
  attribute: string;
  task: string;
  stale: boolean;
  ageMs: number | null;
  maxAgeMs: number;
}

/**
 * Watches the attributes that tasks feed. Each has a maximum age (3 × the feeding task's `freq`
 * unless configured); `check()` reports every transition once — going stale, and recovering —
 * so the engine can mark the task down and notify exactly once each way.
 */
export class StalenessWatch {
  readonly #state: StateStore;
  readonly #feeds = new Map<string, { task: string; maxAgeMs: number }>();
  readonly #stale = new Set<string>();

  constructor(state: StateStore) {
    this.#state = state;
  }

  /** Registers `attribute` as fed by `task`; the shortest max age wins if several tasks feed it. */
  feed(attribute: string, task: string, maxAgeMs: number): void {
    const existing = this.#feeds.get(attribute);
    if (existing && existing.maxAgeMs <= maxAgeMs) return;
    this.#feeds.set(attribute, { task, maxAgeMs });
    this.#state.setMaxAge(attribute, maxAgeMs);
  }

  /** Compares every fed attribute's age with its limit and returns what changed since the last check. */
  check(): StalenessChange[] {
    const changes: StalenessChange[] = [];
    for (const [attribute, { task, maxAgeMs }] of this.#feeds) {
      const stale = this.#state.isStale(attribute);
      if (stale === this.#stale.has(attribute)) continue;
      if (stale) this.#stale.add(attribute);
      else this.#stale.delete(attribute);
      changes.push({ attribute, task, stale, ageMs: this.#state.ageMs(attribute), maxAgeMs });
    }
    return changes;
  }
}
