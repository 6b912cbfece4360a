import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * An `AsyncLocalStorage` that is switched off whenever none of its scopes is running.
 *
 * On Node 20 an enabled `AsyncLocalStorage` installs a promise hook that every promise of the
 * process pays for, for the rest of its life: an `await` of a resolved promise costs about 2.5×
 * as much. misso's scopes are rare (the start's read retries, a session restart's reconcile
 * hooks), while a streaming engine resolves promises for every frame it reads; so the hook is on
 * only while a scope runs.
 *
 * The difference from a bare `AsyncLocalStorage`: once the last running scope has settled, work
 * it left behind (a promise chain still going) no longer sees the store. The callers here treat
 * that work as outside the scope anyway.
 */
export class ScopedStore<T> {
  readonly #storage = new AsyncLocalStorage<T>();
  #running = 0;

  /** Runs `fn` with `store` visible to everything it awaits, until it settles. */
  async run<R>(store: T, fn: () => Promise<R>): Promise<R> {
    this.#running++;
    try {
      return await this.#storage.run(store, fn);
    } finally {
      if (--this.#running === 0) this.#storage.disable();
    }
  }

  /** The store of the scope the caller runs in, if a scope is running and the caller is in it. */
  getStore(): T | undefined {
    return this.#running > 0 ? this.#storage.getStore() : undefined;
  }

  /** How many scopes are running. */
  get running(): number {
    return this.#running;
  }
}
