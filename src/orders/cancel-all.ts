import { coerceError } from '../core/errors.js';
import { errorKind } from '../exchange/classify.js';
import { gate, type OrdersContext } from './context.js';
import type { CcxtOrderLike, Order } from './order.js';
import type { OrderTracker } from './tracker.js';

/** What `cancel_all` did. */
export interface CancelReport {
  /** Orders confirmed canceled (or found finished) by a fresh fetch. */
  canceled: number;
  /** Orders that filled before the cancel reached them. */
  closed: number;
  /** Orders still open on the exchange after every round (client ids). */
  remaining: string[];
  rounds: number;
}

/**
 * Cancels every open order of ours (journaled or adopted) and verifies it: each target is
 * fetched again after its cancel, and the account's open list must no longer show any of ours.
 * Targets are our open orders plus whatever the exchange lists with one of our client ids, so
 * an order whose createOrder answer was lost is not left behind.
 */
export async function cancelAll(ctx: OrdersContext, tracker: OrderTracker): Promise<CancelReport> {
  const { book, logger, notify } = ctx;
  const report: CancelReport = { canceled: 0, closed: 0, remaining: [], rounds: 0 };
  let targets = new Map<string, Order>();
  for (const o of book.all()) if (o.status === 'open' && o.id !== null) targets.set(o.clientOrderId, o);
  for (let round = 1; round <= Math.max(1, ctx.timing.cancelRounds); round++) {
    report.rounds = round;
    const listed = await tracker.refresh(undefined, { kind: 'cancel_all:listed', adopt: false });
    for (const o of listed?.ours ?? []) {
      if (o.id !== null && !o.isFinal) targets.set(o.clientOrderId, o);
    }
    if (targets.size === 0) break;
    for (const o of targets.values()) {
      if (o.isFinal || o.id === null) continue;
      await gate(ctx);
      try {
        const raw = (await ctx.session.exchange.cancelOrder(o.id, o.symbol)) as CcxtOrderLike | undefined;
        if (raw && typeof raw === 'object' && raw.status) book.apply(o, { ...raw, clientOrderId: o.clientOrderId }, 'cancel');
      } catch (error: unknown) {
        // Not found / not open: it finished meanwhile; the verify fetch below tells which way.
        if (errorKind(error) !== 'not_found' && errorKind(error) !== 'invalid_order') {
          logger.warn({ clientOrderId: o.clientOrderId, err: coerceError(error).message }, 'cancel failed; will retry');
        }
      }
      await tracker.poll(o);
    }
    const next = new Map<string, Order>();
    for (const o of targets.values()) {
      if (o.status === 'open') next.set(o.clientOrderId, o);
    }
    targets = next;
  }
  // Final verification against the exchange's own list.
  const still = (await tracker.refresh(undefined, { kind: 'cancel_all:verify', adopt: false }))?.ours ?? [];
  const remaining = new Set([...targets.keys(), ...still.map((o) => o.clientOrderId)]);
  report.remaining = [...remaining];
  for (const o of book.all()) {
    if (o.status === 'canceled') report.canceled++;
    if (o.status === 'closed' && !o.processed) report.closed++;
  }
  if (report.remaining.length > 0) {
    notify(`cancel_all: ${report.remaining.length} order(s) still open after ${report.rounds} round(s): ${report.remaining.join(', ')}`, 'error');
  } else {
    logger.info(report, 'cancel_all verified: no open orders of ours left');
  }
  return report;
}
