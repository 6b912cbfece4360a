import { coerceError } from '../core/errors.js';
import { gate, type OrdersContext } from './context.js';
import { StorageWriteError } from '../storage/storage-error.js';
import { isListed } from './intent-market.js';
import type { Order } from './order.js';
import type { Resolver } from './resolver.js';
import { riskRefusal } from './risk-check.js';
import { submitUntilSent } from './submit.js';

// A stale price is rechecked this often while an order waits for a fresh one.
const FRESH_PRICE_RECHECK_MS = 250;

/**
 * Sends queued orders as soon as the session lets them out: woken by the queue, no polling
 * period, no sleep between orders (the rate budget paces requests). An order whose outcome is
 * unknown is handed to the resolver and the next one goes out meanwhile.
 */
export class OrderExecutor {
  readonly #ctx: OrdersContext;
  readonly #resolver: Resolver;
  readonly #resolverSignal: AbortSignal;
  #sent = 0;
  #halted: StorageWriteError | null = null;
  /** Submissions under way: journaled, then flushed to disk, then sent. */
  readonly #inFlight = new Set<Promise<void>>();
  /** Until when intents recovered at the start may wait for a fresh price (set at the first run). */
  #recoveredWaitUntil: number | null = null;

  constructor(ctx: OrdersContext, resolver: Resolver, resolverSignal: AbortSignal) {
    this.#ctx = ctx;
    this.#resolver = resolver;
    this.#resolverSignal = resolverSignal;
  }

  /** Submissions under way (taken from the queue, not yet answered). */
  get size(): number {
    return this.#inFlight.size;
  }

  /** Settles when every submission under way has ended. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** createOrder calls made by the executor (first attempts). */
  get sent(): number {
    return this.#sent;
  }

  /**
   * Runs until `signal` aborts. On abort no new order starts; submissions under way finish
   * (their outcome is journaled) and then the promise resolves.
   */
  async run(signal: AbortSignal): Promise<void> {
    const limit = Math.max(1, this.#ctx.timing.submitConcurrency);
    const inFlight = this.#inFlight;
    this.#halted = null;
    // The restart's allowance for recovered intents counts from the first run (after the init
    // update), not from the journal's loading: a slow start must not use it up.
    this.#recoveredWaitUntil ??= this.#ctx.clock.now() + this.#ctx.recoveredPriceWaitMs;
    while (!signal.aborted && !this.#halted) {
      if (inFlight.size >= limit) {
        await Promise.race(inFlight);
        continue;
      }
      if (!(await this.#ctx.queue.waitForItem(signal))) break;
      if (!(await gate(this.#ctx, signal))) break;
      const order = this.#ctx.queue.shift();
      if (!order) continue;
      const p = this.#submit(order, signal).finally(() => inFlight.delete(p));
      inFlight.add(p);
      // Let a concurrency of 1 keep the queue's order on the exchange.
      if (limit === 1) await p;
    }
    await Promise.allSettled([...inFlight]);
    // The journal cannot be written: the pass fails (the task reports down with the reason) and
    // its supervisor runs it again with backoff; the held orders go out once writes succeed.
    if (this.#halted) throw this.#halted;
  }

  async #submit(order: Order, signal: AbortSignal): Promise<void> {
    const ctx = this.#ctx;
    if (order.status !== 'pending') return;
    try {
      // An intent recovered from the journal may name a market the exchange has since dropped.
      if (order.attempts === 0 && !isListed(ctx.session.exchange, order.symbol)) {
        const reason = `unknown symbol ${order.symbol}`;
        ctx.book.finish(order, 'rejected', reason, 'rejected:market');
        ctx.notify(`order ${order.clientOrderId} ${order.side} ${order.amount} ${order.symbol} rejected: ${reason}`, 'warn');
        return;
      }
      if (order.attempts === 0 && ctx.requireFreshPrice && ctx.isPriceFresh) {
        const recovered = ctx.recovered.has(order);
        const waitMs = this.#priceWaitMs(recovered);
        const fresh = await this.#freshPrice(order, waitMs, signal);
        // Cancelled while it waited: the cancel has finished it.
        if (order.status !== 'pending') return;
        if (!fresh) {
          if (signal.aborted) {
            // Stopped while waiting: never sent, so it stays queued (and journaled) for later.
            ctx.queue.unshift(order);
            return;
          }
          this.#refuseStale(order, waitMs, recovered);
          return;
        }
      }
      if (order.attempts === 0) {
        const refusal = await riskRefusal(ctx, order);
        if (refusal !== null && order.status === 'pending' && order.attempts === 0) {
          ctx.book.finish(order, 'rejected', refusal, 'rejected:risk');
          ctx.notify(`order ${order.clientOrderId} ${order.side} ${order.amount} ${order.symbol} rejected: ${refusal}`, 'warn');
          return;
        }
        if (order.status !== 'pending') return;
      }
      if (order.attempts > 0) {
        // A journaled attempt may exist on the exchange: never send it blind.
        void this.#resolver.resolve(order, this.#resolverSignal);
        return;
      }
      this.#sent++;
      const outcome = await submitUntilSent(ctx, order, signal);
      if (outcome !== 'done' && order.status === 'pending') {
        void this.#resolver.resolve(order, this.#resolverSignal, { taken: outcome === 'exists' });
      }
    } catch (error: unknown) {
      if (error instanceof StorageWriteError && order.status === 'pending') {
        if (order.attempts === 0) {
          // Nothing was sent: hold the order, first in line, until the journal takes writes again.
          ctx.queue.unshift(order);
          this.#sent--;
        } else {
          // An earlier attempt is journaled and may exist: it is looked up, never sent blind.
          void this.#resolver.resolve(order, this.#resolverSignal);
        }
        this.#halted = error;
        return;
      }
      // Any other failure must not kill the loop silently: log and leave the intent as
      // journaled; reconcile picks it up.
      ctx.logger.error({ err: coerceError(error), clientOrderId: order.clientOrderId }, 'order submission failed');
      ctx.notify(`order ${order.clientOrderId}: submission error ${coerceError(error).message}`, 'error');
    }
  }

  /**
   * How long an order may wait for a fresh price: `freshPriceWaitMs`, and an intent recovered
   * from the journal at the start at least until the restart's allowance ends
   * (`recoveredPriceWaitMs` from the first run). After a restart the price feeds are still coming
   * up (streams connecting, the ticker task's first passes), and the recovered burst itself takes
   * the rate budget first (orders outrank market data), so the usual twice-the-ticker-freq wait
   * can end before any price arrives, although nothing is wrong.
   */
  #priceWaitMs(recovered: boolean): number {
    const usual = this.#ctx.freshPriceWaitMs;
    if (!recovered || this.#recoveredWaitUntil === null) return usual;
    return Math.max(usual, this.#recoveredWaitUntil - this.#ctx.clock.now());
  }

  /** Ends an order that got no fresh price in `waitMs`: rejected, never sent, and said so. */
  #refuseStale(order: Order, waitMs: number, recovered: boolean): void {
    const ctx = this.#ctx;
    const waited = (waitMs / 1000).toFixed(0);
    const allowance = (ctx.recoveredPriceWaitMs / 1000).toFixed(0);
    const reason =
      `no fresh price for ${order.symbol} after waiting ${waited}s: refused (orders.require_fresh_price)` +
      (recovered
        ? `; recovered from the journal at the start and never sent, it had the restart's ${allowance}s for prices to come (orders.recovered_price_wait_secs)`
        : '');
    ctx.book.finish(order, 'rejected', reason, 'rejected:stale_price');
    // A recovered intent is a wish from before the crash that is now dropped: the operator must look.
    ctx.notify(`order ${order.clientOrderId} ${order.side} ${order.amount} ${order.symbol} rejected: ${reason}`, recovered ? 'error' : 'warn');
  }

  /**
   * Whether the order's symbol has a fresh price, waiting up to `waitMs` for one (see
   * {@link #priceWaitMs}); the wait also ends when the order stops pending (a cancel).
   */
  async #freshPrice(order: Order, waitMs: number, signal: AbortSignal): Promise<boolean> {
    const ctx = this.#ctx;
    const isFresh = ctx.isPriceFresh;
    if (!isFresh || isFresh(order.symbol)) return true;
    const deadline = ctx.clock.now() + waitMs;
    for (let left = deadline - ctx.clock.now(); left > 0 && order.status === 'pending'; left = deadline - ctx.clock.now()) {
      if (!(await ctx.clock.sleep(Math.min(FRESH_PRICE_RECHECK_MS, left), signal))) return false;
      if (isFresh(order.symbol)) return true;
    }
    return false;
  }
}
