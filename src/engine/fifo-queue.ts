/** Thrown by {@link FifoQueue.get_nowait} on an empty queue: Python's `queue.Empty`. */
export class QueueEmptyError extends Error {
  override name = 'QueueEmptyError';
}

/** Thrown by {@link FifoQueue.put_nowait} on a full queue: Python's `queue.Full`. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/**
 * A `shared_attributes` entry `{modul: queue, function: Queue}` under any name but
 * `pending_orders`: a first-in first-out queue of the strategy's own, as Python's `queue.Queue()`
 * gave each such name its own. Only `pending_orders` is the order queue: what goes in here is never
 * sent to the exchange. `args: [maxsize]` bounds it (0, the default, is unbounded). Python's
 * blocking `get` and `put` answer promises here.
 */
export class FifoQueue<T = unknown> {
  readonly maxsize: number;
  readonly #items: T[] = [];
  /** Callers of `get()` waiting for an item, oldest first. */
  readonly #getters: ((item: T) => void)[] = [];
  /** Callers of `put()` waiting for room, oldest first, with their item. */
  readonly #putters: { item: T; done: () => void }[] = [];

  constructor(maxsize: unknown = 0) {
    if (typeof maxsize !== 'number' || !Number.isInteger(maxsize) || maxsize < 0) {
      throw new TypeError(`Queue(maxsize): maxsize must be a whole number of at least 0 (0: unbounded), got ${JSON.stringify(maxsize) ?? String(maxsize)}`);
    }
    this.maxsize = maxsize;
  }

  /** Items waiting, Python's `qsize()`. */
  qsize(): number {
    return this.#items.length;
  }

  empty(): boolean {
    return this.#items.length === 0;
  }

  full(): boolean {
    return this.maxsize > 0 && this.#items.length >= this.maxsize;
  }

  /** Adds `item`, or throws {@link QueueFullError} when the queue is full. */
  put_nowait(item: T): void {
    const getter = this.#getters.shift();
    if (getter) return getter(item);
    if (this.full()) throw new QueueFullError(`the queue is full (maxsize ${this.maxsize})`);
    this.#items.push(item);
  }

  /** Adds `item`; when the queue is full, resolves once there is room and it was added. */
  put(item: T): Promise<void> {
    if (!this.full() || this.#getters.length > 0) {
      this.put_nowait(item);
      return Promise.resolve();
    }
    return new Promise((done) => this.#putters.push({ item, done }));
  }

  /** Takes the oldest item, or throws {@link QueueEmptyError} when there is none. */
  get_nowait(): T {
    if (this.#items.length === 0) throw new QueueEmptyError('the queue is empty');
    const item = this.#items.shift() as T;
    const putter = this.#putters.shift();
    if (putter) {
      this.#items.push(putter.item);
      putter.done();
    }
    return item;
  }

  /** Takes the oldest item; on an empty queue, resolves with the next one put. */
  get(): Promise<T> {
    if (this.#items.length > 0) return Promise.resolve(this.get_nowait());
    return new Promise((resolve) => this.#getters.push(resolve));
  }
}
