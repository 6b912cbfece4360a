import { EventEmitter, setMaxListeners } from 'node:events';
import { StoppedError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { checkCancelAllFilter, type CancelAllFilter } from './cancel-filter.js';
import { Amender, type AmendChanges, type AmendOptions, type AmendResult } from './amend.js';
import { Canceller, type CancelResult } from './cancel.js';
import { DEFAULT_ORDER_TIMING, priceWaits, type OrdersContext, type OrderTiming } from './context.js';
import type { OrderManagerOptions } from './manager-options.js';
import { emitEach, reportListenerFailures } from '../core/emit-each.js';
import { OrderExecutor } from './executor.js';
import { prepareIntent } from './intent-market.js';
import type { Fill } from './fill-store.js';
import { FillTracker, type ApplyFillResult, type CcxtTradeLike, type ClosedTrade } from './fills.js';
import type { Durability } from './journal.js';
import { announceJournalHealth } from './journal-health.js';
import type { CcxtOrderLike, Order } from './order.js';
import { resumeActions, runQueueAction, strategyCancel } from './order-actions.js';
import { clientIdOf, findOrder, OrderRefError } from './order-ref.js';
import { OrderBook, type IsOpenOrders, type NotifyFn, type OrderManagerEvents } from './order-book.js';
import { VenueCloseNotices } from './venue-closes.js';
import { PendingOrderQueue } from './pending-orders.js';
import { OrderQueue, type IntakePrepare } from './queue.js';
import { reconcile, type ReconcileReport } from './reconcile.js';
import { Resolver } from './resolver.js';
import { applyStreamOrder, applyStreamOrders } from './stream-apply.js';
import { RiskGuard } from './risk.js';
import type { SymbolContext } from './symbol-hint.js';
import { intakeRiskRefusal } from './risk-check.js';
import { shutDown, type StopReport } from './shutdown.js';
import { OrderTracker, type PollResult } from './tracker.js';
import { liveCounts, type OrderStats } from './order-stats.js';

export type { OrderManagerOptions } from './manager-options.js';
export type { StopReport } from './shutdown.js';
export type { OrderStats } from './order-stats.js';
// How often finished orders leave the recently-closed cache (and processed ones open_orders).
const PRUNE_EVERY_MS = 5_000;
const stoppedError = (): StoppedError => new StoppedError('the order manager stopped: this updater stopped; build a new Updater to trade again');

/**
 * The one place orders live for an updater: the `pending_orders` queue, the executor that sends
 * it exactly once, the tracker behind `open_orders` / `is_open_orders`, reconciliation with the
 * exchange, and shutdown. Everything durable is in the journal; see docs in each part.
 *
 * Events: `order` (any change), `filled`, `failed`, `adopted`, `lost`, `journal` (writes fail or work again).
 */
export class OrderManager extends EventEmitter<OrderManagerEvents> {
  /** The strategy's order queue (`updater.pendingOrders`): it takes orders; the executor's, behind it, is `#ctx.queue`. */
  readonly queue: PendingOrderQueue;
  readonly #ctx: OrdersContext;
  readonly #book: OrderBook;
  readonly #resolver: Resolver;
  readonly #tracker: OrderTracker;
  readonly #executor: OrderExecutor;
  readonly #canceller: Canceller;
  readonly #amender: Amender;
  readonly #fills: FillTracker;
  readonly #lifetime = new AbortController();
  readonly #onStop: 'leave' | 'cancel_all';
  readonly #runs = new Set<Promise<void>>();
  #started: Promise<ReconcileReport> | null = null;
  #stopping: Promise<StopReport> | null = null;
  /** The executor ran: orders went out (see shutDown's `cancelQueued`). */
  #sending = false;
  /** @internal reports a listener's failure as {@link emit} does (`updater.orders`' async listeners reject later) */
  readonly reportListenerFailure: (event: string, error: unknown) => void;

  /** @internal the updater builds it */
  constructor(options: OrderManagerOptions) {
    super();
    const logger = options.logger ?? silentLogger();
    const notify: NotifyFn = options.notify ?? (() => undefined);
    const timing: OrderTiming = { ...DEFAULT_ORDER_TIMING, ...(options.config.maxResends === undefined ? {} : { maxResends: options.config.maxResends }), ...options.timing };
    this.reportListenerFailure = reportListenerFailures('the order manager', logger, notify);
    this.#book = new OrderBook({ journal: options.journal, clock: options.clock, logger, events: this, notify, recentlyClosedMs: options.config.recentlyClosedSecs * 1000 });
    // An unknown symbol's refusal or rejection suggests the nearest listed one, of the strategy's kind of market.
    const suggest = (): SymbolContext => ({ related: [...(options.strategySymbols?.() ?? []), ...this.#book.all().filter((o) => !o.isFinal).map((o) => o.symbol)] });
    const prepare: IntakePrepare = (entry) => prepareIntent(entry, options.session.exchange, suggest(), options.lastPrice);
    const queue = new OrderQueue(options.journal, prepare, (intent) => intakeRiskRefusal(this.#ctx, intent));
    this.queue = new PendingOrderQueue(queue);
    queue.on('push', (order) => this.#book.queued(order));
    queue.on('rejected', (order, reason) => {
      this.#book.track(order);
      this.#book.finish(order, 'rejected', reason, 'rejected:market');
      notify(`order ${order.clientOrderId} ${order.side} ${order.amount} ${order.symbol} rejected: ${reason}`, 'warn');
    });
    this.#onStop = options.config.onStop;
    this.#ctx = {
      session: options.session,
      journal: options.journal,
      book: this.#book,
      queue,
      clock: options.clock,
      logger,
      notify,
      timing,
      lostAfterNotFound: Math.max(1, options.config.lostAfterNotFound),
      unknownOrders: options.config.unknownOrders,
      requireFreshPrice: options.config.requireFreshPrice,
      isPriceFresh: options.isPriceFresh,
      ...priceWaits(options.config),
      recovered: new WeakSet<Order>(),
      events: this,
      risk: options.config.risk ? new RiskGuard(options.config.risk) : null,
      lastPrice: options.lastPrice,
      wantsCancel: (order) => this.#canceller.wants(order),
      venueCloses: new VenueCloseNotices(logger, notify),
    };
    announceJournalHealth(options.journal, (problem) => this.emit('journal', problem), logger, notify);
    // Every resolution sleeping on the lifetime signal adds a listener; hundreds are normal.
    setMaxListeners(0, this.#lifetime.signal);
    this.#resolver = new Resolver(this.#ctx);
    this.#tracker = new OrderTracker(this.#ctx);
    this.#executor = new OrderExecutor(this.#ctx, this.#resolver, this.#lifetime.signal);
    this.#canceller = new Canceller(this.#ctx, this.#lifetime.signal);
    this.#amender = new Amender(this.#ctx, this.#canceller, this.#lifetime.signal);
    queue.handleActions((action) => runQueueAction(this.#ctx, this.#canceller, this.#amender, action));
    this.#fills = new FillTracker(this.#ctx);
  }

  /**
   * The one way fills come in: a ccxt trade from `fetchMyTrades` or a user stream. Stored once
   * per symbol and trade id; advances the order's `filled` when the fills say more, in the same journal
   * transaction. Throws `StorageWriteError` when the journal cannot be written (nothing stored
   * or changed; the journal is reported unhealthy): apply the trade again once it can.
   */
  applyFill(trade: CcxtTradeLike): ApplyFillResult {
    return this.#fills.applyFill(trade);
  }

  /**
   * {@link applyFill} for every trade of one delivery, as one journal transaction: one synced
   * write for the lot instead of one per trade, so a burst of fills is announced together as
   * soon as it is stored rather than each behind the syncs of the ones before it. When the write
   * fails none is stored, changed or announced. `durability` (see {@link Durability}): the user
   * stream's deliveries are `relaxed`, since the exchange can tell them again.
   */
  applyFills(trades: readonly CcxtTradeLike[], durability: Durability = 'synced'): ApplyFillResult[] {
    return this.#ctx.book.atomically(() => trades.map((t) => this.#fills.applyFill(t)), [], durability);
  }

  /**
   * The stored fills of an order (the `Order`, its client order id or its exchange id, as
   * {@link cancel} takes them), oldest first; `OrderRefError` for a ref naming no order of ours.
   */
  fillsOf(ref: Order | string | number): Fill[] {
    const clientOrderId = clientIdOf(this.#ctx, ref);
    if (clientOrderId === undefined) throw new OrderRefError(ref);
    return this.#fills.fillsOf(clientOrderId);
  }

  /** Fetches (`fetchMyTrades`) the fills of orders whose `filled` is ahead of their stored fills. */
  syncFills(signal?: AbortSignal): Promise<number> {
    return this.#fills.sync(signal);
  }

  /** Cross-checks positions derived from fills with the exchange's; returns the symbols that disagreed. */
  checkPositions(signal?: AbortSignal): Promise<string[]> {
    return this.#fills.checkPositions(signal);
  }

  /** Calls each listener on its own (see {@link emitEach}): a throw is logged, and the change stands. */
  override emit<K>(event: K | keyof OrderManagerEvents, ...args: K extends keyof OrderManagerEvents ? OrderManagerEvents[K] : never): boolean {
    return emitEach(this, event as keyof OrderManagerEvents, args, this.reportListenerFailure);
  }

  /** The seed's `closed_trades`: finished orders with fills (same array for the manager's life). */
  get closedTrades(): ClosedTrade[] {
    return this.#fills.closedTrades;
  }

  /** Entries in the index of {@link closedTrades}. @internal for tests */
  get closedTradesIndexSize(): number {
    return this.#fills.closedIndexSize;
  }

  /** Signed positions per symbol derived from fills (the exchange's figure after a cross-check). */
  get derivedPositions(): Record<string, number> {
    return this.#fills.positions;
  }

  /**
   * Cancels one order: `ref` is the Order, its client order id or its exchange id. Settles when
   * the exchange confirmed (or refused) the cancel; never rejects for exchange faults. A queued
   * order is dropped without a request, an order whose placement is unresolved is cancelled once
   * resolved (or dropped if it proves absent), a finished order settles at once. Two cancels of
   * one order share one request. Rejects with `OrderRefError` for an unknown ref.
   */
  cancel(ref: Order | string | number): Promise<CancelResult> {
    const order = this.#target(ref);
    if (order instanceof Error) return Promise.reject(order);
    return strategyCancel(this.#canceller, this.#amender, order);
  }

  /**
   * Cancels every order of ours not yet finished (queued ones too), optionally of one symbol /
   * side (a unified symbol or the exchange's id of one). Rejects with a `CancelFilterError` (a
   * TypeError) for a filter it cannot read or a symbol the exchange does not list, cancelling
   * nothing.
   */
  cancelAll(filter?: CancelAllFilter): Promise<CancelResult[]> {
    try {
      if (this.#stopping) throw stoppedError();
      filter = checkCancelAllFilter(filter, { exchange: this.#ctx.session.exchange, orders: this.#book.all() });
    } catch (error: unknown) {
      return Promise.reject(error as Error);
    }
    const targets = this.#book.all().filter((o) => !o.isFinal && (filter.symbol === undefined || o.symbol === filter.symbol) && (filter.side === undefined || o.side === filter.side));
    return Promise.all(targets.map((o) => strategyCancel(this.#canceller, this.#amender, o)));
  }

  /**
   * Changes an order's price and/or total amount: `editOrder` where the exchange has it, else a
   * tracked cancel-then-replace (the replacement, linked by `replaces`, goes out only after the
   * cancel is confirmed, never when the original filled). Settles with the live order; when it
   * could not be done, `amended` is false and `reason` says why. Rejects with `OrderRefError` or
   * `AmendError` for an unknown ref or impossible changes; with `refuseOverLimits` (the control
   * API) also for a risk limit the change can be judged over already (see `Amender.normalise`).
   */
  amend(ref: Order | string | number, changes: AmendChanges, options: AmendOptions = {}): Promise<AmendResult> {
    const order = this.#target(ref);
    if (order instanceof Error) return Promise.reject(order);
    try {
      return this.#amender.amend(order, this.#amender.normalise(order, changes, options));
    } catch (error: unknown) {
      return Promise.reject(error as Error);
    }
  }

  /** The order a cancel or amend names; after {@link stop} (the journal closes) a StoppedError. */
  #target(ref: Order | string | number): Order | Error {
    return this.#stopping ? stoppedError() : (findOrder(this.#ctx, ref) ?? new OrderRefError(ref));
  }

  /** The strategy's `open_orders`: `{symbol: Order[]}`, same object for the manager's life. */
  get openOrders(): Record<string, Order[]> {
    return this.#book.openOrders;
  }

  /** The exchange's view, `{symbol: {buys, sells}}`, same object for the manager's life. */
  get isOpenOrders(): IsOpenOrders {
    return this.#book.isOpenOrders;
  }

  /** Finished orders still held for late updates. */
  get recentlyClosed(): Order[] {
    return [...this.#book.recentlyClosed.values()].map((e) => e.order);
  }

  /** Orders not found `lostAfterNotFound` times and not found again since. */
  get lost(): Order[] {
    return this.#book.all().filter((o) => o.lost);
  }

  /** Every order held in memory (queued, resolving, open, recently closed). */
  get orders(): Order[] {
    return this.#book.all();
  }

  /** {@link start} has loaded the journal's orders (its reconciliation may still be running). */
  get loaded(): boolean {
    return this.#started !== null;
  }

  /**
   * Loads the journal (open orders, unprocessed finished ones, the queue) and reconciles with
   * the exchange. Idempotent: later calls return the first result.
   */
  start(): Promise<ReconcileReport> {
    this.#started ??= (async () => {
      const active = this.#ctx.journal.loadActive();
      for (const order of active) {
        this.#book.track(order);
        this.#fills.summarise(order);
      }
      // Never sent: queued again, with the restart's time for prices (the executor). Intents
      // with an attempt are resolved by reconcile, never sent blind.
      const unsent = active.filter((o) => o.status === 'pending' && o.attempts === 0);
      for (const order of unsent) this.#ctx.recovered.add(order);
      this.#ctx.queue.restore(unsent);
      const report = await this.reconcile();
      resumeActions(this.#ctx, this.#canceller, this.#amender);
      const pruning = this.#book.pruneEvery(PRUNE_EVERY_MS, this.#lifetime.signal).finally(() => this.#runs.delete(pruning));
      this.#runs.add(pruning);
      return report;
    })();
    return this.#started;
  }

  /** `t_execute_orders`: sends queued orders until `signal` aborts (or the manager stops). */
  runExecutor(signal: AbortSignal): Promise<void> {
    this.#sending = true;
    const combined = AbortSignal.any([signal, this.#lifetime.signal]);
    setMaxListeners(0, combined);
    const run = this.#executor.run(combined).finally(() => this.#runs.delete(run));
    this.#runs.add(run);
    return run;
  }

  /** `t_update_open_orders` / `t_update_open_orders_dict`: one status pass. */
  updateOpenOrders(signal?: AbortSignal): Promise<{ polled: number; updated: number }> {
    return this.#tracker.updateOpenOrders(signal);
  }

  /** Fetches one order by REST (`fetchOrder`) and applies the answer; says whether it changed it. */
  pollOrder(order: Order, signal?: AbortSignal): Promise<PollResult> {
    return this.#tracker.poll(order, signal);
  }

  /** `t_get_open_orders`: rebuilds `is_open_orders` from the exchange. */
  refreshIsOpenOrders(signal?: AbortSignal): Promise<number> {
    return this.#tracker.refreshIsOpenOrders(signal);
  }

  /**
   * Applies one order update from the user stream (ccxt `watchOrders`), through the same
   * transitions and journal as a polled answer; keeps `is_open_orders` in step.
   */
  applyStreamOrder(raw: CcxtOrderLike): boolean {
    return applyStreamOrder(this.#ctx, raw);
  }

  /**
   * {@link applyStreamOrder} for every update of one delivery, as one journal transaction (one
   * write, see {@link applyFills}). Returns whether each changed anything.
   */
  applyStreamOrders(raws: readonly CcxtOrderLike[], durability: Durability = 'synced'): boolean[] {
    return applyStreamOrders(this.#ctx, raws, durability);
  }

  /** Reconciles memory and journal with the exchange (start, and after every restart). */
  reconcile(signal?: AbortSignal): Promise<ReconcileReport> {
    return reconcile(this.#ctx, this.#tracker, this.#resolver, this.#lifetime.signal, signal);
  }

  /**
   * The strategy handled a finished order (the `Order`, its client order id or its exchange id);
   * it leaves `open_orders` at the next pass. Throws `OrderRefError` for a ref naming no order of ours.
   */
  markProcessed(ref: Order | string | number): void {
    const order = findOrder(this.#ctx, ref);
    if (order === undefined) throw new OrderRefError(ref);
    this.#book.markProcessed(order);
  }

  /** Resolves when nothing is queued, being sent or being resolved (tests, draining). */
  async settled(): Promise<void> {
    while (this.queue.size > 0 || this.#executor.size > 0 || this.#resolver.size > 0 || this.#canceller.size > 0 || this.#amender.size > 0) {
      await this.#executor.idle();
      await this.#resolver.idle();
      await this.#canceller.idle();
      await this.#amender.idle();
      if (this.queue.size > 0) await new Promise((r) => setImmediate(r));
    }
  }

  /** Why journal writes fail (a full disk, …), or null while they work. */
  get journalProblem(): string | null {
    return this.#ctx.journal.problem;
  }

  /** Counters for the status API and metrics. */
  stats(): OrderStats {
    return {
      ...liveCounts(this.#book.all()),
      queued: this.queue.size,
      resolving: this.#resolver.size,
      recentlyClosed: this.#book.recentlyClosed.size,
      sent: this.#executor.sent,
      illegalTransitions: this.#book.illegalTransitions,
      ended: { ...this.#book.endedSinceStart },
      byStatus: this.#ctx.journal.counts(),
    };
  }

  /**
   * Stops sending and resolving; new intents are refused from now on (`StoppedError`). The
   * submission under way finishes and is journaled. Queued intents that were never sent stay in
   * the journal with `leave` and go out at the next start; `cancel_all` cancels them. Intents
   * whose send outcome is unknown stay journaled and are resolved by the next start's reconcile.
   * - `leave`: resting orders stay on the exchange.
   * - `cancel_all`: unknown outcomes are first resolved (without sending again) for up to
   *   `stopResolveTimeoutMs`, then every open order of ours is cancelled and each cancel is
   *   verified by fetching the order again, for up to `cancelRounds` rounds; exchange weather is
   *   retried for up to `stopCancelTimeoutMs` (see `stopLeftOrdersOpen` for the outcome).
   * Idempotent: later calls return the first call's promise. The journal is not closed here.
   */
  stop(options: { onStop?: 'leave' | 'cancel_all' } = {}): Promise<StopReport> {
    this.#stopping ??= (async () => {
      this.#ctx.queue.close('the order manager stopped');
      this.#lifetime.abort();
      await Promise.allSettled([...this.#runs]);
      return shutDown(this.#ctx, { resolver: this.#resolver, canceller: this.#canceller, amender: this.#amender, tracker: this.#tracker }, options.onStop ?? this.#onStop, this.#sending);
    })();
    return this.#stopping;
  }
}
