import { AsyncLocalStorage } from 'node:async_hooks';

/** One scope's store, and whether the scope still runs. */
interface Scope<T> {
  store: T;
  open: boolean;
}

/**
 * An `AsyncLocalStorage` that is switched off whenever none of its scopes is running.
 *
 * On Node 20 an enabled `AsyncLocalStorage` installs a promise hook that every promise of the
 * process pays for, for the rest of its life: an `await` of a resolved promise costs about 2.5×
 * as much. misso's scopes are rare (the start's read retries, a session restart's reconcile
 * hooks), while a streaming engine resolves promises for every frame it reads; so the hook is on
 * only while a scope runs.
 *
 * The difference from a bare `AsyncLocalStorage`: once a scope has ended, work it left behind (a
 * promise chain still going) no longer sees its store, also while later scopes run (the storage
 * is on again then, and promises made inside the ended scope still carry it). The callers here
 * treat that work as outside the scope anyway.
 */
export class ScopedStore<T> {
  readonly #storage = new AsyncLocalStorage<Scope<T>>();
  #running = 0;

  /**
   * Runs `fn` with `store` visible to everything it awaits, until it settles or `until` aborts
   * (work that ignores the abort must not keep the promise hook on for good).
   */
  async run<R>(store: T, fn: () => Promise<R>, until?: AbortSignal): Promise<R> {
    const scope: Scope<T> = { store, open: true };
    this.#running++;
    const end = (): void => {
      if (!scope.open) return;
      scope.open = false;
      if (--this.#running === 0) this.#storage.disable();
    };
    until?.addEventListener('abort', end, { once: true });
    try {
      const settled = this.#storage.run(scope, fn);
      // Aborted already: after `run`, which switches the storage on, so it is switched off again.
      if (until?.aborted) end();
      return await settled;
    } finally {
      until?.removeEventListener('abort', end);
      end();
    }
  }

  /** The store of the scope the caller runs in, if a scope is running and the caller is in it. */
  getStore(): T | undefined {
    if (this.#running === 0) return undefined;
    const scope = this.#storage.getStore();
    return scope?.open ? scope.store : undefined;
  }

  /** How many scopes are running. */
  get running(): number {
    return this.#running;
  }
}
