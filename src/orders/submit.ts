import { classifyError, errorKind } from '../exchange/classify.js';
import { withoutHtml } from '../core/error-text.js';
import { coerceError } from '../core/errors.js';
import type { OrdersContext } from './context.js';
import { writeOrder, type CcxtOrderLike, type Order } from './order.js';

/**
 * What one createOrder call taught us:
 * - `done`: the exchange answered (the order is open or finished) or it failed for good
 * - `ambiguous`: the request may or may not have been applied: resolve by client id
 * - `exists`: the exchange refused the client id as taken, so the order exists: resolve it
 * - `not_sent`: refused before execution (bad nonce, rate limit): safe to send again once allowed
 */
export type SubmitOutcome = 'done' | 'ambiguous' | 'exists' | 'not_sent';

/**
 * Sends one order. The attempt is journaled (attempts + 1, submittedAt) and on disk BEFORE the
 * request leaves, so after a crash at any point the intent is known to possibly exist and is
 * resolved by its client id rather than sent blind. The write is relaxed and then flushed (see
 * `OrderJournal.flush`): the request waits for the disk, the event loop does not, so a burst of
 * fills is not held up behind the fsyncs of the orders placed meanwhile. When that write or its
 * flush fails (a full disk, an I/O error) nothing is sent and the error is thrown.
 */
export async function submitOnce(ctx: OrdersContext, order: Order): Promise<SubmitOutcome> {
  // A failed sync fails every flush until a restart: throw before the attempt, which is then not journaled.
  ctx.journal.assertFlushable();
  const now = ctx.clock.now();
  const before = { attempts: order.attempts, submittedAt: order.submittedAt, updatedAt: order.updatedAt };
  writeOrder(order, { attempts: order.attempts + 1, submittedAt: now });
  try {
    ctx.book.atomically(() => ctx.book.save(order, order.attempts === 1 ? 'sending' : 'resending', { attempt: order.attempts }), [], 'relaxed');
  } catch (error: unknown) {
    // Not journaled, so not sent: memory goes back to what the journal holds.
    writeOrder(order, before);
    throw error;
  }
  // The intent and this attempt, on disk before the request leaves. A failed sync throws with the
  // attempt journaled: the order is then looked up by its client id, never sent blind.
  await ctx.journal.flush();
  let raw: CcxtOrderLike;
  try {
    raw = (await ctx.session.exchange.createOrder(
      order.symbol,
      order.type,
      order.side,
      order.amount,
      order.type === 'limit' && order.price !== null ? order.price : undefined,
      { ...order.params, clientOrderId: order.clientOrderId },
    )) as CcxtOrderLike;
  } catch (error: unknown) {
    return onError(ctx, order, error);
  }
  if (order.status !== 'pending' && order.isFinal) return 'done';
  // Some venues answer createOrder without a status: an accepted order is open until told otherwise.
  const answer: CcxtOrderLike = { ...raw, clientOrderId: order.clientOrderId };
  if (answer.status === undefined || answer.status === null) answer.status = 'open';
  if (!answer.id) {
    ctx.logger.warn({ clientOrderId: order.clientOrderId }, 'createOrder answered without an order id; resolving by client id');
    return 'ambiguous';
  }
  // What the exchange answered: relaxed, since the exchange can tell it again (see Durability).
  ctx.book.atomically(() => ctx.book.apply(order, answer, 'sent'), [], 'relaxed');
  return 'done';
}

// Refusals at the door (rate limit, clock skew) in a row before the order is handed to the resolver.
const NOT_SENT_RETRIES = 5;

/**
 * The one submit-until-sent loop (the executor's first send and the resolver's resends share
 * it): sends once, and while the exchange refuses at the door (`not_sent`: nothing executed)
 * waits `resolveBackoffMs` and sends again, up to {@link NOT_SENT_RETRIES} times. An order the
 * strategy cancelled meanwhile is dropped instead, since a refusal at the door proves it never
 * reached the exchange. An abort ends the wait at once and returns the last outcome: the
 * attempt is journaled, so whoever resolves the order next looks before sending.
 */
export async function submitUntilSent(ctx: OrdersContext, order: Order, signal: AbortSignal): Promise<SubmitOutcome> {
  let outcome = await submitOnce(ctx, order);
  for (let retry = 0; outcome === 'not_sent' && retry < NOT_SENT_RETRIES; retry++) {
    if (ctx.wantsCancel(order)) {
      ctx.book.finish(order, 'canceled', 'canceled: it never reached the exchange', 'canceled:unsent');
      return 'done';
    }
    if (!(await ctx.clock.sleep(ctx.timing.resolveBackoffMs, signal))) return outcome;
    outcome = await submitOnce(ctx, order);
  }
  return outcome;
}

function onError(ctx: OrdersContext, order: Order, error: unknown): SubmitOutcome {
  const info = classifyError(error, ctx.clock.now());
  const kind = errorKind(error);
  const err = coerceError(error);
  const log = { clientOrderId: order.clientOrderId, symbol: order.symbol, attempt: order.attempts, err: err.message, kind };
  if (order.status !== 'pending') {
    // Resolved meanwhile (the open-orders refresh saw it): nothing left to decide.
    return 'done';
  }
  if (info.duplicate) {
    ctx.logger.info(log, 'client order id already taken: the order exists, resolving it');
    return 'exists';
  }
  switch (kind) {
    case 'insufficient_funds':
    case 'invalid_order':
    case 'auth':
    case 'not_supported': {
      const reason = `${info.name}: ${withoutHtml(info.message)}`;
      ctx.logger.warn(log, 'order refused');
      ctx.book.finish(order, 'failed', reason, 'failed');
      ctx.notify(`order ${order.clientOrderId} ${order.side} ${order.amount} ${order.symbol} failed: ${reason}`, 'warn');
      return 'done';
    }
    case 'nonce':
      ctx.logger.warn(log, 'createOrder refused for clock skew; sending again');
      return 'not_sent';
    case 'rate_limit':
      // A 429/418 is a refusal at the door (Binance: -1003, nothing executed), not a lost answer:
      // waiting out a visibility window for an order that was never accepted would only delay it.
      // The session has paused the budget, so the resend goes out once the exchange allows it.
      ctx.logger.warn(log, 'createOrder refused by the rate limit; sending again when the budget allows');
      return 'not_sent';
    default:
      // Timeouts, dropped connections, 5xx, rate limits hit mid-flight, anything unknown: the
      // order may exist. Never resend blindly.
      ctx.logger.warn(log, 'createOrder outcome unknown; resolving by client id');
      return 'ambiguous';
  }
}
