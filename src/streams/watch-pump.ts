/** A delivery and when it arrived (the pump queued it), epoch ms. */
export interface Arrival<T> {
  readonly data: T;
  readonly at: number;
}

/**
 * Keeps one ccxt.pro watch call waiting at all times and queues what each one answers.
 *
 * ccxt resolves a delivery only for a watch call already waiting (`client.resolve` drops it
 * otherwise) and keeps the update in its cache until some later message wakes a later call. A
 * consumer that calls `watch*` again only after doing its own work (a gap fill's REST, applying
 * a batch) would leave a burst that landed meanwhile unseen until the next message, which on a
 * quiet user stream may be many minutes away. The pump re-arms in the answer's own continuation,
 * a microtask, so no websocket message (a macrotask) can land between two calls.
 */
export class WatchPump<T> {
  readonly #watch: () => Promise<T>;
  readonly #now: () => number;
  #queue: Arrival<T>[] = [];
  #failure: { error: unknown } | null = null;
  #stopped = false;
  #wake: (() => void) | null = null;
  #ready: Promise<void> | null = null;
  /** {@link fail} was called: nothing more is armed. */
  #failing = false;

  /** @param now - the clock that stamps each delivery's arrival. */
  constructor(watch: () => Promise<T>, now: () => number) {
    this.#watch = watch;
    this.#now = now;
    this.#arm();
  }

  /**
   * Settles once something can be taken: resolves when a delivery is queued, rejects with the
   * watch's failure once every delivery before it was taken. The same promise until it settles.
   */
  ready(): Promise<void> {
    if (this.#queue.length > 0) return Promise.resolve();
    if (this.#failure) return Promise.reject(this.#failure.error);
    this.#ready ??= new Promise<void>((resolve) => {
      this.#wake = resolve;
    }).then(() => {
      this.#ready = null;
      if (this.#queue.length === 0 && this.#failure) throw this.#failure.error;
    });
    return this.#ready;
  }

  /** How many deliveries are queued. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Settles a waiting {@link ready} now, with nothing queued (the watchdog's call). */
  wake(): void {
    this.#notify();
  }

  /** Every delivery queued so far, oldest first, with when it arrived, leaving the queue empty. */
  take(): Arrival<T>[] {
    const batch = this.#queue;
    this.#queue = [];
    return batch;
  }

  /**
   * Fails the pump from outside (see `StreamLoop.interrupt`): no further watch call is armed, and
   * {@link ready} rejects with `error` once the deliveries before it are taken. The failure is
   * signalled a macrotask on: a watch call answered by the frame just before (the same socket
   * read) hands its delivery over some promise jobs later (ccxt's watch methods await the answer),
   * and that delivery must be queued first, not dropped with the connection.
   */
  fail(error: unknown): void {
    if (this.#stopped || this.#failing) return;
    this.#failing = true;
    setImmediate(() => {
      if (!this.#stopped) this.#fail(error);
    });
  }

  /** Stops re-arming; a watch call still waiting is abandoned (its late answer is dropped). */
  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  #arm(): void {
    if (this.#stopped || this.#failing) return;
    let watching: Promise<T>;
    try {
      watching = this.#watch();
    } catch (error: unknown) {
      this.#fail(error);
      return;
    }
    watching.then(
      (delivery) => {
        if (this.#stopped) return;
        this.#queue.push({ data: delivery, at: this.#now() });
        this.#arm();
        this.#notify();
      },
      (error: unknown) => {
        if (!this.#stopped) this.#fail(error);
      },
    );
  }

  #fail(error: unknown): void {
    this.#failure = { error };
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
