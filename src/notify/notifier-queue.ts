import { Backoff } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { NotifySendError } from './notify-send-error.js';
import type { Notifier, NotifierStats, NotifyLevel, NotifyMessage, NotifySink } from './types.js';

/** Options for {@link NotifierQueue}. */
export interface NotifierQueueOptions {
  sink: NotifySink;
  clock: Clock;
  /** Where delivery problems are reported (never the message bodies' secrets: sinks redact). */
  logger?: Logger;
  /**
   * The same key (or text) at the same level is not sent again within this window; a change of
   * level under a key (a stall, then its recovery) is always sent. 0 disables. @defaultValue 300
   */
  dedupeSecs?: number;
  /** At most this many deliveries per rolling minute; the excess becomes one summary. @defaultValue 20 */
  maxPerMinute?: number;
  /** Queue bound; when full the oldest message is dropped. @defaultValue 100 */
  maxQueue?: number;
  /** Delivery attempts per message before it is given up. @defaultValue 5 */
  maxAttempts?: number;
  /** First retry delay, doubled per attempt. @defaultValue 1000 */
  backoffBaseMs?: number;
  /** Cap of the retry delay (a service's own retry-after is honoured above it). @defaultValue 60000 */
  backoffMaxMs?: number;
  /** `close()` gives up on undelivered messages after this long. @defaultValue 5000 */
  closeTimeoutMs?: number;
}

const MINUTE_MS = 60_000;
const LEVEL_RANK: Record<NotifyLevel, number> = { info: 0, warn: 1, error: 2 };

/**
 * A {@link Notifier} in front of one sink that can never slow trading down: `notify()` only
 * deduplicates and enqueues, and a single background sender delivers in order, retrying
 * transient failures with exponential backoff (or the service's retry-after), holding to a
 * per-minute limit by folding the excess into one "N suppressed" summary, and dropping the
 * oldest message when the queue is full.
 */
export class NotifierQueue implements Notifier {
  #sink: NotifySink;
  #clock: Clock;
  #logger: Logger | undefined;
  #dedupeMs: number;
  #maxPerMinute: number;
  #maxQueue: number;
  #maxAttempts: number;
  #backoff: Backoff;
  #closeTimeoutMs: number;

  #queue: NotifyMessage[] = [];
  /** Per key: when it was last let through, and the condition it reported (by default its level). */
  #lastSeen = new Map<string, { at: number; condition: string }>();
  /** Times of the deliveries in the current rolling minute, oldest first. */
  #window: number[] = [];
  #pendingSuppressed: NotifyMessage[] = [];
  #pendingSuppressedCount = 0;
  /** Per key: the condition last delivered, and the latest message the rate limit held back. */
  #deliveredCondition = new Map<string, string>();
  #heldByKey = new Map<string, NotifyMessage>();
  #stats: Omit<NotifierStats, 'queued'> = { sent: 0, deduped: 0, suppressed: 0, dropped: 0, failed: 0 };

  #wake = new AbortController();
  #closing = false;
  /** Aborted when the close deadline passes: cuts in-flight sends and backoff sleeps. */
  #deadline = new AbortController();
  #closePromise: Promise<void> | undefined;
  #idleWaiters: (() => void)[] = [];
  #busy = false;
  #loop: Promise<void>;

  constructor(options: NotifierQueueOptions) {
    this.#sink = options.sink;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#dedupeMs = nonNegative('dedupeSecs', options.dedupeSecs ?? 300) * 1000;
    this.#maxPerMinute = positiveInt('maxPerMinute', options.maxPerMinute ?? 20);
    this.#maxQueue = positiveInt('maxQueue', options.maxQueue ?? 100);
    this.#maxAttempts = positiveInt('maxAttempts', options.maxAttempts ?? 5);
    const backoffMaxMs = nonNegative('backoffMaxMs', options.backoffMaxMs ?? 60_000);
    this.#backoff = new Backoff({ baseMs: Math.min(nonNegative('backoffBaseMs', options.backoffBaseMs ?? 1000), backoffMaxMs), maxMs: backoffMaxMs });
    this.#closeTimeoutMs = nonNegative('closeTimeoutMs', options.closeTimeoutMs ?? 5000);
    this.#loop = this.#run().catch((err: unknown) => {
      this.#logger?.error({ sink: this.#sink.name, err: coerceError(err).message }, 'notifier sender crashed');
    });
  }

  notify(msg: NotifyMessage): void {
    if (this.#closing) {
      this.#stats.dropped++;
      return;
    }
    const now = this.#clock.now();
    if (this.#dedupeMs > 0) {
      const key = msg.key ?? `text:${msg.text}`;
      const seen = this.#lastSeen.get(key);
      // Only a repeat of the same condition is a duplicate: a recovery right after its stall (or
      // a stall again after the recovery) is news, or the last word could be a stale "stalled".
      const condition = msg.condition ?? msg.level;
      if (seen !== undefined && seen.condition === condition && now - seen.at < this.#dedupeMs) {
        this.#stats.deduped++;
        return;
      }
      this.#lastSeen.set(key, { at: now, condition });
      if (this.#lastSeen.size > 512) this.#pruneSeen(now);
    }
    if (this.#queue.length >= this.#maxQueue) {
      this.#queue.shift();
      this.#stats.dropped++;
    }
    this.#queue.push({ ...msg });
    this.#wake.abort();
  }

  /** Current counters. */
  stats(): NotifierStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  /**
   * Resolves once nothing is queued or being sent and no summary is waiting for the rate
   * window: useful in tests and before a planned exit.
   */
  onIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): Promise<void> {
    this.#closePromise ??= this.#close();
    return this.#closePromise;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    this.#wake.abort();
    const timer = new AbortController();
    void this.#clock.sleep(this.#closeTimeoutMs, timer.signal).then((expired) => {
      if (expired) this.#deadline.abort();
    });
    await this.#loop;
    timer.abort();
    if (this.#queue.length > 0) {
      this.#stats.dropped += this.#queue.length;
      this.#logger?.warn(
        { sink: this.#sink.name, dropped: this.#queue.length },
        'notifier closed before every message was delivered',
      );
      this.#queue = [];
    }
    this.#settleIdle();
  }

  async #run(): Promise<void> {
    for (;;) {
      if (this.#deadline.signal.aborted) return;
      const now = this.#clock.now();
      while (this.#window.length > 0 && (this.#window[0] ?? 0) <= now - MINUTE_MS) this.#window.shift();
      const room = this.#window.length < this.#maxPerMinute;
      const head = this.#queue[0];
      if (head && !room) {
        this.#queue.shift();
        this.#suppress(head);
        continue;
      }
      if (room && this.#pendingSuppressedCount > 0) {
        // A key's held-back last word first, one per free slot; the summary tells the rest.
        const next = this.#takeLastWord() ?? this.#summary();
        this.#busy = true;
        await this.#deliver(next);
        this.#busy = false;
        continue;
      }
      if (head) {
        this.#queue.shift();
        this.#busy = true;
        await this.#deliver(head);
        this.#busy = false;
        continue;
      }
      if (this.#pendingSuppressedCount > 0) {
        if (this.#closing) {
          this.#logger?.warn(
            { sink: this.#sink.name, suppressed: this.#pendingSuppressedCount },
            'notifier closed while messages were held back by its rate limit',
          );
          this.#pendingSuppressed = [];
          this.#pendingSuppressedCount = 0;
          return;
        }
        const waitMs = (this.#window[0] ?? now) + MINUTE_MS - now;
        await this.#clock.sleep(waitMs, this.#freshWake());
        continue;
      }
      if (this.#closing) return;
      this.#settleIdle();
      await this.#waitForWork();
    }
  }

  async #deliver(msg: NotifyMessage): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#sink.send(msg, this.#deadline.signal);
        this.#window.push(this.#clock.now());
        this.#stats.sent++;
        if (msg.key !== undefined) this.#noteDelivered(msg.key, msg.condition ?? msg.level);
        return;
      } catch (err: unknown) {
        const error = coerceError(err);
        const retryable = !(err instanceof NotifySendError) || err.retryable;
        if (this.#deadline.signal.aborted || !retryable || attempt >= this.#maxAttempts) {
          this.#stats.failed++;
          // It never arrived, so a repeat of it must not be swallowed as a duplicate.
          this.#lastSeen.delete(msg.key ?? `text:${msg.text}`);
          this.#logger?.warn(
            { sink: this.#sink.name, attempts: attempt, err: error.message },
            this.#deadline.signal.aborted ? 'notification abandoned at close deadline' : 'notification not delivered',
          );
          return;
        }
        const backoff = this.#backoff.nominalMs(attempt);
        const retryAfter = err instanceof NotifySendError ? err.retryAfterMs : null;
        const delay = retryAfter ?? backoff;
        this.#logger?.debug({ sink: this.#sink.name, attempt, delayMs: delay, err: error.message }, 'notification retry');
        if (!(await this.#clock.sleep(delay, this.#deadline.signal))) {
          this.#stats.failed++;
          this.#logger?.warn({ sink: this.#sink.name, attempts: attempt }, 'notification abandoned at close deadline');
          return;
        }
      }
    }
  }

  #suppress(msg: NotifyMessage): void {
    this.#stats.suppressed++;
    this.#pendingSuppressedCount++;
    if (msg.key !== undefined) {
      this.#heldByKey.delete(msg.key);
      this.#heldByKey.set(msg.key, msg);
    }
    if (this.#pendingSuppressed.length < 3) this.#pendingSuppressed.push(msg);
    else if (this.#pendingSuppressed.every((m) => LEVEL_RANK[m.level] < LEVEL_RANK[msg.level])) {
      this.#pendingSuppressed[2] = msg;
    }
  }

  #summary(): NotifyMessage {
    this.#heldByKey.clear();
    const n = this.#pendingSuppressedCount;
    const samples = this.#pendingSuppressed;
    let level: NotifyLevel = 'info';
    for (const m of samples) if (LEVEL_RANK[m.level] > LEVEL_RANK[level]) level = m.level;
    const shown = samples.map((m) => `- ${m.text.length > 200 ? `${m.text.slice(0, 199)}…` : m.text}`).join('\n');
    this.#pendingSuppressed = [];
    this.#pendingSuppressedCount = 0;
    return {
      level,
      text: `${n} messages suppressed (limit ${this.#maxPerMinute} per minute), including:\n${shown}`,
    };
  }

  /**
   * The latest held-back message of a key whose last delivered condition it changes (a stream's
   * recovery after its "down"), taken out of what the summary will count: so the last word of
   * every condition goes out under its key, never only inside a summary. Null when none is left
   * (a newer message of the key already queued goes out by itself).
   */
  #takeLastWord(): NotifyMessage | null {
    const queued = new Set(this.#queue.map((m) => m.key));
    for (const [key, m] of this.#heldByKey) {
      this.#heldByKey.delete(key);
      if (queued.has(key) || this.#deliveredCondition.get(key) === (m.condition ?? m.level)) continue;
      this.#pendingSuppressedCount--;
      this.#pendingSuppressed = this.#pendingSuppressed.filter((x) => x !== m);
      return m;
    }
    return null;
  }

  /** Kept for the keys delivered last (some keys are one-off, a summary's time in them): at most 512. */
  #noteDelivered(key: string, condition: string): void {
    this.#deliveredCondition.delete(key);
    this.#deliveredCondition.set(key, condition);
    if (this.#deliveredCondition.size > 512) this.#deliveredCondition.delete(this.#deliveredCondition.keys().next().value!);
  }

  #freshWake(): AbortSignal {
    if (this.#wake.signal.aborted) this.#wake = new AbortController();
    return this.#wake.signal;
  }

  #waitForWork(): Promise<void> {
    const signal = this.#freshWake();
    if (this.#queue.length > 0 || this.#closing) return Promise.resolve();
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && !this.#busy && this.#pendingSuppressedCount === 0;
  }

  #settleIdle(): void {
    if (!this.#isIdle() && !this.#closing) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  #pruneSeen(now: number): void {
    for (const [key, seen] of this.#lastSeen) if (now - seen.at >= this.#dedupeMs) this.#lastSeen.delete(key);
  }
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new TypeError(`NotifierQueue: \`${name}\` must be a finite number >= 0, got ${value}`);
  }
  return value;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`NotifierQueue: \`${name}\` must be an integer >= 1, got ${value}`);
  }
  return value;
}
