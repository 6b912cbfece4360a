import type { Worker } from 'node:worker_threads';
import { NetworkError } from '../exchange/ccxt-lib.js';
import type { ExchangeConfig } from '../config/types.js';
import type { Logger } from '../core/logger.js';
import { startModuleWorker } from '../core/module-worker.js';
import {
  fromFeedError, mergeDeliveries, type CandlesBySymbol, type FeedReply, type FeedRequest, type FeedWorkerData, type LastPrice, type MarketStreamName,
} from './market-feed-protocol.js';

/** What {@link MarketFeedThread} needs. */
export interface MarketFeedOptions {
  /** The `exchange:` config (its credentials stay on this thread). */
  exchange: ExchangeConfig;
  /** The engine's markets, loaded (handed to the thread so it makes no REST call of its own). */
  markets: () => Promise<{ markets: unknown; currencies: unknown }>;
  logger: Logger;
  /** How long the thread may take to start. @defaultValue 60_000 */
  startTimeoutMs?: number;
  /** How long the thread may take to answer a teardown before it is taken for stuck and replaced. @defaultValue 5_000 */
  dropAnswerMs?: number;
}

interface Waiter {
  resolve: (data: never) => void;
  reject: (error: Error) => void;
}

interface StreamState {
  /** The current subscription's number; answers of another are stale. */
  gen: number;
  /** The thread was asked to watch under `gen` and has not failed since. */
  running: boolean;
  waiters: Waiter[];
  /** Deliveries that came while nobody waited, merged (newest price per market, newest row per candle). */
  pending: Record<string, LastPrice> | CandlesBySymbol | null;
  pairsKey: string;
}

const WORKER_URL = new URL('./market-feed-worker.js', import.meta.url);

/**
 * The market-data streams (tickers, candles) on a thread of their own, behind the two ccxt.pro
 * methods the stream loops call: `watchTickers` and `watchOHLCVForSymbols`, with ccxt's meaning
 * (each call answers with what arrived since the one before). The engine keeps its watchdog,
 * backoff, gap fills and metrics; the thread only dials, parses and hands over.
 *
 * Why: at hundreds of markets ccxt's parse of the all-market ticker array holds an event loop
 * for milliseconds every second, and its garbage is most of what the collector works on. On the
 * engine's thread both land on the fills the user stream brings; here they cannot.
 *
 * A thread that fails or ends fails the waiting watch calls with a NetworkError; the stream
 * loop backs off and calls again, which starts a new thread.
 */
export class MarketFeedThread {
  readonly #o: MarketFeedOptions;
  readonly #streams: Record<MarketStreamName, StreamState> = { tickers: newState(), candles: newState() };
  #worker: Worker | null = null;
  #starting: Promise<Worker> | null = null;
  /** The thread being started (not ready yet): a close ends it without waiting for its start. */
  #booting: Worker | null = null;
  #closed = false;
  #started = 0;
  /** Set while a `drop` waits for the thread's answer. */
  #dropAck: NodeJS.Timeout | null = null;
  readonly #dropAckMs: number;
  /** The errors a renewal for a session rebuild ended watch calls with. */
  readonly #renewals = new WeakSet<object>();

  constructor(options: MarketFeedOptions) {
    this.#o = options;
    this.#dropAckMs = options.dropAnswerMs ?? 5_000;
  }

  /** How many threads were started (a restart after a failure counts). */
  get threadsStarted(): number {
    return this.#started;
  }

  /** A thread is being started (it loads ccxt and the markets): its streams cannot deliver yet. */
  get starting(): boolean {
    return this.#starting !== null;
  }

  /** The running thread, or null. @internal for tests */
  get thread(): Worker | null {
    return this.#worker;
  }

  /** Every market's last price that arrived since the previous call (as `{symbol, last}`). */
  watchTickers(): Promise<Record<string, LastPrice>> {
    return this.#watch('tickers') as Promise<Record<string, LastPrice>>;
  }

  /** The candle rows of `pairs` (`[symbol, timeframe]`) that arrived since the previous call. */
  watchOHLCVForSymbols(pairs: string[][]): Promise<CandlesBySymbol> {
    return this.#watch('candles', pairs) as Promise<CandlesBySymbol>;
  }

  /** Tears a stream down (the watchdog's call): waiting calls fail, the next one resubscribes. */
  drop(stream: MarketStreamName, reason: string): void {
    const s = this.#streams[stream];
    this.#end(s, new NetworkError(reason));
    const worker = this.#worker;
    if (!worker) return;
    worker.postMessage({ op: 'drop', stream, gen: s.gen, reason } satisfies FeedRequest);
    // A thread that does not answer within the limit is stuck (a drop reaches only a live one): it is replaced.
    this.#dropAck ??= setTimeout(() => {
      this.#dropAck = null;
      if (this.#worker !== worker) return;
      this.#o.logger.warn({ waitedMs: this.#dropAckMs }, 'market data thread did not answer a teardown; starting a new one');
      this.renew('it did not answer a teardown');
    }, this.#dropAckMs);
    this.#dropAck.unref();
  }

  /**
   * Ends the running thread, because the engine's session was rebuilt (its markets reloaded: a
   * thread keeps the markets it started with; `forRebuild`) or the thread is stuck. Waiting calls
   * fail; the next one starts a thread with the session's markets, as the streams move to a
   * rebuilt session's instance on the main thread.
   */
  renew(reason: string, forRebuild = false): void {
    const worker = this.#worker ?? this.#booting;
    if (!worker) return;
    this.#worker = null;
    this.#stopDropAck();
    for (const s of Object.values(this.#streams)) {
      const error = new NetworkError(`market data thread renewed: ${reason}`);
      if (forRebuild) this.#renewals.add(error);
      this.#end(s, error);
    }
    void worker.terminate();
  }

  /**
   * Hands the running thread the session's reloaded markets in place, its sockets and
   * subscriptions kept: a rebuild after an outage the market streams already rode out need not
   * tear them down again. False when there is no running thread to hand them to (none, one still
   * starting, or another by the time they are loaded) or they cannot be copied across; the caller
   * then {@link renew}s.
   */
  async adoptMarkets(): Promise<boolean> {
    const worker = this.#worker;
    if (!worker || this.#closed) return false;
    const { markets, currencies } = await this.#o.markets();
    if (this.#worker !== worker || this.#closed) return false;
    try {
      worker.postMessage({ op: 'markets', markets, currencies } satisfies FeedRequest);
    } catch (error: unknown) {
      if (error instanceof Error && error.name === 'DataCloneError') return false;
      throw error;
    }
    return true;
  }

  /** Whether `error` ended a watch call because the session was rebuilt ({@link renew} `forRebuild`). */
  endedByRebuild(error: unknown): boolean {
    return typeof error === 'object' && error !== null && this.#renewals.has(error);
  }

  /** Ends the thread: its sockets closed, waiting calls failed. Idempotent. */
  async close(timeoutMs = 2000): Promise<void> {
    this.#closed = true;
    this.#stopDropAck();
    for (const s of Object.values(this.#streams)) this.#end(s, new NetworkError('market data thread closed'));
    // A start under way is not waited for (its markets, a slow or hung thread): ended here, it fails.
    const booting = this.#booting;
    this.#booting = null;
    if (booting) await booting.terminate();
    const worker = this.#worker;
    this.#worker = null;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ op: 'close' } satisfies FeedRequest);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
    clearTimeout(timer);
  }

  #watch(stream: MarketStreamName, pairs?: string[][]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new NetworkError('market data thread closed'));
    const s = this.#streams[stream];
    const key = pairs ? JSON.stringify(pairs) : '';
    if (!s.running || key !== s.pairsKey) {
      s.running = true;
      s.pairsKey = key;
      void this.#send({ op: 'watch', stream, gen: s.gen, ...(pairs ? { pairs } : {}) });
    }
    if (s.pending !== null) {
      const data = s.pending;
      s.pending = null;
      return Promise.resolve(data);
    }
    return new Promise((resolve, reject) => s.waiters.push({ resolve: resolve as (data: never) => void, reject }));
  }

  async #send(request: FeedRequest): Promise<void> {
    try {
      const worker = await this.#start();
      worker.postMessage(request);
    } catch (error: unknown) {
      const e = error instanceof Error ? error : new NetworkError(String(error));
      for (const s of Object.values(this.#streams)) this.#end(s, e);
    }
  }

  #start(): Promise<Worker> {
    if (this.#worker) return Promise.resolve(this.#worker);
    this.#starting ??= this.#spawn().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async #spawn(): Promise<Worker> {
    const { markets, currencies } = await this.#o.markets();
    if (this.#closed) throw new NetworkError('market data thread closed');
    const exchange: ExchangeConfig = { ...this.#o.exchange, apiKey: null, secret: null, password: null, credentials: {} };
    let worker: Worker;
    try {
      worker = startModuleWorker(WORKER_URL, import.meta.url, { workerData: { exchange, markets, currencies } satisfies FeedWorkerData });
    } catch (error: unknown) {
      // A market that cannot be copied across (DataCloneError): the thread loads them itself.
      if (!(error instanceof Error && error.name === 'DataCloneError')) throw error;
      worker = startModuleWorker(WORKER_URL, import.meta.url, { workerData: { exchange, markets: null, currencies: null } satisfies FeedWorkerData });
    }
    this.#booting = worker;
    try {
      await this.#ready(worker);
    } finally {
      if (this.#booting === worker) this.#booting = null;
    }
    if (this.#closed) {
      await worker.terminate();
      throw new NetworkError('market data thread closed');
    }
    this.#started++;
    worker.on('message', (m: FeedReply) => this.#onReply(m));
    worker.on('error', (error) => this.#o.logger.warn({ err: error.message }, 'market data thread failed; the streams restart it'));
    worker.once('exit', (code) => {
      // A thread closed or renewed was let go: the streams it served have moved on.
      if (this.#worker !== worker || this.#closed) return;
      this.#worker = null;
      for (const s of Object.values(this.#streams)) this.#end(s, new NetworkError(`market data thread ended (exit code ${code})`));
    });
    // After the listeners (which ref it): the thread never keeps the process alive by itself.
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  /** Resolves once the thread has its exchange; rejects when it cannot start. */
  #ready(worker: Worker): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new NetworkError('market data thread did not start in time')), this.#o.startTimeoutMs ?? 60_000);
      const done = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', fail);
        worker.off('exit', onExit);
      };
      const fail = (error: Error): void => {
        done();
        void worker.terminate();
        reject(error);
      };
      const onMessage = (m: FeedReply): void => {
        if (m.type === 'ready') {
          done();
          resolve();
        } else if (m.type === 'failed') {
          fail(fromFeedError(m.error));
        }
      };
      const onExit = (code: number): void => fail(new NetworkError(`market data thread ended while starting (exit code ${code})`));
      worker.on('message', onMessage);
      worker.on('error', fail);
      worker.on('exit', onExit);
    });
  }

  #onReply(m: FeedReply): void {
    // Any answer shows the thread alive.
    this.#stopDropAck();
    if (m.type !== 'data' && m.type !== 'error') return;
    const s = this.#streams[m.stream];
    if (m.gen !== s.gen) return;
    if (m.type === 'error') {
      this.#end(s, fromFeedError(m.error));
      return;
    }
    if (s.waiters.length > 0) {
      const waiters = s.waiters;
      s.waiters = [];
      for (const w of waiters) w.resolve(m.data as never);
      return;
    }
    // The clone the message made is this thread's own: merged into in place.
    s.pending = s.pending === null ? m.data : mergeDeliveries(m.stream, s.pending, m.data);
  }

  #stopDropAck(): void {
    if (this.#dropAck) clearTimeout(this.#dropAck);
    this.#dropAck = null;
  }

  /** Ends a stream's subscription: its waiting calls fail with `error`, later answers are stale. */
  #end(s: StreamState, error: Error): void {
    s.gen++;
    s.running = false;
    s.pending = null;
    const waiters = s.waiters;
    s.waiters = [];
    for (const w of waiters) w.reject(error);
  }
}

function newState(): StreamState {
  return { gen: 0, running: false, waiters: [], pending: null, pairsKey: '' };
}
