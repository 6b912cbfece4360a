import { BadSymbol } from '../exchange/ccxt-lib.js';
import { Backoff } from '../core/backoff.js';
import { errorText } from '../core/error-text.js';
import { coerceError } from '../core/errors.js';
import { errorKind } from '../exchange/classify.js';
import type { OrderAction } from './action-store.js';
import { gate, orderChange, type OrdersContext } from './context.js';
import type { CcxtOrderLike, Order } from './order.js';
import { noteNotFound } from './tracker.js';
import type { OrderStatus } from './transitions.js';

/**
 * How a cancel ended:
 * - `canceled`: the exchange confirmed it (or a fresh look found the order canceled)
 * - `unsent`: the order was still queued (or proven never to have reached the exchange) and
 *   was dropped without touching the exchange
 * - `final`: the order had already finished (filled, expired, …) before the cancel reached it
 * - `failed`: the exchange refused the cancel for good (`reason` says why)
 * - `aborted`: the manager stopped first; the journaled cancel resumes at the next start
 */
export type CancelOutcome = 'canceled' | 'unsent' | 'final' | 'failed' | 'aborted';

/** What `orders.cancel` settles with. */
export interface CancelResult {
  order: Order;
  outcome: CancelOutcome;
  /** The order's status when the cancel settled. */
  status: OrderStatus;
  reason: string | null;
  /**
   * For an order a cancel-then-replace amend already replaced (`final`): the client id of the
   * order that replaced it, the newest of a chain of amends. That order is not cancelled for
   * the strategy; cancel it by this id. Null otherwise.
   */
  replacedBy: string | null;
}

/**
 * Cancels orders exactly once. A cancel is journaled before anything is sent and before every
 * later request; a request whose answer is lost is resolved by fetching the order, and only an
 * order seen still open gets another cancel. Concurrent cancels of one order share one run.
 */
export class Canceller {
  readonly #ctx: OrdersContext;
  readonly #signal: AbortSignal;
  readonly #running = new Map<string, Promise<CancelResult>>();
  /** Exchange cancel requests sent (for stats and benchmarks). */
  requests = 0;

  constructor(ctx: OrdersContext, signal: AbortSignal) {
    this.#ctx = ctx;
    this.#signal = signal;
  }

  /** True while a cancel of `order` is under way. */
  wants(order: Order): boolean {
    return this.#running.has(order.clientOrderId);
  }

  /** Cancels runs under way. */
  get size(): number {
    return this.#running.size;
  }

  /** Settles when every cancel under way has settled. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  /**
   * Starts (or joins) the cancel of `order`; `resume` continues a journaled action after a
   * restart. `forAmend`: the cancel-then-replace amend this cancel is part of, which its journaled
   * action names (`amendId`), so it is never read as a cancel the strategy asked for.
   */
  cancel(order: Order, resume?: OrderAction, forAmend?: OrderAction): Promise<CancelResult> {
    const running = this.#running.get(order.clientOrderId);
    if (running) return running;
    if (order.isFinal) {
      if (resume) this.#ctx.journal.actions.finish(resume, 'done', `order already ${order.status}`);
      return Promise.resolve(this.#finished(order, !resume));
    }
    if (order.status === 'pending' && order.attempts === 0) {
      // Never sent: dropping it from the queue is the whole cancel, once journaled (a failed write
      // throws with the order still queued, as the journal still has it).
      this.#ctx.book.finish(order, 'canceled', 'canceled before it was sent', 'canceled:unsent');
      this.#ctx.queue.remove(order);
      if (resume) this.#ctx.journal.actions.finish(resume, 'done', 'canceled before it was sent');
      // Held as under way until the callers of this turn have it: a second cancel asked together
      // with this one (`Promise.all`) shares its outcome, as it would share an open order's request.
      return this.#track(order, Promise.resolve(result(order, 'unsent', 'canceled before it was sent')));
    }
    const actions = this.#ctx.journal.actions;
    // An open order gets its request at once: the action is journaled as sent in one commit.
    const fresh = !resume && order.status === 'open' && order.id !== null && !this.#ctx.session.restarting;
    const action = resume ?? actions.unfinished(order.clientOrderId, 'cancel') ?? actions.create(order.clientOrderId, 'cancel', {}, fresh, forAmend ? { amendId: forAmend.id } : {});
    const run = this.#run(order, action, fresh && action.attempts === 1 && action.status === 'sent').catch((error: unknown): CancelResult => {
      const reason = errorText(error);
      this.#ctx.logger.error({ err: coerceError(error), clientOrderId: order.clientOrderId }, 'cancel crashed');
      return result(order, 'failed', reason);
    });
    return this.#track(order, run);
  }

  /** Holds `run` as the cancel of `order` under way, which later cancels join, until it settles. */
  #track(order: Order, run: Promise<CancelResult>): Promise<CancelResult> {
    const p = run.finally(() => {
      if (this.#running.get(order.clientOrderId) === p) this.#running.delete(order.clientOrderId);
    });
    this.#running.set(order.clientOrderId, p);
    return p;
  }

  /**
   * The strategy's cancel of `order`, which a cancel-then-replace amend under way has already
   * cancelled and replaced with `live` (see `Amender.withdraw`): `live` is cancelled (dropped
   * unsent while still queued), and the outcome is told for `order`, naming `live`.
   */
  async cancelReplaced(order: Order, live: Order): Promise<CancelResult> {
    const c = await this.cancel(live);
    const id = live.clientOrderId;
    const what: Record<CancelOutcome, string> = {
      unsent: `its replacement ${id} was dropped before it was sent`,
      canceled: `its replacement ${id} was cancelled`,
      final: `its replacement ${id} had already ${live.status} (${c.reason ?? 'finished'})`,
      failed: `the cancel of its replacement ${id} failed: ${c.reason ?? 'unknown'}`,
      aborted: `the cancel of its replacement ${id} stopped with the order manager; it resumes at the next start`,
    };
    return { order, outcome: c.outcome, status: order.status, reason: `an amend was replacing the order: ${what[c.outcome]}`, replacedBy: id };
  }

  /**
   * The cancel of an order already finished. One an amend replaced is named with its live
   * replacement (and, for a strategy's own cancel, notified): the strategy likely meant that
   * order, and a replacement left open by mistake is an exposure it must be told of.
   */
  #finished(order: Order, tell: boolean): CancelResult {
    const replacement = newestReplacement(this.#ctx, order.clientOrderId);
    if (!replacement) return result(order, 'final', `order already ${order.status}`);
    const reason = `order already ${order.status}: an amend replaced it with ${replacement.clientOrderId} (${replacement.status}); cancel that order to stop it`;
    if (tell) this.#ctx.notify(`cancel of ${order.clientOrderId} (${order.symbol}) not done: ${reason}`, 'warn');
    return { ...result(order, 'final', reason), replacedBy: replacement.clientOrderId };
  }

  async #run(order: Order, action: OrderAction, journaledAsSent: boolean): Promise<CancelResult> {
    const { clock, timing, journal } = this.#ctx;
    const signal = this.#signal;
    // A placement whose outcome is unknown is resolved first; the resolver drops it instead of
    // sending it again if it proves absent while this cancel waits.
    while (order.status === 'pending') {
      if (!(await orderChange(this.#ctx, order, timing.resolveBackoffMs, signal))) return result(order, 'aborted', 'stopped');
    }
    const backoff = new Backoff({ baseMs: timing.resolveBackoffMs, maxMs: timing.resolveMaxBackoffMs });
    let first = journaledAsSent;
    while (true) {
      if (order.isFinal) return this.#settle(order, action);
      if (!(await gate(this.#ctx, signal))) return result(order, 'aborted', 'stopped');
      if (first) {
        first = false;
        const sent = await this.#send(order, action);
        if (sent === 'failed') return result(order, 'failed', action.reason);
        if (order.isFinal) return this.#settle(order, action);
        if (!(await clock.sleep(backoff.next(), signal))) return result(order, 'aborted', 'stopped');
        continue;
      }
      if (action.attempts > 0) {
        // A cancel went out before and its answer may be lost: look, never repeat blindly.
        const seen = await this.#look(order, action);
        if (order.isFinal) return this.#settle(order, action);
        if (seen === 'absent' && order.lost) return this.#unknown(order, action);
        if (seen !== 'seen') {
          if (!(await clock.sleep(backoff.next(), signal))) return result(order, 'aborted', 'stopped');
          continue;
        }
      }
      action.attempts += 1;
      action.status = 'sent';
      journal.actions.save(action);
      const sent = await this.#send(order, action);
      if (sent === 'failed') return result(order, 'failed', action.reason);
      if (order.isFinal) return this.#settle(order, action);
      if (!(await clock.sleep(backoff.next(), signal))) return result(order, 'aborted', 'stopped');
    }
  }

  /** One cancel request. `retry` means look and try again; `failed` is final. */
  async #send(order: Order, action: OrderAction): Promise<'ok' | 'retry' | 'failed'> {
    const { logger, session } = this.#ctx;
    if (order.id === null) return 'retry';
    this.requests++;
    try {
      const raw = (await session.exchange.cancelOrder(order.id, order.symbol)) as CcxtOrderLike | undefined;
      const status = raw && typeof raw === 'object' && raw.status ? raw.status : 'canceled';
      this.#apply(order, action, { ...(raw ?? {}), clientOrderId: order.clientOrderId, status }, 'cancel');
      return 'ok';
    } catch (error: unknown) {
      const kind = errorKind(error);
      const message = errorText(error);
      // The symbol left the exchange's markets (a delisting): no retry can build the request.
      if (error instanceof BadSymbol) return this.#refuse(order, action, `the exchange no longer lists ${order.symbol}: ${message}; check the exchange by hand`);
      switch (kind) {
        case 'not_found':
        case 'invalid_order':
          // Unknown or no longer open: it finished meanwhile (or is not visible yet); the next
          // round looks before anything else is sent.
          return 'retry';
        case 'auth':
        case 'not_supported':
        case 'insufficient_funds':
          return this.#refuse(order, action, message);
        default:
          logger.warn({ clientOrderId: order.clientOrderId, err: message, kind }, 'cancel outcome unknown; looking before anything else');
          return 'retry';
      }
    }
  }

  /** Settles the cancel as refused for good, journaled and notified. */
  #refuse(order: Order, action: OrderAction, message: string): 'failed' {
    const { journal, logger, notify } = this.#ctx;
    journal.actions.finish(action, 'failed', `cancel refused: ${message}`);
    logger.warn({ clientOrderId: order.clientOrderId, err: message }, 'cancel refused');
    notify(`cancel of ${order.clientOrderId} (${order.symbol}) refused: ${message}`, 'warn');
    return 'failed';
  }

  /**
   * Applies an answer about the order; when it finished, the cancel action is settled in the
   * same transaction, so a restart never sees the order canceled and its cancel still running.
   */
  #apply(order: Order, action: OrderAction, raw: CcxtOrderLike, kind: string): void {
    const { book } = this.#ctx;
    book.atomically(() => {
      book.apply(order, raw, kind);
      if (order.isFinal) this.#settle(order, action);
    }, [order]);
  }

  /** Fetches the order and applies the answer; a "not found" counts towards marking it lost. */
  async #look(order: Order, action: OrderAction): Promise<'seen' | 'absent' | 'unknown'> {
    if (order.id === null) return 'unknown';
    try {
      const raw = (await this.#ctx.session.exchange.fetchOrder(order.id, order.symbol)) as CcxtOrderLike;
      this.#apply(order, action, { ...raw, clientOrderId: order.clientOrderId }, 'cancel:look');
      return 'seen';
    } catch (error: unknown) {
      this.#ctx.logger.debug({ clientOrderId: order.clientOrderId, err: coerceError(error).message }, 'cancel lookup inconclusive');
      if (errorKind(error) !== 'not_found') return 'unknown';
      noteNotFound(this.#ctx, order);
      return 'absent';
    }
  }

  /**
   * The exchange does not know the order (not found past the visibility window, so often it is
   * marked lost): the cancel cannot be carried out. It settles failed instead of asking for
   * ever; the order stays tracked as lost and a later cancel may try again.
   */
  #unknown(order: Order, action: OrderAction): CancelResult {
    const reason = `the exchange does not know order ${order.id ?? ''} (not found ${order.notFoundCount} times); it is tracked as lost`;
    this.#ctx.journal.actions.finish(action, 'failed', reason);
    this.#ctx.notify(`cancel of ${order.clientOrderId} (${order.symbol}) not done: ${reason}`, 'warn');
    return result(order, 'failed', reason);
  }

  #settle(order: Order, action: OrderAction): CancelResult {
    const canceled = order.status === 'canceled';
    const reason = canceled ? null : `order ${order.status} before the cancel reached it`;
    if (action.status !== 'done') this.#ctx.journal.actions.finish(action, 'done', reason);
    return result(order, canceled ? 'canceled' : 'final', reason);
  }
}

function result(order: Order, outcome: CancelOutcome, reason: string | null): CancelResult {
  return { order, outcome, status: order.status, reason, replacedBy: null };
}

/** The last order of the chain of replacements of `clientOrderId`, or null when none replaced it. */
export function newestReplacement(ctx: OrdersContext, clientOrderId: string): Order | null {
  let newest: Order | null = null;
  // Bounded: a chain is one replacement per amend, and a corrupt journal must not loop.
  for (let id = clientOrderId, n = 0; n < 1000; n++) {
    const next = ctx.journal.replacementOf(id);
    if (!next) break;
    newest = ctx.book.get(next.clientOrderId) ?? next;
    id = next.clientOrderId;
  }
  return newest;
}
