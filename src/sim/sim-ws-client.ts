import { NetworkError } from '../exchange/ccxt-lib.js';

/** At most this many undelivered items are kept per subscription (ccxt's cache limit). */
const BUFFER_LIMIT = 1000;

interface Waiter {
  hashes: readonly string[];
  resolve: (items: unknown[]) => void;
  reject: (error: unknown) => void;
}

/**
 * One simulated websocket connection of the in-process sim, shaped like ccxt.pro's client
 * (`url`, `subscriptions`, `isOpen`, `reset`, `close`, `connection.terminate`), so the engine's
 * stream code finds, checks and drops it exactly as it does a real one. Each subscription
 * (ccxt's message hash) buffers what arrived since its last watch call; a watch call resolves
 * at once with that, or waits for the next item. Dropping or closing the connection rejects
 * the pending watches.
 */
export class SimWsClient {
  readonly url: string;
  readonly subscriptions: Record<string, true> = {};
  error: unknown = undefined;
  readonly connection = { terminate: (): void => this.reset(new NetworkError(`${this.url} terminated`)) };
  readonly #buffers = new Map<string, unknown[]>();
  #waiters: Waiter[] = [];
  readonly #muted: (hash: string) => boolean;
  readonly #onClosed: (client: SimWsClient) => void;
  #open = true;

  /**
   * @param muted - whether a subscription is silenced now (the sim's `silent_streams` knob):
   *   its items are kept but not delivered, like a server that stops sending while the
   *   connection stays up.
   * @param onClosed - called once when the connection closes.
   */
  constructor(url: string, muted: (hash: string) => boolean, onClosed: (client: SimWsClient) => void) {
    this.url = url;
    this.#muted = muted;
    this.#onClosed = onClosed;
  }

  isOpen(): boolean {
    return this.#open;
  }

  /** Whether some subscription hash starts with `prefix`. */
  follows(prefix: string): boolean {
    return Object.keys(this.subscriptions).some((h) => h.startsWith(prefix));
  }

  /**
   * Subscribes to `hashes` (those not yet subscribed) and resolves with what arrived for any of
   * them since the last call, oldest first per hash.
   */
  watch(...hashes: string[]): Promise<unknown[]> {
    if (!this.#open) return Promise.reject(this.error ?? new NetworkError(`${this.url} closed`));
    for (const h of hashes) this.subscriptions[h] = true;
    return new Promise((resolve, reject) => {
      this.#waiters.push({ hashes, resolve, reject });
      this.#deliver();
    });
  }

  /**
   * Queues an item for `hash`, if subscribed, and wakes its watchers unless `later` (one venue
   * operation's events go out as one message: then {@link flush} wakes them).
   */
  push(hash: string, item: unknown, later = false): void {
    if (!this.#open || !this.subscriptions[hash]) return;
    const buffer = this.#buffers.get(hash) ?? [];
    buffer.push(item);
    if (buffer.length > BUFFER_LIMIT) buffer.splice(0, buffer.length - BUFFER_LIMIT);
    this.#buffers.set(hash, buffer);
    if (!later) this.#deliver();
  }

  /** Offers every buffered item to the waiting watchers. */
  flush(): void {
    this.#deliver();
  }

  /** Closes the connection with `error`: pending watches reject with it. */
  reset(error: unknown): void {
    if (!this.#open) return;
    this.#open = false;
    this.error ??= error;
    for (const w of this.#waiters) w.reject(this.error);
    this.#waiters = [];
    this.#buffers.clear();
    this.#onClosed(this);
  }

  /** ccxt's polite close (`exchange.close()`): pending watches reject with `error` if set. */
  close(): Promise<void> {
    this.reset(this.error ?? new NetworkError(`${this.url} closed`));
    return Promise.resolve();
  }

  /** Resolves every waiter that has news, first come first served. */
  #deliver(): void {
    this.#waiters = this.#waiters.filter((w) => {
      const items: unknown[] = [];
      for (const h of w.hashes) {
        const buffer = this.#buffers.get(h);
        if (!buffer || this.#muted(h)) continue;
        items.push(...buffer);
        this.#buffers.delete(h);
      }
      if (items.length === 0) return true;
      w.resolve(items);
      return false;
    });
  }
}
