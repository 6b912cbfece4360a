import type { Exchange } from 'ccxt';
import { NetworkError } from '../exchange/ccxt-lib.js';
import { endedByRetirement, isRetired, retirements } from '../exchange/instance-guard.js';
import type { Clock } from '../core/clock.js';
import { UserError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { startsFeed, STREAM_FEEDS, type StreamName } from '../config/stream-feeds.js';
import type { TaskConfig } from '../config/types.js';
import type { NotifyLevel } from '../core/notify-level.js';
import type { StateStore } from '../state/state-store.js';
import type { OrderManager } from '../orders/manager.js';
import { outAttr } from '../tasks/attr.js';
import { accountPushStream, forgetListenKey, isPrivateClient, ordersStream } from './account-streams.js';
import { calmReconnects, dropClients, hasOpenClient, ownSnapshots } from './ccxt-clients.js';
import { candlesStream, candleWindows, tickersStream } from './market-streams.js';
import { tradesStream } from './trades-stream.js';
import { registerStreamCache, StreamCache } from './stream-cache.js';
import { WS_SOURCE, type StreamContext } from './stream-context.js';
import { StreamLoop, type StreamLoopDeps, type StreamSpec, type StreamStats } from './stream-loop.js';
import { clockOffsetOf } from './stream-lag.js';
import type { MarketFeedThread } from './market-feed.js';
import type { MarketStreamName } from './market-feed-protocol.js';

/** Options of {@link StreamManager.create}. */
export interface StreamManagerOptions {
  /** `exchange.stream`. */
  mode: 'auto' | 'on' | 'off';
  /** The config's tasks. */
  tasks: readonly TaskConfig[];
  /** The exchange object tasks and helpers see (`self.aftx`); the helpers' cache is keyed by it. */
  exchange: Exchange;
  /** The instance to watch on now (under the session's proxy; changes on a restart). */
  instance: () => Exchange;
  state: StateStore;
  orders: OrderManager;
  clock: Clock;
  logger: Logger;
  /** `condition`: see NotifyMessage (a stream's notices share the key `stream:NAME`). */
  notify: (text: string, level: NotifyLevel, key?: string, condition?: string) => void;
  /** Runs one REST pass of the named task now. */
  runTask: (name: string) => Promise<void>;
  /** Where the market-data streams (tickers, candles) watch, when not on `instance` (see {@link MarketFeedThread}). */
  marketFeed?: MarketFeedThread | null;
}

/** Default `stall_after_secs` per stream, from its cadence: Binance pushes all-market tickers every second and klines every 250 ms. */
export const DEFAULT_STALL_SECS: Readonly<Record<string, number>> = { tickers: 10, candles: 10, orders: 30, trades: 30, balance: 30, positions: 30 };

/**
 * Runs the engine's streams (one {@link StreamLoop} each) for the tasks the config has, and
 * tells each task whether its REST pass is needed: while every stream feeding a task is
 * healthy, REST only reconciles every `reconcile_secs` (see {@link reconcileSecsOf}); when a stream is
 * stale or down, the task polls at its `freq` again.
 */
export class StreamManager {
  readonly cache = new StreamCache();
  readonly #o: StreamManagerOptions;
  readonly #loops: StreamLoop<unknown>[] = [];
  readonly #byTask = new Map<string, StreamLoop<unknown>[]>();
  readonly #lastRest = new Map<string, number>();
  readonly #restSoon = new Set<string>();
  /** Tasks whose values move with the mark price while a position is open (see the constructor): REST at freq then. */
  readonly #markToMarket = new Map<string, () => boolean>();
  readonly #hooked = new WeakSet<object>();
  listenKeysExpired = 0;
  #signal: AbortSignal | null = null;
  #feed: MarketFeedThread | null = null;

  /** The manager for a config, or null when nothing streams (mode off, or no watch method). */
  static create(options: StreamManagerOptions): StreamManager | null {
    if (options.mode === 'off') return null;
    const manager = new StreamManager(options);
    return manager.#loops.length > 0 ? manager : null;
  }

  private constructor(o: StreamManagerOptions) {
    this.#o = o;
    registerStreamCache(o.exchange, this.cache);
    const ctx: StreamContext = {
      state: o.state,
      orders: o.orders,
      clock: o.clock,
      logger: o.logger,
      cache: this.cache,
      runTask: o.runTask,
      restSoon: (name) => this.#restSoon.add(name),
      idle: (signal) => o.clock.sleep(1000, signal).then(() => undefined),
      sleep: (ms) => (this.#signal ? o.clock.sleep(ms, this.#signal) : Promise.resolve(false)),
      // Unified symbols only (not isListed, which also takes an exchange id): the candle sweep
      // and ccxt's caches key by the unified symbol.
      lists: (symbol) => {
        const markets = o.instance().markets as Record<string, unknown> | undefined;
        return markets === undefined || symbol in markets;
      },
      marketsTable: () => o.instance().markets,
      clockOffsetMs: () => clockOffsetOf(o.instance()),
    };
    const kinds = (kind: string): TaskConfig[] => o.tasks.filter((t) => t.kind === kind);
    const first = (kind: string): TaskConfig | undefined => kinds(kind)[0];
    const started = (name: StreamName): boolean =>
      o.tasks.some((t) => startsFeed(STREAM_FEEDS[name], t.kind, t.subtasks.map((s) => s.method)));

    const feed = o.marketFeed ?? null;
    this.#feed = feed;
    if (started('tickers')) {
      const loop = this.#add(tickersStream(ctx, first('t_update_tickers')), kinds('t_update_tickers'), feed);
      if (loop) this.cache.tickersHealthy = () => loop.healthy;
    }
    if (started('candles')) {
      const loop = this.#add(candlesStream(ctx, candleWindows(o.tasks, (t) => t.kind), first('t_update_candles')), kinds('t_update_candles'), feed);
      if (loop) this.cache.candlesHealthy = () => loop.healthy;
    }
    if (started('orders')) {
      const orderTasks = STREAM_FEEDS.orders.kinds.flatMap(kinds);
      const names = { updateOpen: [...kinds('t_update_open_orders'), ...kinds('t_update_open_orders_dict')][0]?.name, getOpen: first('t_get_open_orders')?.name };
      this.#add(ordersStream(ctx, withoutUndefined(names)), orderTasks);
    }
    const fillTasks = kinds('t_update_fills');
    // Optional: without it fills still come with each order's update, so it starts only where the venue has it.
    if (started('trades') && o.exchange.has[STREAM_FEEDS.trades.method]) {
      this.#add(tradesStream(ctx, fillTasks.length > 0 ? 'closed_trades' : undefined), fillTasks);
    }
    const balance = first('t_update_balance');
    const positions = first('t_get_open_positions');
    if (started('balance') && balance) {
      this.#add(accountPushStream(ctx, 'balance', balance, positions ? outAttr(positions, 'positions') : undefined), kinds('t_update_balance'));
    }
    if (started('positions') && positions) this.#add(accountPushStream(ctx, 'positions', positions), kinds('t_get_open_positions'));
    // A push tells what changed at an event (a fill, a funding fee); with a position open the
    // equity and each position's unrealised PnL move with the mark price, which nothing pushes:
    // those tasks then read by REST at their freq, as when polling.
    // Without a positions task nothing says whether one is open: the balance reads at its freq.
    const positionsAttr = positions ? outAttr(positions, 'positions') : null;
    const open = (): boolean => positionsAttr === null || Object.keys(o.state.get<Record<string, unknown> | null>(positionsAttr) ?? {}).length > 0;
    for (const t of [...kinds('t_update_balance'), ...kinds('t_get_open_positions')]) this.#markToMarket.set(t.name, open);
  }

  /**
   * A loop for `spec`, fed by the feed thread when one is given (a market-data stream), else by
   * the session's instance.
   */
  #add<T>(spec: StreamSpec<T>, tasks: readonly TaskConfig[], feed: MarketFeedThread | null = null): StreamLoop<T> | undefined {
    const o = this.#o;
    const method = STREAM_FEEDS[spec.name as StreamName].method;
    if (!o.exchange.has[method]) {
      // A backstop: `misso check` refuses this config already (config/validate-streams.ts).
      if (o.mode === 'on') {
        throw new UserError(`exchange.stream is on, but ${o.exchange.id} has no ${method} (needed by the ${spec.name} stream); use \`stream: auto\` (polls what cannot stream) or \`stream: off\``);
      }
      return undefined;
    }
    const configured = tasks.map((t) => t.stallAfterSecs).filter((s): s is number => typeof s === 'number');
    const stallSecs = configured.length > 0 ? Math.min(...configured) : (DEFAULT_STALL_SECS[spec.name] ?? 30);
    const source: Pick<StreamLoopDeps, 'exchange' | 'teardown' | 'isConnected' | 'starting' | 'endedByMisso' | 'retirements'> = feed
      ? {
        exchange: () => feed as unknown as Exchange,
        teardown: async (_exchange, s, reason) => feed.drop(s.name as MarketStreamName, reason),
        isConnected: () => true,
        starting: () => feed.starting,
        endedByMisso: (error) => feed.endedByRebuild(error),
      }
      : {
        exchange: () => this.#instance(),
        teardown: async (exchange, s, reason) => {
          dropClients(exchange, s.ownsClient, reason);
        },
        // A ccxt.pro class has websocket clients to look at; an in-process exchange is connected
        // until the session retires it (a rebuild that fails leaves the streams on it down).
        isConnected: (exchange, s) => !isRetired(exchange) && (exchange.has['ws'] !== true || hasOpenClient(exchange, s.ownsClient)),
        // The session closed the instance (a restart): its watch calls end with `closedByUser`;
        // one begun on it after its rebuild failed fails for the outage (see endedByRetirement).
        endedByMisso: (_error, exchange, begunAt) => endedByRetirement(exchange, begunAt),
        retirements,
      };
    const loop = new StreamLoop<T>(spec, stallSecs * 1000, {
      clock: o.clock,
      logger: o.logger,
      notify: (text, level, condition) => o.notify(text, level, `stream:${spec.name}`, condition),
      // The session's instance measures the offset (a market-data thread's loads no markets): one exchange, one clock.
      clockOffsetMs: () => clockOffsetOf(o.instance()),
      ...source,
    });
    this.#loops.push(loop as StreamLoop<unknown>);
    for (const t of tasks) this.#byTask.set(t.name, [...(this.#byTask.get(t.name) ?? []), loop as StreamLoop<unknown>]);
    return loop;
  }

  /** The current instance, with the listenKeyExpired hook installed once per instance. */
  #instance(): Exchange {
    const instance = this.#o.instance();
    if (!this.#hooked.has(instance)) {
      this.#hooked.add(instance);
      calmReconnects(instance);
      ownSnapshots(instance);
      const target = instance as unknown as { handleMessage?: (client: unknown, message: unknown) => unknown };
      const original = target.handleMessage;
      if (typeof original === 'function') {
        // ccxt has no handler for listenKeyExpired: without this the user stream dies silently.
        target.handleMessage = (client: unknown, message: unknown) => {
          if (typeof message === 'object' && message !== null && (message as Record<string, unknown>)['e'] === 'listenKeyExpired') {
            this.#listenKeyExpired(instance, client);
          }
          return original.call(instance, client, message);
        };
      }
    }
    return instance;
  }

  #listenKeyExpired(instance: Exchange, client: unknown): void {
    this.listenKeysExpired++;
    this.#o.logger.warn('listenKey expired: getting a new one; the user stream reconnects and fills the gap by REST');
    // An event, not a condition with two sides: no key (a key would stay at "warn" for good).
    this.#o.notify('user stream listenKey expired; renewing it and filling the gap by REST', 'warn');
    forgetListenKey(instance);
    dropClients(instance, (url) => isPrivateClient(url), 'listenKey expired');
    // Dropping the client rejects the watch calls waiting on it, but a stream whose call was just
    // answered by the frame before this one (one socket read carries both; ws hands them over in
    // one go) has none waiting yet: its next call would dial a new key, and the loop would never
    // learn of the gap. Each loop on this client is told directly.
    const { url, subscriptions } = client as { url?: unknown; subscriptions?: Record<string, unknown> };
    if (typeof url !== 'string') return;
    const subs = Object.keys(subscriptions ?? {});
    for (const loop of this.#loops) if (loop.spec.ownsClient(url, subs)) loop.interrupt(new NetworkError('listenKey expired'), instance);
  }

  /** Runs every stream until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    try {
      await Promise.all(this.#loops.map((l) => l.run(signal)));
    } finally {
      await this.#feed?.close();
    }
  }

  /** A rebuilt exchange session: every stream sleeping out a backoff tries again now. */
  wake(): void {
    for (const loop of this.#loops) loop.wake();
  }

  /** Ends the market-data thread, if any (the loops end with the run's signal). */
  close(): Promise<void> {
    return this.#feed?.close() ?? Promise.resolve();
  }

  /** The market-data thread, when the market streams run on one. @internal for tests */
  get marketFeed(): MarketFeedThread | null {
    return this.#feed;
  }

  /**
   * Whether a task's REST pass can be skipped now: every stream feeding it is healthy, its
   * last REST pass is more recent than its reconcile period, no push asked for a read, and (the
   * balance and positions tasks) no position is open, whose value moves with the market. A
   * skipped pass vouches for the task's attributes (their meta source becomes `ws`).
   */
  skipRest(task: TaskConfig, feeds: readonly string[]): boolean {
    const loops = this.#byTask.get(task.name);
    const now = this.#o.clock.now();
    const last = this.#lastRest.get(task.name);
    const reconcileMs = reconcileSecsOf(task) * 1000;
    const asked = this.#restSoon.delete(task.name);
    const marked = this.#markToMarket.get(task.name)?.() ?? false;
    if (!asked && !marked && loops && loops.every((l) => l.healthy) && last !== undefined && now - last < reconcileMs) {
      for (const attr of feeds) this.#o.state.touch(attr, WS_SOURCE);
      return true;
    }
    this.#lastRest.set(task.name, now);
    return false;
  }

  /** Metrics of every stream. */
  stats(): StreamStats[] {
    return this.#loops.map((l) => l.stats);
  }
}

/** The floor of the default reconcile period, s: a healthy stream already carries the data. */
export const MIN_RECONCILE_SECS = 300;

/**
 * A task's REST period while its streams are healthy: `reconcile_secs`, by default 10 × `freq`
 * and at least {@link MIN_RECONCILE_SECS}. The streams carry every change, so REST only catches
 * what a stream might have lost; polling at `freq` resumes as soon as a stream is stale or down.
 */
export function reconcileSecsOf(task: TaskConfig): number {
  return task.reconcileSecs ?? Math.max(10 * (task.freqSecs ?? 30), MIN_RECONCILE_SECS);
}

function withoutUndefined<T extends Record<string, string | undefined>>(value: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: string };
}
