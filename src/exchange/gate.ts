import { StoppedError } from '../core/errors.js';

/** `open` lets calls through, `closed` holds them until reopened, `failed` refuses them for good. */
export type GateState = 'open' | 'closed' | 'failed';

/**
 * The restart gate: while closed, new exchange calls wait for it to open again. Failing it (the
 * session is closing) rejects every waiter and every later wait.
 */
export class Gate {
  #state: GateState = 'open';
  #opened: Promise<void> = Promise.resolve();
  #resolve: () => void = () => undefined;
  #reject: (err: Error) => void = () => undefined;
  #failure: Error = new StoppedError('gate failed');

  get state(): GateState {
    return this.#state;
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** Holds new callers until {@link open}. No-op unless open. */
  close(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closed';
    this.#opened = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Waiters attach their own handlers; this one only keeps a failure from being "unhandled".
    this.#opened.catch(() => undefined);
  }

  /** Lets every waiter through. No-op unless closed. */
  open(): void {
    if (this.#state !== 'closed') return;
    this.#state = 'open';
    this.#resolve();
  }

  /** Rejects every current and future waiter with `err`. Final. */
  fail(err: Error): void {
    if (this.#state === 'failed') return;
    const wasClosed = this.#state === 'closed';
    this.#state = 'failed';
    this.#failure = err;
    if (wasClosed) this.#reject(err);
    else {
      this.#opened = Promise.reject(err);
      this.#opened.catch(() => undefined);
    }
  }

  /** Resolves once open; rejects once failed; resolves early when `signal` aborts. */
  wait(signal?: AbortSignal): Promise<void> {
    if (this.#state === 'open') return Promise.resolve();
    if (this.#state === 'failed') return Promise.reject(this.#failure);
    if (!signal) return this.#opened;
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#opened.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err instanceof Error ? err : new StoppedError(String(err)));
        },
      );
    });
  }
}
