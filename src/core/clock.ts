/**
 * Time is injected everywhere so that tests run in virtual time and never sleep for real.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Waits `ms` milliseconds. Resolves `true` when the full time passed and `false` as soon as
   * `signal` aborts (it never rejects), so loops can simply check the result.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
  /**
   * Real work that takes no time on this clock (a journal's fsync): a virtual clock lets it finish
   * before it moves time on, so a test's budget of virtual time is not spent while the disk works.
   * The wall clock has nothing to do.
   */
  track?(work: Promise<unknown>): void;
}

/** The wall clock, backed by `Date.now` and `setTimeout`. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      let remaining = Math.max(0, ms);
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      // setTimeout fires after 1 ms when given more than 2^31-1 ms (about 24.8 days): a task
      // with a longer freq would spin, so a long sleep is made of steps that fit.
      const arm = (): void => {
        const step = Math.min(remaining, MAX_TIMER_MS);
        remaining -= step;
        timer = setTimeout(() => {
          if (remaining > 0) return arm();
          signal?.removeEventListener('abort', onAbort);
          resolve(true);
        }, step);
      };
      arm();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Timer {
  at: number;
  seq: number;
  resolve: (completed: boolean) => void;
  cleanup: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` fires every due sleeper in time order and
 * lets the promise chains behind each one run before moving on, so whole task loops can be
 * driven through hours of virtual time in milliseconds of real time.
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];
  /** Real work under way (see {@link Clock.track}): time does not move until it is done. */
  readonly #work = new Set<Promise<unknown>>();

  /** @param startMs - the virtual epoch time to start at. @defaultValue 1_700_000_000_000 */
  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** How many sleepers are waiting. */
  get pending(): number {
    return this.#timers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      const onAbort = (): void => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  track(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.#work.add(settled);
    void settled.then(() => this.#work.delete(settled));
  }

  /** Moves time forward by `ms`, firing due sleepers in order and settling what they start. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await this.#settle();
    for (;;) {
      const next = this.#nextDue(target);
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.cleanup();
      next.resolve(true);
      await this.#settle();
    }
    this.#now = target;
    await this.#settle();
  }

  /** Lets pending promise and I/O callbacks run, and tracked real work finish. */
  async #settle(): Promise<void> {
    await flush();
    while (this.#work.size > 0) {
      await Promise.all([...this.#work]);
      await flush();
    }
  }

  /**
   * Advances in `stepMs` steps until `predicate()` holds, giving up after `maxMs` of virtual
   * time with an error that says so.
   */
  async advanceUntil(predicate: () => boolean, maxMs: number, stepMs = 100): Promise<void> {
    const limit = this.#now + maxMs;
    while (!predicate()) {
      if (this.#now >= limit) throw new Error(`condition not met within ${maxMs} ms of virtual time`);
      await this.advance(stepMs);
    }
  }

  #nextDue(target: number): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) {
      if (t.at > target) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}
