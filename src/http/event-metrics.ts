import { isFinalStatus } from '../orders/transitions.js';
import type { OperatorMetrics } from './operator-metrics.js';
import type { StatusEvent, StatusSource } from './types.js';

interface Progress {
  sentAt: number | null;
  /** Finished: later events of the order are ignored. */
  done: boolean;
  ackedAt: number | null;
  filled: boolean;
}

/** Orders followed at once; beyond this the oldest are forgotten (their later stages go unmeasured). */
const MAX_TRACKED = 10_000;

/**
 * Counts interactor commands, and derives the order latency histograms from the engine's order
 * events: queued → sent (the
 * executor's wait, budget included), sent → acknowledged (the exchange's answer carrying its
 * id) and acknowledged → first fill. Each stage is observed once per order.
 */
export class EventMetricsRecorder {
  readonly #metrics: OperatorMetrics;
  readonly #orders = new Map<string, Progress>();
  readonly #unsubscribe: () => void;

  constructor(source: StatusSource, metrics: OperatorMetrics) {
    this.#metrics = metrics;
    this.#unsubscribe = source.subscribe((event) => this.#onEvent(event));
  }

  close(): void {
    this.#unsubscribe();
  }

  #onEvent(event: StatusEvent): void {
    if (event.type === 'command') {
      this.#metrics.command(event.command, event.outcome, event.count ?? 1);
      return;
    }
    if (event.type !== 'order') return;
    let p = this.#orders.get(event.clientOrderId);
    // A finished order's late news (a REST answer after the stream's fill, or the reverse) is not a second order.
    if (p?.done) return;
    if (!p) {
      if (event.id !== null && event.submittedAt == null) return; // adopted: never queued by us
      p = { sentAt: null, ackedAt: null, filled: false, done: false };
      this.#orders.set(event.clientOrderId, p);
      if (this.#orders.size > MAX_TRACKED) this.#orders.delete(this.#orders.keys().next().value as string);
    }
    if (p.sentAt === null && event.submittedAt != null) {
      p.sentAt = event.submittedAt;
      if (event.createdAt !== undefined) this.#metrics.latency('queued_to_sent', event.submittedAt - event.createdAt);
    }
    if (p.ackedAt === null && event.id !== null && p.sentAt !== null) {
      p.ackedAt = event.at;
      this.#metrics.latency('sent_to_acked', event.at - (event.submittedAt ?? p.sentAt));
    }
    if (!p.filled && (event.filled ?? 0) > 0 && p.ackedAt !== null) {
      p.filled = true;
      this.#metrics.latency('acked_to_first_fill', event.at - p.ackedAt);
    }
    // Kept (bounded by MAX_TRACKED) rather than forgotten, so later news of it is recognised.
    if (isFinalStatus(event.status)) p.done = true;
  }
}
