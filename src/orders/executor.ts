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
      if (order.attempts === 0 && ctx.requireFreshPrice && ctx.isPriceFresh && !(await this.#freshPrice(order.symbol, signal))) {
        if (signal.aborted) {
          // Stopped while waiting: never sent, so it stays queued (and journaled) for later.
          ctx.queue.unshift(order);
          return;
        }
        const waited = (ctx.freshPriceWaitMs / 1000).toFixed(0);
        const reason = `no fresh price for ${order.symbol} after waiting ${waited}s: refused (orders.require_fresh_price)`;
        ctx.book.finish(order, 'rejected', reason, 'rejected:stale_price');
        ctx.notify(`order ${order.clientOrderId} ${order.side} ${order.amount} ${order.symbol} rejected: ${reason}`, 'warn');
        return;
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
   * Whether `symbol` has a fresh price, waiting up to `freshPriceWaitMs` for one: after a start
   * the executor may see a recovered intent before the first ticker pass has written prices.
   */
  async #freshPrice(symbol: string, signal: AbortSignal): Promise<boolean> {
    const ctx = this.#ctx;
    const isFresh = ctx.isPriceFresh;
    if (!isFresh || isFresh(symbol)) return true;
    const deadline = ctx.clock.now() + ctx.freshPriceWaitMs;
    for (let left = deadline - ctx.clock.now(); left > 0; left = deadline - ctx.clock.now()) {
      if (!(await ctx.clock.sleep(Math.min(FRESH_PRICE_RECHECK_MS, left), signal))) return false;
      if (isFresh(symbol)) return true;
    }
    return false;
  }
}
