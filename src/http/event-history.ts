import type { StatusEvent, StatusSource, TaskStatus } from './types.js';

/** A status event as kept in the history: numbered, so a client can ask for what came after. */
export type NumberedEvent = StatusEvent & { seq: number };

/** Options for {@link EventHistory}. */
export interface EventHistoryOptions {
  /** Events kept; older ones are dropped. @defaultValue 500 */
  capacity?: number;
  /**
   * Refused chat commands (a `command` event with outcome 'unauthorized') kept at most; older
   * ones are dropped first, so strangers typing at the bot cannot push the rest out. @defaultValue 20
   */
  maxUnauthorized?: number;
}

/**
 * Keeps the last events that matter to an operator (orders, notifications, phase and exchange
 * changes, and tasks going down or recovering) from the moment the status server starts, so a
 * page opened late still sees what happened. Prices, attribute writes and routine task runs
 * come every few seconds and would push everything else out: they are passed on live but not
 * kept.
 *
 * It subscribes once for the server's life, and re-publishes every event to its own listeners,
 * with the history's `seq` on the kept ones so a client can join history and live stream.
 */
export class EventHistory {
  readonly #capacity: number;
  readonly #maxUnauthorized: number;
  #unauthorized = 0;
  readonly #events: NumberedEvent[] = [];
  readonly #seqOf = new WeakMap<StatusEvent, number>();
  readonly #taskOk = new Map<string, boolean | null>();
  readonly #unsubscribe: () => void;
  #next = 1;

  constructor(
    readonly source: StatusSource,
    options: EventHistoryOptions = {},
  ) {
    const capacity = options.capacity ?? 500;
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`event history capacity must be a positive integer, got ${capacity}`);
    this.#capacity = capacity;
    const maxUnauthorized = options.maxUnauthorized ?? 20;
    if (!Number.isInteger(maxUnauthorized) || maxUnauthorized <= 0) throw new RangeError(`event history maxUnauthorized must be a positive integer, got ${maxUnauthorized}`);
    this.#maxUnauthorized = maxUnauthorized;
    this.#unsubscribe = source.subscribe((event) => this.#onEvent(event));
  }

  /** Kept events with a `seq` above `since`, oldest first. */
  since(since = 0): NumberedEvent[] {
    const first = this.#events.findIndex((e) => e.seq > since);
    return first < 0 ? [] : this.#events.slice(first);
  }

  /** The `seq` of the newest kept event; 0 before the first. */
  get lastId(): number {
    return this.#next - 1;
  }

  /**
   * A source that reads like `source` but whose kept events carry their history `seq`. Each
   * subscription is passed through to `source`, so an idle stream hub still unsubscribes; the
   * history subscribed first, so it has numbered an event before any other listener sees it.
   */
  asSource(): StatusSource {
    const wrapped: StatusSource = {
      snapshot: () => this.source.snapshot(),
      subscribe: (listener) =>
        this.source.subscribe((event) => {
          const seq = this.#seqOf.get(event);
          listener(seq === undefined ? event : ({ ...event, seq } as NumberedEvent));
        }),
    };
    if (this.source.operator) wrapped.operator = this.source.operator;
    return wrapped;
  }

  /** Stops listening to the source. */
  close(): void {
    this.#unsubscribe();
  }

  #onEvent(event: StatusEvent): void {
    if (!this.#keeps(event)) return;
    const numbered: NumberedEvent = { ...event, seq: this.#next++ };
    this.#seqOf.set(event, numbered.seq);
    this.#events.push(numbered);
    if (isUnauthorized(event) && ++this.#unauthorized > this.#maxUnauthorized) {
      this.#events.splice(this.#events.findIndex(isUnauthorized), 1);
      this.#unauthorized -= 1;
    }
    if (this.#events.length > this.#capacity) {
      for (const dropped of this.#events.splice(0, this.#events.length - this.#capacity)) if (isUnauthorized(dropped)) this.#unauthorized -= 1;
    }
  }

  #keeps(event: StatusEvent): boolean {
    switch (event.type) {
      case 'prices':
      case 'attribute':
        return false;
      case 'task':
        return this.#taskChanged(event.task, event.status);
      default:
        return true;
    }
  }

  /** A task event is kept when the task went down or came back, not on every successful run. */
  #taskChanged(task: string, status: TaskStatus): boolean {
    const before = this.#taskOk.get(task);
    this.#taskOk.set(task, status.ok);
    if (status.ok === null) return false;
    return before === undefined ? status.ok === false : before !== status.ok;
  }
}

/** A chat command refused because its chat may not command. */
function isUnauthorized(event: StatusEvent): boolean {
  return event.type === 'command' && event.outcome === 'unauthorized';
}
