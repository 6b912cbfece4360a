import { setMaxListeners } from 'node:events';
import { StoppedError } from '../core/errors.js';

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

/**
 * The updater's phase, moved only along {@link TRANSITIONS}, and its start and stop as promises:
 * each runs at most once (repeat calls share the promise), a stop ends a start under way at once,
 * and a start after a stop is refused.
 */
export class Lifecycle {
  #phase: UpdaterPhase = 'created';
  readonly #onChange: (phase: UpdaterPhase) => void;
  readonly #stop = new AbortController();
  #startPromise: Promise<void> | null = null;
  #stopPromise: Promise<void> | null = null;
  /** The start reached `running` (its last step): a stop after it no longer fails the start. */
  #reachedRunning = false;

  constructor(onChange: (phase: UpdaterPhase) => void) {
    this.#onChange = onChange;
    // Every task loop listens on the one stop signal.
    setMaxListeners(0, this.#stop.signal);
  }

  get phase(): UpdaterPhase {
    return this.#phase;
  }

  /** Aborted when the stop begins; everything the start and the tasks wait on listens to it. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Whether the table allows moving to `next` now. */
  can(next: UpdaterPhase): boolean {
    return TRANSITIONS[this.#phase].includes(next);
  }

  /** Moves to `next`; throws when the table does not allow it (`refused` builds the error). */
  to(next: UpdaterPhase, refused: (from: UpdaterPhase) => Error = (from) => new Error(`updater cannot go from ${from} to ${next}`)): void {
    if (!this.can(next)) throw refused(this.#phase);
    this.#phase = next;
    if (next === 'running') this.#reachedRunning = true;
    this.#onChange(next);
  }

  /**
   * Runs `run` once; repeat calls return the same promise. A stop while it runs rejects the
   * start at once with a `StoppedError`, even while a request hangs: what the start still had in
   * flight finishes (or times out) in the background and is discarded. A failed start moves to
   * `faulted` (unless the failure is the stop), stops, and rejects with `failed.failure(err)`.
   */
  start(run: () => Promise<void>, failed: { failure: (err: unknown) => unknown; stop: () => Promise<void> }): Promise<void> {
    if (this.#stopPromise) {
      return Promise.reject(new StoppedError(`start() after stop(): this updater is ${this.phase}; build a new one`));
    }
    if (this.#startPromise) return this.#startPromise;
    const started = run();
    started.catch(() => undefined);
    this.#startPromise = Promise.race([started, this.#stoppedWhileStarting()]).catch(async (err: unknown) => {
      const failure = failed.failure(err);
      if (!(failure instanceof StoppedError) && this.can('faulted')) this.to('faulted');
      await failed.stop();
      throw failure;
    });
    return this.#startPromise;
  }

  /** Throws a `StoppedError` once the stop has begun (between the start's steps). */
  throwIfStopped(): void {
    if (this.#stop.signal.aborted) throw new StoppedError('stopped while starting');
  }

  /**
   * Moves to `stopping`, aborts {@link signal} and runs `run` once; repeat calls return the same
   * promise. `run` moves to `stopped` itself, at the point its listeners should see it.
   */
  stop(run: () => Promise<void>): Promise<void> {
    this.#stopPromise ??= (async () => {
      if (this.can('stopping')) this.to('stopping');
      this.#stop.abort(new Error('stopping'));
      await run();
    })();
    return this.#stopPromise;
  }

  #stoppedWhileStarting(): Promise<never> {
    const signal = this.#stop.signal;
    return new Promise<never>((_resolve, reject) => {
      // A stop from a listener of `running` (the start's last step) comes after the start was
      // done: the start resolves, and the stop goes on.
      const stopped = (): void => {
        if (!this.#reachedRunning) reject(new StoppedError('stopped while starting'));
      };
      if (signal.aborted) stopped();
      else signal.addEventListener('abort', stopped, { once: true });
    });
  }
}
