import { coerceError } from '../core/errors.js';
import type { Amender } from './amend.js';
import type { Canceller } from './cancel.js';
import { cancelAll, cancelByClientId, cancelConfirmed, type CancelReport } from './cancel-all.js';
import type { OrdersContext } from './context.js';
import type { Order } from './order.js';
import type { Resolver } from './resolver.js';
import type { OrderTracker } from './tracker.js';

/** What `OrderManager.stop` did. */
export interface StopReport {
  onStop: 'leave' | 'cancel_all';
  /** Never-sent intents kept in the journal (`leave`); they are sent at the next start. */
  queuedKept: number;
  /**
   * Never-sent intents cancelled (`cancel_all`): nothing of ours is left to work, on the exchange
   * or at the next start, at whatever price the market has then.
   */
  queuedCanceled: number;
  /** Intents still unresolved (maybe on the exchange), kept for the next start's reconcile. */
  unresolved: number;
  /** Client ids of the `unresolved` intents. */
  unresolvedIds: string[];
  cancel: CancelReport | null;
}

/**
 * True when `cancel_all` was asked for and could not confirm that every order of ours is
 * cancelled (some still open, the exchange's list unreadable, the cancel_all itself failed, or
 * an order whose placement is still unknown, which may rest on the exchange unseen).
 */
export function stopLeftOrdersOpen(report: StopReport): boolean {
  return report.onStop === 'cancel_all' && (report.unresolved > 0 || report.cancel === null || !cancelConfirmed(report.cancel));
}

/**
 * The end of an order manager's life, once its lifetime signal aborted and the executor ended:
 * waits for resolutions, cancels and amends under way to settle, then, with `cancel_all`,
 * resolves unknown outcomes without sending again for up to `stopResolveTimeoutMs` and cancels
 * (and verifies) every open order of ours. Never throws: a failed `cancel_all` is notified.
 */
export async function shutDown(
  ctx: OrdersContext,
  parts: { resolver: Resolver; canceller: Canceller; amender: Amender; tracker: OrderTracker },
  onStop: 'leave' | 'cancel_all',
  /**
   * Whether the never-sent queue goes with `cancel_all`: not when orders never started going out
   * (a start that failed), whose queue holds the intents recovered from the last run.
   */
  cancelQueued = true,
): Promise<StopReport> {
  const { book, clock, timing, logger, notify } = ctx;
  await parts.resolver.idle();
  await parts.canceller.idle();
  await parts.amender.idle();
  const unresolved = (): Order[] => book.all().filter((o) => o.status === 'pending' && o.attempts > 0);
  let cancel: CancelReport | null = null;
  let queuedCanceled = 0;
  if (onStop === 'cancel_all') {
    for (const o of cancelQueued ? ctx.queue.toArray() : []) {
      try {
        if ((await parts.canceller.cancel(o)).outcome === 'unsent') queuedCanceled++;
      } catch (error: unknown) {
        // Journal writes failing (a full disk): the intent stays queued in the journal, and the
        // orders resting on the exchange still get their cancel below.
        logger.error({ err: coerceError(error), clientOrderId: o.clientOrderId }, 'cancel_all: a queued intent could not be cancelled');
        notify(`cancel_all: queued order ${o.clientOrderId} could not be cancelled (${coerceError(error).message}); it stays queued for the next start`, 'error');
      }
    }
    const deadline = new AbortController();
    const timer = clock.sleep(timing.stopResolveTimeoutMs, deadline.signal).then((full) => {
      if (full) deadline.abort();
    });
    await Promise.allSettled(unresolved().map((o) => parts.resolver.resolve(o, deadline.signal, { resend: false })));
    deadline.abort();
    await timer;
    try {
      cancel = await cancelAll(ctx, parts.tracker);
    } catch (error: unknown) {
      logger.error({ err: coerceError(error) }, 'cancel_all failed');
      notify(`cancel_all on stop failed: ${coerceError(error).message}; check the exchange by hand`, 'error');
    }
    // Neither found nor listed, so cancel_all could not aim at them: cancel by client id once.
    for (const o of unresolved()) await cancelByClientId(ctx, o);
    const unknown = unresolved().map((o) => `${o.clientOrderId} (${o.symbol})`);
    if (unknown.length > 0) {
      notify(
        `cancel_all: ${unknown.length} order(s) whose placement is unknown (createOrder answer lost, not found on the exchange yet) may rest there: ${unknown.join(', ')}; check the exchange by hand`,
        'error',
      );
    }
  }
  const left = unresolved();
  return { onStop, queuedKept: ctx.queue.size, queuedCanceled, unresolved: left.length, unresolvedIds: left.map((o) => o.clientOrderId), cancel };
}
