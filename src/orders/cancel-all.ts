import { Backoff } from '../core/backoff.js';
import { errorText } from '../core/error-text.js';
import { coerceError } from '../core/errors.js';
import { errorKind } from '../exchange/classify.js';
import { gate, type OrdersContext } from './context.js';
import type { CcxtOrderLike, Order } from './order.js';
import type { OrderTracker } from './tracker.js';
import { retryWeather, type WeatherRetryScope } from './weather-retry.js';

/** What `cancel_all` did. */
export interface CancelReport {
  /** Orders of this cancel_all's targets that ended canceled. */
  canceled: number;
  /** Orders of this cancel_all's targets that filled before the cancel reached them. */
  closed: number;
  /** Orders still open, or not confirmed cancelled, after every round (client ids). */
  remaining: string[];
  rounds: number;
  /**
   * Why the outcome could not be confirmed (the account's open orders could not be listed at
   * the end), null when the exchange's own list confirmed it.
   */
  unconfirmed: string | null;
}

/** True when `report` proves that no order of ours is left open. */
export function cancelConfirmed(report: CancelReport): boolean {
  return report.remaining.length === 0 && report.unconfirmed === null;
}

/**
 * Cancels every open order of ours (journaled or adopted) and verifies it: each target is
 * fetched again after its cancel, and the account's open list must no longer show any of ours.
 * Targets are our open orders plus whatever the exchange lists with one of our client ids, so
 * an order whose createOrder answer was lost is not left behind. Listings, cancels and checks
 * failing with expected weather are retried with backoff for up to `stopCancelTimeoutMs`; what
 * is still not confirmed then is reported (and notified), never waited for without end.
 */
export async function cancelAll(ctx: OrdersContext, tracker: OrderTracker): Promise<CancelReport> {
  const { book, clock, logger, notify, timing } = ctx;
  const scope: WeatherRetryScope = { clock, logger, deadlineAt: clock.now() + timing.stopCancelTimeoutMs };
  const expired = new AbortController();
  const timer = new AbortController();
  void clock.sleep(timing.stopCancelTimeoutMs, timer.signal).then((full) => (full ? expired.abort() : undefined));
  const report: CancelReport = { canceled: 0, closed: 0, remaining: [], rounds: 0, unconfirmed: null };
  // Every order this cancel_all aimed at: the report counts these, not the journal's history.
  const aimed = new Map<string, Order>();
  let targets = new Map<string, Order>();
  const aim = (o: Order): void => {
    targets.set(o.clientOrderId, o);
    aimed.set(o.clientOrderId, o);
  };
  try {
    for (const o of book.all()) if (o.status === 'open' && o.id !== null) aim(o);
    for (let round = 1; round <= Math.max(1, timing.cancelRounds) && !expired.signal.aborted; round++) {
      report.rounds = round;
      const listed = await listOurs(ctx, tracker, scope, 'cancel_all:listed', expired.signal).catch((error: unknown) => {
        logger.warn({ err: coerceError(error).message }, 'cancel_all: open orders not listed; cancelling the known ones');
        return [];
      });
      for (const o of listed) if (o.id !== null && !o.isFinal) aim(o);
      if (targets.size === 0) break;
      for (const o of targets.values()) {
        if (o.isFinal || o.id === null) continue;
        await cancelOne(ctx, scope, o, expired.signal);
        await pollUntilAnswered(ctx, tracker, scope, o, expired.signal);
      }
      const next = new Map<string, Order>();
      for (const o of targets.values()) if (o.status === 'open') next.set(o.clientOrderId, o);
      targets = next;
    }
    // Final verification against the exchange's own list: tried once even when the time is up.
    let still: Order[] = [];
    try {
      still = await listOurs(ctx, tracker, scope, 'cancel_all:verify', undefined);
    } catch (error: unknown) {
      report.unconfirmed = `the open orders could not be listed: ${errorText(error)}`;
    }
    // An order we know final is never remaining, whatever a lagging open list still shows.
    const remaining = new Set([...targets.values(), ...still].filter((o) => !o.isFinal).map((o) => o.clientOrderId));
    if (report.unconfirmed !== null) for (const o of aimed.values()) if (!o.isFinal) remaining.add(o.clientOrderId);
    report.remaining = [...remaining];
  } finally {
    timer.abort();
  }
  for (const o of aimed.values()) {
    if (o.status === 'canceled') report.canceled++;
    if (o.status === 'closed') report.closed++;
  }
  if (!cancelConfirmed(report)) {
    const why = report.unconfirmed === null ? '' : ` (${report.unconfirmed})`;
    notify(
      `cancel_all: ${report.remaining.length} order(s) still open or unconfirmed after ${report.rounds} round(s)${why}: ${report.remaining.join(', ')}; check the exchange by hand`,
      'error',
    );
  } else {
    logger.info(report, 'cancel_all verified: no open orders of ours left');
  }
  return report;
}

/**
 * Our orders the account's open list shows and we do not know finished (the list can lag the
 * matching engine); throws when the list could not be read in time.
 */
async function listOurs(ctx: OrdersContext, tracker: OrderTracker, scope: WeatherRetryScope, kind: string, signal: AbortSignal | undefined): Promise<Order[]> {
  const listed = await retryWeather(scope, `${kind}: fetchOpenOrders`, () => tracker.refresh(signal, { kind, adopt: false }));
  if (listed === null) throw new Error('the stop deadline passed before the list was fetched');
  return listed.ours.filter((o) => !o.isFinal);
}

/** Sends one cancel, again on weather; a refusal or a late failure is left to the checks. */
async function cancelOne(ctx: OrdersContext, scope: WeatherRetryScope, o: Order, signal: AbortSignal): Promise<void> {
  const { book, logger } = ctx;
  try {
    await retryWeather(scope, 'cancel_all: cancelOrder', async () => {
      if (!(await gate(ctx, signal)) || o.isFinal || o.id === null) return;
      const raw = (await ctx.session.exchange.cancelOrder(o.id, o.symbol)) as CcxtOrderLike | undefined;
      if (raw && typeof raw === 'object' && raw.status) book.apply(o, { ...raw, clientOrderId: o.clientOrderId }, 'cancel');
    });
  } catch (error: unknown) {
    // Not found / not open: it finished meanwhile; the check after it tells which way.
    if (errorKind(error) !== 'not_found' && errorKind(error) !== 'invalid_order') {
      logger.warn({ clientOrderId: o.clientOrderId, err: coerceError(error).message }, 'cancel failed; the next round retries');
    }
  }
}

/**
 * One cancel, by client id, of an order whose placement is unknown (its createOrder answer was
 * lost and the exchange has not shown it yet): it may rest there unseen, and the exchange can
 * cancel by client id (Binance's `origClientOrderId`) what it does not list yet. The answer is
 * applied; any failure (not found: maybe never placed, maybe still hidden) leaves it unknown.
 */
export async function cancelByClientId(ctx: OrdersContext, o: Order, signal?: AbortSignal): Promise<void> {
  if (!(await gate(ctx, signal)) || o.status !== 'pending') return;
  try {
    const raw = (await ctx.session.exchange.cancelOrder('', o.symbol, { clientOrderId: o.clientOrderId })) as CcxtOrderLike | undefined;
    if (raw && typeof raw === 'object' && raw.status) ctx.book.apply(o, { ...raw, clientOrderId: o.clientOrderId }, 'cancel:client-id');
  } catch (error: unknown) {
    ctx.logger.debug({ clientOrderId: o.clientOrderId, err: coerceError(error).message }, 'cancel by client id inconclusive');
  }
}

/** Fetches the order until the exchange answers (or the time is up), so its state is known. */
async function pollUntilAnswered(ctx: OrdersContext, tracker: OrderTracker, scope: WeatherRetryScope, o: Order, signal: AbortSignal): Promise<void> {
  const backoff = new Backoff({ baseMs: 500, maxMs: 5000 });
  while ((await tracker.poll(o, signal)) === 'error') {
    const delay = backoff.next();
    if (ctx.clock.now() + delay > scope.deadlineAt || !(await ctx.clock.sleep(delay, signal))) return;
  }
}
