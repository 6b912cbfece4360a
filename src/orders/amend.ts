import { Backoff } from '../core/backoff.js';
import { errorText } from '../core/error-text.js';
import { coerceError } from '../core/errors.js';
import type { AmendChanges, AmendOptions } from './amend-changes.js';
import { checkAmend } from './amend-check.js';
import { errorKind } from '../exchange/classify.js';
import type { OrderAction } from './action-store.js';
import { newestReplacement, type Canceller, type CancelResult } from './cancel.js';
import { gate, orderChange, type OrdersContext } from './context.js';
import { applyEdit, editLanded } from './edit-answer.js';
import { writeOrder, type CcxtOrderLike, type Order } from './order.js';
import { riskRefusal } from './risk-check.js';
import { noteNotFound } from './tracker.js';

export { AmendError, amendValue, type AmendChanges, type AmendOptions } from './amend-changes.js';
export { NothingToAmend } from './amend-check.js';

/** How an amend was carried out. */
export type AmendMethod = 'edit' | 'replace' | 'local' | 'none';

/** What `orders.amend` settles with. */
export interface AmendResult {
  /** The live order after the amend: the same order (edited in place) or its replacement. */
  order: Order;
  /** The order the amend was asked for. */
  original: Order;
  amended: boolean;
  method: AmendMethod;
  /** Why it was not amended (or null). */
  reason: string | null;
}

const EPS = 1e-12;
const WITHDRAWN = 'the strategy cancelled the order while it was being amended; no replacement was sent';

/**
 * Amends orders: with the exchange's `editOrder` where it has one, else by a tracked
 * cancel-then-replace whose replacement (its own client id, linked by `replaces`) is journaled
 * and queued only after the cancel is confirmed, and never when the original filled meanwhile.
 * Amends of one order run one after another; one queued behind a replace applies to the replacement.
 */
export class Amender {
  readonly #ctx: OrdersContext;
  readonly #canceller: Canceller;
  readonly #signal: AbortSignal;
  readonly #running = new Map<string, Promise<AmendResult>>();
  /** Cancel-then-replace amends under way, by the original's client id. */
  readonly #replacing = new Map<string, OrderAction>();
  /** Originals the strategy cancelled while their amend was under way. */
  readonly #withdrawn = new Set<string>();
  /** The cancel of the original each cancel-then-replace amend made, by the original's client id. */
  readonly #ownCancels = new Map<string, Promise<CancelResult>>();
  /** Exchange edit requests sent (for stats and benchmarks). */
  requests = 0;

  constructor(ctx: OrdersContext, canceller: Canceller, signal: AbortSignal) {
    this.#ctx = ctx;
    this.#canceller = canceller;
    this.#signal = signal;
  }

  /** Amends under way. */
  get size(): number {
    return this.#running.size;
  }

  /** Settles when every amend under way has settled. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  /** Checks and rounds the changes (see {@link checkAmend}); throws {@link AmendError} for impossible ones. */
  normalise(order: Order, changes: AmendChanges, options: AmendOptions = {}): { price: number | null; amount: number | null } {
    return checkAmend(this.#ctx, order, changes, options, this.#running.has(order.clientOrderId));
  }

  /**
   * Starts an amend (after any amend of the same order under way); `resume` continues a
   * journaled one. One queued behind an amend that replaced the order applies to that
   * replacement (see {@link #chain}), as it would apply to the same order edited in place.
   */
  amend(order: Order, target: { price: number | null; amount: number | null }, resume?: OrderAction): Promise<AmendResult> {
    const before: Promise<AmendResult | undefined> = this.#running.get(order.clientOrderId) ?? Promise.resolve(undefined);
    const p = before
      .then((prev) => {
        const replaced = !resume && prev?.amended === true && prev.method === 'replace' && prev.order !== order && !this.#withdrawn.has(order.clientOrderId);
        return replaced ? this.#chain(order, prev.order, target) : this.#start(order, target, resume);
      })
      .catch((error: unknown): AmendResult => {
        this.#ctx.logger.error({ err: coerceError(error), clientOrderId: order.clientOrderId }, 'amend crashed');
        return refused(order, order, errorText(error), 'none');
      });
    const tracked = p.finally(() => {
      if (this.#running.get(order.clientOrderId) !== tracked) return;
      this.#running.delete(order.clientOrderId);
      this.#replacing.delete(order.clientOrderId);
      this.#withdrawn.delete(order.clientOrderId);
      this.#ownCancels.delete(order.clientOrderId);
    });
    this.#running.set(order.clientOrderId, tracked);
    return tracked;
  }

  /**
   * The strategy cancelled `order`; returns the order that cancel must stop. A cancel-then-replace
   * amend under way sends no replacement, since the cancel the strategy is told succeeded means no
   * order there: before the replacement exists it is withdrawn (journaled at once, so a restart
   * does not send one either) and `order` itself is cancelled; once it exists (queued, being
   * sent or just placed) the replacement is the order to cancel, followed down a chain of amends.
   */
  withdraw(order: Order): Order {
    if (!this.#running.has(order.clientOrderId)) return order;
    this.#withdrawn.add(order.clientOrderId);
    const action = this.#replacing.get(order.clientOrderId);
    if (!action) return order;
    if (action.replacementId === null) {
      if (action.status === 'pending' || action.status === 'sent') this.#ctx.journal.actions.finish(action, 'failed', WITHDRAWN);
      return order;
    }
    const replacement = this.#ctx.book.get(action.replacementId);
    // A finished replacement that an amend queued behind this one is replacing in turn: the
    // cancel follows that amend down the chain (its replacement is the live one, or none yet).
    const live = replacement && (!replacement.isFinal || this.#running.has(replacement.clientOrderId));
    return live ? this.withdraw(replacement) : order;
  }

  /**
   * The cancel of `order` its cancel-then-replace amend under way made, while that amend has no
   * replacement yet (else undefined). The strategy's cancel of `order` then shares it, confirmed
   * or not: between the confirmation and the replacement's journaling (the amend's await of it)
   * the order is already canceled, and a cancel of its own would settle `final`.
   */
  ownCancel(order: Order): Promise<CancelResult> | undefined {
    return this.#replacing.get(order.clientOrderId)?.replacementId === null ? this.#ownCancels.get(order.clientOrderId) : undefined;
  }

  /**
   * An amend of `order` asked while an earlier one was replacing it with `live`: it amends `live`.
   * Its `amount` is the new total of the order the strategy named, so what filled before `live`
   * (the original, and any replacement before it) is taken off.
   */
  async #chain(order: Order, live: Order, target: { price: number | null; amount: number | null }): Promise<AmendResult> {
    const { book, journal } = this.#ctx;
    let amount = target.amount;
    if (amount !== null) {
      let before = 0;
      // Bounded: a chain is one replacement per amend, and a corrupt journal must not loop.
      for (let id: string | undefined = order.clientOrderId, n = 0; id !== undefined && id !== live.clientOrderId && n < 1000; n++) {
        before += (book.get(id) ?? journal.get(id))?.filled ?? 0;
        id = journal.replacementOf(id)?.clientOrderId;
      }
      amount = this.#round(live.symbol, amount - before);
      if (amount <= live.filled + EPS) {
        return this.#refuse(order, `the new total ${String(target.amount)} is at or below what already filled (${before + live.filled}) across ${order.clientOrderId} and its replacement ${live.clientOrderId}; cancel ${live.clientOrderId} to stop it`);
      }
    }
    const unchanged = (target.price === null || target.price === live.price) && (amount === null || amount === live.amount);
    const r = unchanged ? { order: live, original: live, amended: true, method: 'replace' as const, reason: null } : await this.amend(live, { price: target.price, amount });
    return { ...r, original: order };
  }

  async #start(order: Order, target: { price: number | null; amount: number | null }, resume?: OrderAction): Promise<AmendResult> {
    const { book, journal, timing } = this.#ctx;
    if (!resume && !order.isFinal && !(order.status === 'pending' && order.attempts === 0)) {
      // A fat finger arriving as an amend is refused like one arriving as a placement (a queued
      // order is checked when it is sent). First, so the checks below see the state after it.
      const amended = { symbol: order.symbol, type: order.type, price: target.price ?? order.price, amount: target.amount ?? order.amount, params: order.params };
      const refusal = await riskRefusal(this.#ctx, order, amended);
      if (refusal !== null) return this.#refuse(order, refusal);
    }
    if (!resume && order.isFinal) {
      // Replaced by an amend that settled before this one was asked: name the live order.
      const replacement = newestReplacement(this.#ctx, order.clientOrderId);
      const next = replacement && !replacement.isFinal ? '; amend that order' : '';
      const by = replacement ? `: an amend replaced it with ${replacement.clientOrderId} (${replacement.status})${next}` : '';
      return this.#refuse(order, `order already ${order.status}${by}`);
    }
    if (!resume && this.#canceller.wants(order)) return this.#refuse(order, 'a cancel of this order is under way');
    if (!resume && order.status === 'pending' && order.attempts === 0) {
      // Still queued: the intent itself is changed before it goes out.
      book.atomically(() => {
        if (target.price !== null) writeOrder(order, { price: target.price });
        if (target.amount !== null) writeOrder(order, { amount: target.amount, remaining: target.amount });
        book.save(order, 'amended:unsent', target);
      }, [order]);
      return { order, original: order, amended: true, method: 'local', reason: null };
    }
    const canEdit = this.#ctx.session.exchange.has['editOrder'] === true;
    // An open order's edit goes out at once: the action is journaled as sent in one commit.
    const fresh = !resume && canEdit && order.status === 'open' && order.id !== null && !this.#ctx.session.restarting;
    const action = resume ?? journal.actions.create(order.clientOrderId, 'amend', target, fresh, { method: canEdit ? 'edit' : 'replace' });
    while (order.status === 'pending') {
      if (!(await orderChange(this.#ctx, order, timing.resolveBackoffMs, this.#signal))) return aborted(order);
    }
    // A resumed amend goes on the way it began, whatever this process's exchange class can do.
    const edit = action.replacementId === null && (action.method ?? (canEdit ? 'edit' : 'replace')) === 'edit';
    const r = edit ? await this.#edit(order, action, fresh) : await this.#replace(order, action);
    return action.status === 'done' || action.status === 'failed' ? r : this.#settle(order, action, r);
  }

  /**
   * An amend refused before anything was journaled or sent. Told like every other refusal (an
   * `amend:refused` order event with the reason, and a notification), since a strategy that queued
   * it as `['amend', …]` has no promise to read the reason from.
   */
  #refuse(order: Order, reason: string): AmendResult {
    this.#ctx.book.save(order, 'amend:refused', { reason });
    this.#ctx.notify(`amend of ${order.clientOrderId} (${order.symbol}) not done: ${reason}`, 'warn');
    return refused(order, order, reason, 'none');
  }

  /**
   * Journals how the amend ended in one transaction with what it did to the order (`changes`:
   * the edit's new price and amount), so no restart sees one without the other. A refusal is
   * noted on the order and notified. A stop settles nothing: the action resumes at the next start.
   */
  #settle(order: Order, action: OrderAction, r: AmendResult, changes?: () => void): AmendResult {
    if (r.reason === 'stopped') return r;
    const { book, journal } = this.#ctx;
    book.atomically(() => {
      changes?.();
      journal.actions.finish(action, r.amended ? 'done' : 'failed', r.reason);
      if (!r.amended) book.save(order, 'amend:refused', { reason: r.reason });
    }, [order]);
    if (!r.amended) this.#ctx.notify(`amend of ${order.clientOrderId} (${order.symbol}) not done: ${r.reason ?? 'unknown'}`, 'warn');
    return r;
  }

  /** `sendFirst`: the action was journaled as sent, so its first request goes out without a look. */
  async #edit(order: Order, action: OrderAction, sendFirst: boolean): Promise<AmendResult> {
    const { clock, timing, journal, session, book, logger } = this.#ctx;
    const backoff = new Backoff({ baseMs: timing.resolveBackoffMs, maxMs: timing.resolveMaxBackoffMs });
    const edited = (raw: CcxtOrderLike | undefined, seen: CcxtOrderLike): AmendResult => {
      // The exchange may answer an edit by ending the order (Binance cancels one modified to a
      // total it has already filled): that is no amend.
      const ended = raw && (raw.status === 'canceled' || raw.status === 'expired' || raw.status === 'rejected') ? raw.status : null;
      const filled = Number(raw?.filled ?? order.filled);
      const total = action.amount ?? order.amount;
      // Binance also cancels a post-only (GTX) order whose new price would take at once.
      const why = filled + 1e-12 >= total ? `filled ${String(filled)} of the new total ${String(total)}` : order.params['postOnly'] === true || ['PO', 'GTX'].includes(String(order.params['timeInForce'])) ? 'a post-only order whose new price would take liquidity' : `filled ${String(filled)} of ${String(total)}`;
      const r: AmendResult = ended ? refused(order, order, `the exchange ${ended} the order on the amend (${why})`, 'edit') : { order, original: order, amended: true, method: 'edit', reason: null };
      return this.#settle(order, action, r, () => {
        applyEdit(order, seen, action);
        book.save(order, 'amend:edited', { price: order.price, amount: order.amount });
        if (raw) book.apply(order, { ...raw, clientOrderId: order.clientOrderId }, 'amend');
      });
    };
    let first = sendFirst;
    for (;;) {
      if (!(await gate(this.#ctx, this.#signal))) return aborted(order);
      if (first) {
        first = false;
      } else {
        if (action.attempts > 0) {
          // An edit went out and its answer may be lost: look before sending it again (also when
          // the order finished meanwhile: the edit may have landed before that).
          const seen = await this.#look(order);
          if (seen && editLanded(seen, action)) return edited(undefined, seen);
          // Only a fresh look tells whether the edit landed before the order finished.
          if (seen && order.isFinal) return refused(order, order, `order ${order.status} before the amend reached it`, 'edit');
          if (!seen) {
            if (order.lost) {
              const reason = `the exchange does not know order ${order.id ?? ''} (not found ${order.notFoundCount} times); it is tracked as lost`;
              return refused(order, order, reason, 'edit');
            }
            if (!(await clock.sleep(backoff.next(), this.#signal))) return aborted(order);
            continue;
          }
        } else if (order.isFinal) {
          return refused(order, order, `order ${order.status} before the amend reached it`, 'edit');
        }
        action.attempts += 1;
        action.status = 'sent';
        journal.actions.save(action);
      }
      const amount = action.amount ?? order.amount;
      const price = action.price ?? order.price ?? undefined;
      this.requests++;
      try {
        const raw = (await session.exchange.editOrder(order.id ?? '', order.symbol, order.type, order.side, amount, price, {})) as CcxtOrderLike;
        return edited(raw, raw);
      } catch (error: unknown) {
        const kind = errorKind(error);
        const message = errorText(error);
        if (kind === 'invalid_order' || kind === 'insufficient_funds' || kind === 'auth' || kind === 'not_supported') {
          // The exchange answered and refused; the order stays as it was. A refusal because it
          // finished meanwhile is told as such after a look.
          const seen = action.attempts > 1 ? await this.#look(order) : undefined;
          if (seen && editLanded(seen, action)) continue;
          if (!seen) await this.#look(order);
          const reason = order.isFinal ? `order ${order.status} before the amend reached it` : `amend refused: ${message}`;
          return refused(order, order, reason, 'edit');
        }
        logger.warn({ clientOrderId: order.clientOrderId, err: message, kind }, 'amend outcome unknown; looking before anything else');
      }
      if (!(await clock.sleep(backoff.next(), this.#signal))) return aborted(order);
    }
  }

  async #replace(order: Order, action: OrderAction): Promise<AmendResult> {
    const { journal, book, queue, timing } = this.#ctx;
    let replacement = action.replacementId === null ? undefined : book.get(action.replacementId) ?? journal.get(action.replacementId) ?? undefined;
    this.#replacing.set(order.clientOrderId, action);
    if (!replacement) {
      if (this.#withdrawn.has(order.clientOrderId)) this.withdraw(order);
      const cancelling = this.#canceller.cancel(order, undefined, action);
      this.#ownCancels.set(order.clientOrderId, cancelling);
      const c = await cancelling;
      if (c.outcome === 'aborted') return aborted(order);
      if (this.#withdrawn.has(order.clientOrderId)) return refused(order, order, WITHDRAWN, 'replace');
      if (order.status !== 'canceled') {
        const reason = order.status === 'closed'
          ? 'the order filled before the cancel reached it; no replacement was sent'
          : `the order is ${order.status} (${c.reason ?? 'cancel not confirmed'}); no replacement was sent`;
        return refused(order, order, reason, 'replace');
      }
      const left = (action.amount ?? order.amount) - order.filled;
      if (left <= EPS) {
        return refused(order, order, `the order filled ${order.filled} of ${order.amount} before the cancel; nothing left to replace`, 'replace');
      }
      // The replacement and its link from the action are one transaction, so a restart finds
      // both or neither; a journal written before that may hold a replacement without the link.
      const made = journal.atomically(() => {
        const created =
          journal.replacementOf(order.clientOrderId) ??
          journal.createIntent(
            {
              tag: order.tag,
              symbol: order.symbol,
              side: order.side,
              type: order.type,
              price: action.price ?? order.price,
              amount: Number(this.#round(order.symbol, left)),
              params: order.params,
            },
            order.clientOrderId,
          );
        action.replacementId = created.clientOrderId;
        journal.actions.save(action);
        return created;
      });
      replacement = made;
      if (made.status === 'pending' && made.attempts === 0) queue.enqueue(made);
      else book.track(made);
    } else if (!book.get(replacement.clientOrderId)) {
      book.track(replacement);
    }
    while (replacement.status === 'pending') {
      if (!(await orderChange(this.#ctx, replacement, timing.resolveBackoffMs, this.#signal))) return aborted(order);
    }
    // The strategy's cancel of the original (or of the replacement itself) stopped the replacement.
    if (this.#withdrawn.has(order.clientOrderId)) {
      return refused(replacement, order, `the strategy cancelled the order while it was being amended; the cancel covers its replacement ${replacement.clientOrderId} (${replacement.status})`, 'replace');
    }
    if (replacement.status === 'canceled') {
      return refused(replacement, order, `the replacement ${replacement.clientOrderId} was cancelled before the amend settled: ${replacement.reason ?? 'no reason given'}`, 'replace');
    }
    if (replacement.status === 'failed' || replacement.status === 'rejected') {
      return refused(replacement, order, `the replacement ${replacement.clientOrderId} was ${replacement.status}: ${replacement.reason ?? ''}`, 'replace');
    }
    return { order: replacement, original: order, amended: true, method: 'replace', reason: null };
  }

  #round(symbol: string, amount: number): number {
    try {
      return Number(this.#ctx.session.exchange.amountToPrecision(symbol, amount));
    } catch {
      return amount;
    }
  }

  async #look(order: Order): Promise<CcxtOrderLike | undefined> {
    if (order.id === null) return undefined;
    try {
      const raw = (await this.#ctx.session.exchange.fetchOrder(order.id, order.symbol)) as CcxtOrderLike;
      this.#ctx.book.apply(order, { ...raw, clientOrderId: order.clientOrderId }, 'amend:look');
      return raw;
    } catch (error: unknown) {
      // Misses count towards marking the order lost, which ends an amend that cannot land.
      if (errorKind(error) === 'not_found') noteNotFound(this.#ctx, order);
      return undefined;
    }
  }
}

function refused(order: Order, original: Order, reason: string, method: AmendMethod): AmendResult {
  return { order, original, amended: false, method, reason };
}

function aborted(order: Order): AmendResult {
  return { order, original: order, amended: false, method: 'none', reason: 'stopped' };
}
