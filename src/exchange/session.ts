import type { Exchange } from 'ccxt';
import { setMaxListeners } from 'node:events';
import { Backoff } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import { StoppedError, coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ScopedStore } from '../core/scoped-store.js';
import { RetryLog } from '../core/retry-log.js';
import type { ExchangeConfig } from '../config/types.js';
import { foldAlgoOrders } from './algo-orders.js';
import { RateBudget, type RateBudgetStats } from './budget.js';
import { CallFailures } from './call-failures.js';
import { classifyError, errorKind } from './classify.js';
import { createExchangeFactory } from './factory.js';
import { firstInstance } from './first-instance.js';
import { Gate } from './gate.js';
import { adoptInstance, clearInstanceTimers, rebuildFailedAfter, retireInstance } from './instance-guard.js';
import { isGatedMethod } from './gated-methods.js';
import { priorityOf, weightOf } from './priority.js';
import { isRetriedRead, sendWithReadRetries } from './read-retries.js';
import { SessionHealthRecorder } from './session-health.js';
import { untilAborted } from './until-aborted.js';
import type { ErrorKind, ExchangeSession, Priority, SessionHealth } from './types.js';

/** Options for {@link createExchangeSession}. */
export interface ExchangeSessionOptions {
  config: ExchangeConfig;
  clock: Clock;
  logger: Logger;
  /** Builds a fresh instance (at start and on every restart). @defaultValue createExchangeFactory(config) */
  factory?: () => Promise<Exchange>;
  /** Load markets when the session opens and after every rebuild. @defaultValue true */
  loadMarkets?: boolean;
  /**
   * How long `restart()` waits for the calls in flight, and `close()` for the writes in flight
   * (orders, cancels: reads are not waited for at close). @defaultValue 2 × config.timeoutMs
   */
  drainTimeoutMs?: number;
  /** First delay between failed rebuilds; it doubles up to `rebuildMaxDelayMs`. @defaultValue 500 */
  rebuildDelayMs?: number;
  /** @defaultValue 30000 */
  rebuildMaxDelayMs?: number;
}

/** Counters of one session, for metrics, the status API and tests. */
export interface ExchangeSessionStats {
  /** Calls that passed the gate, per method name. */
  calls: Record<string, number>;
  /** Rate-budget weight granted per method name (see src/exchange/priority.ts). */
  weights: Record<string, number>;
  /** Failed calls per classified kind. */
  errors: Record<ErrorKind, number>;
  inFlight: number;
  restarts: number;
  /** Clock resyncs after `InvalidNonce`, and how many of them worked. */
  resyncs: { attempted: number; ok: number };
  budget: RateBudgetStats;
}

/** The session the engine holds: the port of types.ts plus its budget, counters and raw instance. */
export interface ManagedExchangeSession extends ExchangeSession {
  readonly budget: RateBudget;
  /** The instance under the proxy right now. Calls made on it bypass the gate and the budget. */
  readonly instance: Exchange;
  stats(): ExchangeSessionStats;
}

/**
 * Opens one exchange account: builds the instance (and loads its markets), and returns a session
 * whose `exchange` proxy sends every request through the restart gate and the account's
 * {@link RateBudget}, classifies failures once, and rethrows ccxt's original error with the kind
 * attached (see `errorKind`). Nothing is retried here: loops decide, and `createOrder` is never
 * repeated blindly.
 */
export async function createExchangeSession(options: ExchangeSessionOptions): Promise<ManagedExchangeSession> {
  const { config, clock, logger } = options;
  const factory = options.factory ?? createExchangeFactory(config, { clock, logger });
  const first = await firstInstance(factory, options.factory !== undefined);
  const budget = RateBudget.fromConfig(config.rateBudget, first.rateLimit, clock);
  const session = new Session(options, factory, first, budget);
  try {
    if (options.loadMarkets ?? true) await session.exchange.loadMarkets();
  } catch (err: unknown) {
    await session.close();
    throw err;
  }
  return session;
}

type AnyFn = (...args: unknown[]) => unknown;

class Session implements ManagedExchangeSession {
  readonly budget: RateBudget;
  readonly exchange: Exchange;
  #clock: Clock;
  #logger: Logger;
  #factory: () => Promise<Exchange>;
  #current: Exchange;
  #loadMarkets: boolean;
  #drainTimeoutMs: number;
  #rebuildDelayMs: number;
  #rebuildMaxDelayMs: number;
  #gate = new Gate();
  // Calls made by onReopen hooks run while the gate is closed; they must not wait for it.
  #hookContext = new ScopedStore<true>();
  #hooks: (() => Promise<void>)[] = [];
  #wrappers = new Map<string, AnyFn>();
  #bound = new Map<string, { fn: unknown; bound: AnyFn }>();
  #inFlight = 0;
  /** In-flight calls that change something on the exchange (not {@link isRetriedRead} reads). */
  #writesInFlight = 0;
  #drainWaiters = new Set<() => void>();
  #restarting: Promise<void> | undefined;
  #restartAbort = new AbortController();
  #closing: Promise<void> | undefined;
  /** Aborted by `close()`: the reads still out are answered StoppedError. */
  readonly #readsAbandoned = new AbortController();
  #calls = new Map<string, number>();
  #failures: CallFailures;
  #weights = new Map<string, number>();
  #restarts = 0;
  readonly #health: SessionHealthRecorder;

  constructor(options: ExchangeSessionOptions, factory: () => Promise<Exchange>, first: Exchange, budget: RateBudget) {
    // One listener per read in flight: dozens at once are normal, not a leak.
    setMaxListeners(0, this.#readsAbandoned.signal);
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#factory = factory;
    this.#current = first;
    this.budget = budget;
    this.#failures = new CallFailures({ clock: options.clock, logger: options.logger, budget });
    this.#health = new SessionHealthRecorder(options.clock);
    this.#loadMarkets = options.loadMarkets ?? true;
    this.#drainTimeoutMs = options.drainTimeoutMs ?? 2 * options.config.timeoutMs;
    this.#rebuildDelayMs = options.rebuildDelayMs ?? 500;
    this.#rebuildMaxDelayMs = options.rebuildMaxDelayMs ?? 30_000;
    // Binance's algo orders are folded in over the gate, so each of their requests is budgeted.
    this.exchange = foldAlgoOrders(
      new Proxy({} as Exchange, {
        get: (_target, prop) => this.#get(prop),
        set: (_target, prop, value) => Reflect.set(this.#current, prop, value),
        has: (_target, prop) => prop in this.#current,
        getPrototypeOf: () => Object.getPrototypeOf(this.#current) as object | null,
      }),
    );
  }

  get restarting(): boolean {
    return this.#gate.state === 'closed';
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get instance(): Exchange {
    return this.#current;
  }

  health(): SessionHealth {
    return this.#health.view();
  }

  waitOpen(signal?: AbortSignal): Promise<void> {
    // Reopen hooks (reconciliation) run while the gate is closed; waiting for it there would deadlock.
    if (this.#hookContext.getStore()) return Promise.resolve();
    return this.#gate.wait(signal).catch(() => undefined);
  }

  onReopen(hook: () => Promise<void>): void {
    this.#hooks.push(hook);
  }

  restart(options: { drainTimeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.#closing) return Promise.reject(new StoppedError('exchange session closed'));
    this.#restarting ??= this.#restart(options.drainTimeoutMs ?? this.#drainTimeoutMs, options.signal).finally(() => {
      this.#restarting = undefined;
    });
    return this.#restarting;
  }

  close(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.drainTimeoutMs ?? this.#drainTimeoutMs);
    return this.#closing;
  }

  stats(): ExchangeSessionStats {
    return {
      calls: Object.fromEntries(this.#calls),
      weights: Object.fromEntries(this.#weights),
      errors: { ...this.#failures.counts },
      inFlight: this.#inFlight,
      restarts: this.#restarts,
      resyncs: { ...this.#failures.resyncs },
      budget: this.budget.stats(),
    };
  }

  callAt(priority: Priority, method: string, args: readonly unknown[]): Promise<unknown> {
    return this.#call(method, priority, !isRetriedRead(method), [...args]);
  }

  #get(prop: PropertyKey): unknown {
    const current = this.#current;
    if (typeof prop !== 'string') return Reflect.get(current, prop, current);
    const wrapper = this.#wrappers.get(prop);
    if (wrapper) return wrapper;
    const value: unknown = Reflect.get(current, prop, current);
    if (typeof value !== 'function') return value;
    if (isGatedMethod(current, prop)) {
      const priority = priorityOf(prop);
      // Inside a withReadRetries scope (the start), reads are tried again on expected weather.
      // Whether it is a write (waited for at close), worked out once per method, not per call.
      const write = !isRetriedRead(prop);
      const made: AnyFn = (...args) => sendWithReadRetries(prop, args, (sent) => this.#call(prop, priority, write, sent));
      this.#wrappers.set(prop, made);
      return made;
    }
    // Synchronous helpers (market(), amountToPrecision, …) run on the current instance. The cache
    // is checked against the function itself, so a reassigned property is never served stale.
    const cached = this.#bound.get(prop);
    if (cached?.fn === value) return cached.bound;
    const bound = (value as AnyFn).bind(current);
    this.#bound.set(prop, { fn: value, bound });
    return bound;
  }

  async #call(method: string, priority: Priority, write: boolean, args: unknown[]): Promise<unknown> {
    if (this.#closing) throw new StoppedError(`exchange session closed: ${method} not sent`);
    if (!this.#gate.isOpen && this.#hookContext.getStore() !== true) await this.#gate.wait();
    this.#inFlight++;
    if (write) this.#writesInFlight++;
    this.#calls.set(method, (this.#calls.get(method) ?? 0) + 1);
    let instance: Exchange | undefined;
    try {
      // loadMarkets() without reload answers from memory once markets are there: no request.
      if (!(method === 'loadMarkets' && this.#current.markets && args[0] !== true)) {
        const weight = weightOf(method, args);
        await this.budget.acquire(priority, weight);
        this.#weights.set(method, (this.#weights.get(method) ?? 0) + weight);
      }
      instance = this.#current;
      const fn = (instance as unknown as Record<string, AnyFn>)[method];
      if (typeof fn !== 'function') throw new TypeError(`${instance.id} has no method ${method}`);
      const sent = fn.apply(instance, args) as Promise<unknown>;
      const answer = await (write ? sent : this.#abandonable(method, sent));
      this.#health.answered();
      return answer;
    } catch (err: unknown) {
      // Errors before the request went out (budget closed or aborted) are ours, not the exchange's;
      // so is a read abandoned by the close.
      if (instance && !(err instanceof StoppedError)) {
        await this.#failures.handle(err, method, instance);
        this.#health.callFailed(errorKind(err), err);
      }
      throw err;
    } finally {
      this.#inFlight--;
      if (write) this.#writesInFlight--;
      for (const resolve of this.#drainWaiters) resolve();
    }
  }

  /**
   * `sent`, or a StoppedError as soon as the close abandons the reads: the caller's follow-up runs
   * then, while the engine's journal is still open, not at ccxt's timeout after everything closed.
   * The request's own late answer or failure is dropped.
   */
  #abandonable(method: string, sent: Promise<unknown>): Promise<unknown> {
    return untilAborted(sent, this.#readsAbandoned.signal, () => new StoppedError(`exchange session closed: ${method} abandoned`));
  }

  async #restart(drainTimeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    const abort = signal ? AbortSignal.any([signal, this.#restartAbort.signal]) : this.#restartAbort.signal;
    this.#gate.close();
    this.#restarts++;
    this.#health.restartBegan();
    const started = this.#clock.now();
    try {
      const drained = await this.#drain(drainTimeoutMs, abort);
      if (!drained && !abort.aborted) {
        this.#logger.warn({ inFlight: this.#inFlight, drainTimeoutMs }, 'restart: calls still in flight, closing anyway');
      }
      if (abort.aborted) throw new StoppedError('exchange restart aborted');
      await this.#closeInstance(this.#current);
      this.#current = await this.#build(abort);
      this.#bound.clear();
      await this.#hookContext.run(true, () => this.#runHooks());
      this.#logger.info({ ms: this.#clock.now() - started }, 'exchange session restarted');
    } finally {
      // Even an aborted restart reopens: callers queued at the gate would otherwise hang.
      this.#health.restartEnded();
      if (!this.#closing) this.#gate.open();
    }
  }

  async #build(signal: AbortSignal): Promise<Exchange> {
    const backoff = new Backoff({ baseMs: this.#rebuildDelayMs, maxMs: this.#rebuildMaxDelayMs });
    const log = new RetryLog({ clock: this.#clock, logger: this.#logger, failing: 'restart: rebuilding the exchange failed, retrying; calls wait at the gate meanwhile', recovered: 'restart: the exchange could be rebuilt again' });
    for (let attempt = 1; ; attempt++) {
      const delay = backoff.nominalMs(attempt);
      if (signal.aborted) throw new StoppedError('exchange restart aborted');
      let built: Exchange | undefined;
      try {
        if (this.#loadMarkets) await this.budget.acquire('market', 1, signal); // before building: a ban waits, a stop refuses
        built = await this.#factory();
        adoptInstance(built);
        if (this.#loadMarkets) {
          // A close during the rebuild does not wait for this read either (see #close).
          await untilAborted(built.loadMarkets(true), signal, () => new StoppedError('exchange restart aborted'));
        }
        this.#health.rebuilt();
        log.succeeded();
        return built;
      } catch (err: unknown) {
        // As any call's failure: a 429 or a 418 ban pauses the budget, which the next acquire waits out.
        if (!signal.aborted && !(err instanceof StoppedError)) await this.#failures.handle(err, 'loadMarkets', built ?? this.#current);
        if (built) await this.#closeInstance(built);
        if (signal.aborted || err instanceof StoppedError) throw new StoppedError('exchange restart aborted'); // a stop: no failure
        this.#health.rebuildFailed(err);
        const c = classifyError(err, this.#clock.now());
        rebuildFailedAfter(this.#current, c.message); // the retired one: its streams' failures are the outage's now
        log.failed({ attempt, error: c.name, kind: c.kind, detail: c.message, retryInMs: delay });
        if (!(await this.#clock.sleep(delay, signal))) throw new StoppedError('exchange restart aborted');
      }
    }
  }

  async #runHooks(): Promise<void> {
    for (const hook of this.#hooks) {
      try {
        await hook();
      } catch (err: unknown) {
        // Reconciliation failing must not keep every task locked out; the hook's owner retries.
        this.#logger.error({ err: coerceError(err) }, 'exchange reopen hook failed');
      }
    }
  }

  /** Waits until no call is in flight (`writesOnly`: no write), up to `timeoutMs`; false when it timed out. */
  async #drain(timeoutMs: number, signal: AbortSignal, writesOnly = false): Promise<boolean> {
    const pending = (): number => (writesOnly ? this.#writesInFlight : this.#inFlight);
    if (pending() === 0) return true;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let resolveDrained: () => void = () => undefined;
    const drained = new Promise<boolean>((resolve) => {
      resolveDrained = () => {
        if (pending() === 0) resolve(true);
      };
      this.#drainWaiters.add(resolveDrained);
    });
    try {
      return await Promise.race([drained, this.#clock.sleep(timeoutMs, stop.signal).then(() => false)]);
    } finally {
      this.#drainWaiters.delete(resolveDrained);
      signal.removeEventListener('abort', onAbort);
      stop.abort();
    }
  }

  async #closeInstance(instance: Exchange): Promise<void> {
    retireInstance(instance);
    try {
      await instance.close();
    } catch (err: unknown) {
      this.#logger.warn({ err: coerceError(err) }, 'closing the exchange instance failed');
    }
    // After close(): a keep-alive armed meanwhile is dropped too.
    clearInstanceTimers(instance);
  }

  async #close(drainTimeoutMs: number): Promise<void> {
    this.#restartAbort.abort();
    this.#gate.fail(new StoppedError('exchange session closed'));
    // Calls still queued in the budget were never sent: they fail now. Sent ones may finish.
    this.budget.close();
    // Only writes are waited for: their answers are journaled (an order's id, a cancel's outcome).
    // A read's answer is of no use once the engine stops, and a read hung on the network would
    // hold the stop for up to twice its timeout: reads still out (a restart's reconciliation's
    // too) are answered StoppedError now.
    if (this.#inFlight > this.#writesInFlight) this.#logger.debug({ reads: this.#inFlight - this.#writesInFlight }, 'close: reads still in flight are abandoned');
    this.#readsAbandoned.abort();
    await this.#restarting?.catch(() => undefined);
    const drained = await this.#drain(drainTimeoutMs, new AbortController().signal, true);
    if (!drained) this.#logger.warn({ inFlight: this.#inFlight, writes: this.#writesInFlight }, 'close: calls still in flight, closing anyway');
    await this.#closeInstance(this.#current);
  }
}
