import type { NotifyLevel } from '../core/notify-level.js';

/** How loud a notification is. Sinks may render levels differently (a prefix, a log level). */
export type { NotifyLevel } from '../core/notify-level.js';

/** One notification for the operator. */
export interface NotifyMessage {
  text: string;
  level: NotifyLevel;
  /**
   * Messages with the same key and level are deduplicated within the notifier's window even when
   * their texts differ (e.g. a price in the text). One key for a condition's two sides (a warn
   * when it goes wrong, an info when it recovers) makes each change of side go out. Without a key
   * the text itself is the key.
   */
  key?: string;
  /**
   * Which side of its key's condition this message reports (`stalled`, `recovered`, …); the
   * repeat filter drops only a repeat of the same key and condition. Defaults to the level, so a
   * key whose sides differ in level needs none.
   */
  condition?: string;
}

/**
 * Where the engine sends operator messages. `notify` never blocks and never throws, so it is
 * safe to call from a trading loop; delivery happens in the background.
 */
export interface Notifier {
  notify(msg: NotifyMessage): void;
  /** Delivers what is queued (within a deadline) and stops. Repeat calls return the same promise. */
  close(): Promise<void>;
}

/**
 * One delivery channel (a log, a Telegram chat). `send` delivers a single message or throws;
 * a {@link NotifySendError} tells the queue whether and when to retry. Anything else thrown is
 * treated as a transient failure.
 */
export interface NotifySink {
  /** Short name for logs and stats, e.g. `telegram`. */
  readonly name: string;
  /** Must give up promptly when `signal` aborts (the queue's close deadline). */
  send(msg: NotifyMessage, signal: AbortSignal): Promise<void>;
}

/** Counters of a notifier queue, for tests and the status API. */
export interface NotifierStats {
  /** Messages waiting to be sent. */
  queued: number;
  /** Messages the sink accepted (summaries included). */
  sent: number;
  /** Dropped because the same key or text was sent within the dedupe window. */
  deduped: number;
  /** Held back by the per-minute limit and folded into a summary message. */
  suppressed: number;
  /** Lost because the queue was full, the notifier was closed, or the close deadline passed. */
  dropped: number;
  /** Given up after a permanent error or too many attempts. */
  failed: number;
}
