import { NotSupported } from '../exchange/ccxt-lib.js';
import { Backoff } from '../core/backoff.js';
import { coerceError } from '../core/errors.js';
import { errorKind } from '../exchange/classify.js';
import { gate, type OrdersContext } from './context.js';
import type { CcxtOrderLike, Order } from './order.js';
import { StorageWriteError } from '../storage/storage-error.js';
import { submitUntilSent, type SubmitOutcome } from './submit.js';

/** How a resolution ended. */
export type Resolution = 'found' | 'failed' | 'absent' | 'aborted';

/** What one round of lookups found. */
type Lookup = 'found' | 'absent' | 'unknown';

/**
 * Finds out whether an order whose createOrder outcome is unknown exists, by its client id:
 * fetchOrder, then the open orders, then recent orders. "Not found" only counts as proof of
 * absence once the visibility window after the last send has passed; then (and only then) the
 * order is sent again with the SAME client id, so an exchange that holds the first copy open
 * refuses the duplicate. Binance requires uniqueness among open orders only, so that refusal is
 * not relied on: the look-ups decide. One resolution runs per order at a time.
 */
export class Resolver {
  readonly #ctx: OrdersContext;
  readonly #active = new Map<string, Promise<Resolution>>();

  constructor(ctx: OrdersContext) {
    this.#ctx = ctx;
  }

  /** Orders being resolved. */
  get size(): number {
    return this.#active.size;
  }

  /** True while `order` is being resolved. */
  has(order: Order): boolean {
    return this.#active.has(order.clientOrderId);
  }

  /**
   * Starts (or joins) the resolution of `order`. With `resend: false` an order proven absent is
   * left pending (used at stop) instead of being sent again. `taken: true` says the exchange has
   * just refused the order's client id as already used.
   */
  resolve(order: Order, signal: AbortSignal, options: { resend?: boolean; taken?: boolean } = {}): Promise<Resolution> {
    const running = this.#active.get(order.clientOrderId);
    if (running) return running;
    const p = this.#run(order, signal, options.resend ?? true, options.taken ?? false)
      .catch((error: unknown) => {
        this.#ctx.logger.error({ err: coerceError(error), clientOrderId: order.clientOrderId }, 'order resolution crashed');
        return 'aborted' as const;
      })
      .finally(() => this.#active.delete(order.clientOrderId));
    this.#active.set(order.clientOrderId, p);
    return p;
  }

  /** Settles when every resolution under way has ended. */
  async idle(): Promise<void> {
    while (this.#active.size > 0) await Promise.allSettled([...this.#active.values()]);
  }

  async #run(order: Order, signal: AbortSignal, resend: boolean, taken: boolean): Promise<Resolution> {
    const { clock, timing, logger } = this.#ctx;
    const backoff = new Backoff({ baseMs: timing.resolveBackoffMs, maxMs: timing.resolveMaxBackoffMs });
    // A "client order id already taken" answer proves an order with our id exists, so sending
    // again can only be refused again: from then on the order is only looked up.
    let takenAt = taken ? clock.now() : null;
    let resends = 0;
    // A write this resolution needs was refused (a full disk, an I/O error: the journal reports
    // itself unhealthy and notifies). Nothing unjournaled went out; the order stays pending and
    // is looked up again, with backoff, until the journal takes writes: no restart needed.
    let journalRefused = false;
    const refused = async (error: unknown): Promise<boolean> => {
      if (!(error instanceof StorageWriteError)) throw error;
      if (!journalRefused) {
        const message = "the journal refused a write of this order's resolution; looking it up again until it takes writes";
        logger.warn({ clientOrderId: order.clientOrderId, err: error.message }, message);
      }
      journalRefused = true;
      return clock.sleep(backoff.next(), signal);
    };
    while (true) {
      if (order.status !== 'pending') return settledAs(order);
      if (!(await gate(this.#ctx, signal))) return 'aborted';
      let found: Lookup;
      try {
        found = await this.#lookup(order);
      } catch (error: unknown) {
        if (!(await refused(error))) return 'aborted';
        continue;
      }
      if (!stillPending(order) || found === 'found') return settledAs(order);
      if (signal.aborted) return 'aborted';
      const windowEnd = Math.max(order.submittedAt ?? 0, takenAt ?? 0) + timing.visibilityWindowMs;
      if (found === 'absent' && clock.now() >= windowEnd) {
        let ended: Resolution | null;
        try {
          ended = this.#provenAbsent(order, takenAt !== null, resend, resends);
        } catch (error: unknown) {
          // Dropping or failing it is a write too: the order stays pending until it is stored.
          if (!(await refused(error))) return 'aborted';
          continue;
        }
        if (ended) return ended;
        // While the journal refuses (a sync that failed for good refuses until a restart) every
        // round ends here: said once, by the warning, not at every round.
        if (!journalRefused) logger.info({ clientOrderId: order.clientOrderId, attempts: order.attempts }, 'order proven absent; sending it again');
        let outcome: SubmitOutcome;
        try {
          outcome = await submitUntilSent(this.#ctx, order, signal);
        } catch (error: unknown) {
          // Looked up again first: the refused write may be the answer of a request that went out.
          if (!(await refused(error))) return 'aborted';
          continue;
        }
        resends += 1;
        if (journalRefused) logger.info({ clientOrderId: order.clientOrderId, attempts: order.attempts }, 'the journal takes writes again; order sent again');
        journalRefused = false;
        if (!stillPending(order)) return settledAs(order);
        if (outcome === 'exists') takenAt = clock.now();
        backoff.reset();
        continue;
      }
      // Inside the window "absent" proves nothing: look again, but never sleep past its end.
      const untilWindow = windowEnd - clock.now();
      const delay = backoff.next();
      const wait = found === 'absent' && untilWindow > 0 ? Math.min(delay, untilWindow) : delay;
      if (!(await clock.sleep(Math.max(1, wait), signal))) return 'aborted';
    }
  }

  /**
   * What an order proven absent (past its visibility window) comes to, or null when it is to be
   * sent again. Throws `StorageWriteError` when the journal refuses to store the outcome.
   */
  #provenAbsent(order: Order, taken: boolean, resend: boolean, resends: number): Resolution | null {
    if (taken) {
      return this.#giveUp(
        order,
        `client order id ${order.clientOrderId} is taken on the exchange, but no order with it can be found on ${order.symbol}; not sent again`,
      );
    }
    if (this.#ctx.wantsCancel(order)) {
      // Proven never to have reached the exchange, and the strategy cancelled it: drop it.
      this.#ctx.book.finish(order, 'canceled', 'canceled: it never reached the exchange', 'canceled:absent');
      return 'absent';
    }
    if (!resend) return 'absent';
    if (resends >= this.#ctx.timing.maxResends) {
      return this.#giveUp(order, `sent ${order.attempts} times and never found on the exchange; not sent again`);
    }
    return null;
  }

  #giveUp(order: Order, reason: string): Resolution {
    // Stored first: a refused write says nothing yet, the next round tries again.
    this.#ctx.book.finish(order, 'failed', reason, 'failed:unresolved');
    this.#ctx.logger.error({ clientOrderId: order.clientOrderId, symbol: order.symbol, attempts: order.attempts }, reason);
    this.#ctx.notify(`order ${order.clientOrderId} ${order.side} ${order.amount} ${order.symbol} failed: ${reason}; check the exchange by hand`, 'error');
    return 'failed';
  }

  /** One round of the three lookups. Any inconclusive answer makes the round `unknown`. */
  async #lookup(order: Order): Promise<Lookup> {
    const ex = this.#ctx.session.exchange;
    const cid = order.clientOrderId;
    const matches = (o: CcxtOrderLike): boolean => o.clientOrderId === cid;
    try {
      const raw = (await ex.fetchOrder('', order.symbol, { clientOrderId: cid })) as CcxtOrderLike;
      if (raw && (raw.clientOrderId === undefined || matches(raw))) return this.#found(order, raw, 'resolved:fetchOrder');
    } catch (error: unknown) {
      if (errorKind(error) !== 'not_found') return this.#inconclusive(order, 'fetchOrder', error);
    }
    try {
      const open = (await ex.fetchOpenOrders(order.symbol)) as CcxtOrderLike[];
      const raw = open.find(matches);
      if (raw) return this.#found(order, raw, 'resolved:openOrders');
    } catch (error: unknown) {
      return this.#inconclusive(order, 'fetchOpenOrders', error);
    }
    if (ex.has['fetchOrders'] !== false) {
      try {
        const since = (order.submittedAt ?? order.createdAt) - this.#ctx.timing.visibilityWindowMs;
        const recent = (await ex.fetchOrders(order.symbol, since)) as CcxtOrderLike[];
        const raw = recent.find(matches);
        if (raw) return this.#found(order, raw, 'resolved:recentOrders');
      } catch (error: unknown) {
        if (!(error instanceof NotSupported)) return this.#inconclusive(order, 'fetchOrders', error);
      }
    }
    return 'absent';
  }

  #found(order: Order, raw: CcxtOrderLike, kind: string): Lookup {
    this.#ctx.book.apply(order, { ...raw, clientOrderId: order.clientOrderId, status: raw.status ?? 'open' }, kind);
    return 'found';
  }

  #inconclusive(order: Order, call: string, error: unknown): Lookup {
    // The answer was there but could not be journaled: not a lookup's doubt (see `refused` in #run).
    if (error instanceof StorageWriteError) throw error;
    this.#ctx.logger.debug({ clientOrderId: order.clientOrderId, call, err: coerceError(error).message }, 'lookup inconclusive');
    return 'unknown';
  }
}

function stillPending(order: Order): boolean {
  return order.status === 'pending';
}

function settledAs(order: Order): Resolution {
  return order.status === 'failed' ? 'failed' : 'found';
}
