/** Lifecycle of an updater, as a small state machine. */
export type UpdaterPhase = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'faulted';

/**
 * Every allowed move. `stopped` and `faulted` are final: an updater is started once and stopped
 * once; a new one is built to run again.
 */
const TRANSITIONS: Readonly<Record<UpdaterPhase, readonly UpdaterPhase[]>> = {
  created: ['starting', 'stopping'],
  starting: ['running', 'stopping', 'faulted'],
  running: ['stopping', 'faulted'],
  stopping: ['stopped', 'faulted'],
  stopped: [],
  faulted: [],
};

/** The updater's phase, moved only along {@link TRANSITIONS}. */
export class Lifecycle {
  #phase: UpdaterPhase = 'created';
  readonly #onChange: (phase: UpdaterPhase) => void;

  constructor(onChange: (phase: UpdaterPhase) => void) {
    this.#onChange = onChange;
  }

  get phase(): UpdaterPhase {
    return this.#phase;
  }

  /** Whether the table allows moving to `next` now. */
  can(next: UpdaterPhase): boolean {
    return TRANSITIONS[this.#phase].includes(next);
  }

  /** Moves to `next`; throws when the table does not allow it (`refused` builds the error). */
  to(next: UpdaterPhase, refused: (from: UpdaterPhase) => Error = (from) => new Error(`updater cannot go from ${from} to ${next}`)): void {
    if (!this.can(next)) throw refused(this.#phase);
    this.#phase = next;
    this.#onChange(next);
  }
}
