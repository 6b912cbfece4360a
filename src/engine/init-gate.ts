/**
 * The init update's outcome, once: `done` resolves when it has finished (tasks wait on it, and
 * it never rejects); `wait()` also rejects when it failed for good, which fails the start.
 */
export class InitGate {
  readonly done: Promise<void>;
  readonly #failed: Promise<never>;
  #resolve!: () => void;
  #reject!: (err: Error) => void;
  #settled = false;

  constructor() {
    this.done = new Promise<void>((resolve) => (this.#resolve = resolve));
    this.#failed = new Promise<never>((_resolve, reject) => (this.#reject = reject));
    // Nobody may be waiting when it fails (a stop came first): that is not an unhandled rejection.
    this.#failed.catch(() => undefined);
  }

  /** Whether the init update has finished or failed. */
  get settled(): boolean {
    return this.#settled;
  }

  /** The init update finished. */
  resolve(): void {
    this.#settled = true;
    this.#resolve();
  }

  /** The init update failed for good. */
  reject(err: Error): void {
    this.#settled = true;
    this.#reject(err);
  }

  /** Resolves when the init update finished, rejects when it failed. */
  wait(): Promise<void> {
    return Promise.race([this.done, this.#failed]);
  }
}
