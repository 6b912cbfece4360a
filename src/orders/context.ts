import type { EventEmitter } from 'node:events';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { OrdersConfig } from '../config/types.js';
import type { ExchangeSession } from '../exchange/types.js';
import type { OrderJournal } from './journal.js';
import type { Order } from './order.js';
import type { NotifyFn, OrderBook, OrderManagerEvents } from './order-book.js';
import type { VenueCloseNotices } from './venue-closes.js';
import type { OrderQueue } from './queue.js';
import { orderWaiters } from './order-waiters.js';
import type { RiskGuard } from './risk.js';

/** Tuning of the order machinery beyond the `orders:` config section. */
export interface OrderTiming {
  /**
   * How long after a send an order may still be invisible to lookups by client id. "Not found"
   * inside this window proves nothing; only after it may an order be declared absent and sent
   * again. Binance can hide a just-accepted order for up to about 60 s, hence the default.
   * @defaultValue 65000
   */
  visibilityWindowMs: number;
  /** First wait between resolution lookups; doubles up to `resolveMaxBackoffMs`. @defaultValue 500 */
  resolveBackoffMs: number;
  /** @defaultValue 10000 */
  resolveMaxBackoffMs: number;
  /**
   * Times one resolution sends an order again after proving it absent; then the order ends
   * `failed` with a notification instead of being sent in a loop. @defaultValue 5
   */
  maxResends: number;
  /** createOrder calls in flight at once (1 keeps the queue's order on the exchange). @defaultValue 1 */
  submitConcurrency: number;
  /** Lost orders are polled at most this often. @defaultValue 60000 */
  lostPollIntervalMs: number;
  /** Rounds of cancel + verify in `stop({onStop: 'cancel_all'})`. @defaultValue 3 */
  cancelRounds: number;
  /** How long `stop` waits for ambiguous orders to resolve before cancel_all. @defaultValue 30000 */
  stopResolveTimeoutMs: number;
  /**
   * How long `stop({onStop: 'cancel_all'})` keeps retrying listings, cancels and checks that
   * fail with expected weather (timeouts, 5xx, rate limits) before it reports what is still open.
   * @defaultValue 60000
   */
  stopCancelTimeoutMs: number;
}

/** Defaults of {@link OrderTiming}. */
export const DEFAULT_ORDER_TIMING: Readonly<OrderTiming> = Object.freeze({
  visibilityWindowMs: 65_000,
  resolveBackoffMs: 500,
  resolveMaxBackoffMs: 10_000,
  maxResends: 5,
  submitConcurrency: 1,
  lostPollIntervalMs: 60_000,
  cancelRounds: 3,
  stopResolveTimeoutMs: 30_000,
  stopCancelTimeoutMs: 60_000,
});

// How long an order waits for a fresh price when the config does not say.
const DEFAULT_FRESH_PRICE_WAIT_SECS = 20;
// How long intents recovered at a start may wait for one when the config does not say.
const DEFAULT_RECOVERED_PRICE_WAIT_SECS = 60;

/** The context's fresh-price waits from the `orders:` config, in ms, with their defaults. */
export function priceWaits(config: Pick<OrdersConfig, 'freshPriceWaitSecs' | 'recoveredPriceWaitSecs'>): { freshPriceWaitMs: number; recoveredPriceWaitMs: number } {
  return {
    freshPriceWaitMs: (config.freshPriceWaitSecs ?? DEFAULT_FRESH_PRICE_WAIT_SECS) * 1000,
    recoveredPriceWaitMs: (config.recoveredPriceWaitSecs ?? DEFAULT_RECOVERED_PRICE_WAIT_SECS) * 1000,
  };
}

/** What the executor, resolver, tracker and reconciler share. */
export interface OrdersContext {
  session: ExchangeSession;
  journal: OrderJournal;
  book: OrderBook;
  queue: OrderQueue;
  clock: Clock;
  logger: Logger;
  notify: NotifyFn;
  timing: OrderTiming;
  lostAfterNotFound: number;
  unknownOrders: 'adopt' | 'ignore';
  requireFreshPrice: boolean;
  isPriceFresh: ((symbol: string) => boolean) | undefined;
  /** How long an order waits for a fresh price before it is rejected. */
  freshPriceWaitMs: number;
  /**
   * How long, from the executor's first run, an intent recovered from the journal at the start
   * may wait for a fresh price (`orders.recovered_price_wait_secs`); never less than
   * `freshPriceWaitMs`.
   */
  recoveredPriceWaitMs: number;
  /** Intents recovered from the journal at the start and never sent (queued again by `start`). */
  recovered: WeakSet<Order>;
  /** Where order events go (the manager). */
  events: EventEmitter<OrderManagerEvents>;
  /** Pre-trade limits (`orders.risk`), null when none are configured. */
  risk: RiskGuard | null;
  /** The strategy's fresh last price of a symbol, when it has one. */
  lastPrice: ((symbol: string) => number | undefined) | undefined;
  /** A cancel is under way for this order: an unsent or proven-absent placement is not sent. */
  wantsCancel: (order: Order) => boolean;
  /** Tells the operator of the exchange's own closing orders (liquidation, ADL) once each. */
  venueCloses: VenueCloseNotices;
}

/**
 * Resolves when `order` changes (any journaled change) or after `maxMs`, whichever is first;
 * false when `signal` aborted. Waiting on events keeps a cancel that follows an unresolved
 * placement as quick as the resolution itself.
 */
export function orderChange(ctx: OrdersContext, order: Order, maxMs: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const wake = new AbortController();
    const onAbort = (): void => wake.abort();
    const stopWaiting = orderWaiters(ctx.events).add(order.clientOrderId, onAbort);
    signal?.addEventListener('abort', onAbort, { once: true });
    void ctx.clock.sleep(maxMs, wake.signal).then(() => {
      stopWaiting();
      signal?.removeEventListener('abort', onAbort);
      resolve(!signal?.aborted);
    });
  });
}

/** Waits for the session's restart gate; false when `signal` aborted meanwhile. */
export async function gate(ctx: OrdersContext, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  if (ctx.session.restarting) await ctx.session.waitOpen(signal);
  return !signal?.aborted;
}
