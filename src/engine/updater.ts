import { EventEmitter, setMaxListeners } from 'node:events';
import { basename, dirname } from 'node:path';
import type { Exchange } from 'ccxt';
import { SystemClock, type Clock } from '../core/clock.js';
import { coerceError, StartupError, StoppedError, UserError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import { Redactor } from '../core/redact.js';
import { configSecrets } from '../config/secrets.js';
import { loadConfigFile, loadConfigObject } from '../config/load.js';
import type { MissoConfig, TaskConfig } from '../config/types.js';
import { createExchangeSession } from '../exchange/session.js';
import type { ExchangeSession } from '../exchange/types.js';
import type { StatusEvent, StatusSnapshot, StatusSource } from '../http/types.js';
import { createNotifier, setDefaultNotifier, type Notifier } from '../notify/index.js';
import { OrderJournal } from '../orders/journal.js';
import { OrderManager, type OrderStats } from '../orders/manager.js';
import { BUILTIN_TASK_KINDS } from '../tasks/registry.js';
import { configContext } from './config-context.js';
import { errorKindOf } from './error-kind.js';
import { LateOrderManager } from './late-order-manager.js';
import { loadModule, loadTaskKind } from './module-registry.js';
import { StalenessWatch } from './staleness.js';
import { StateStore } from './state.js';
import { startConfiguredStatusServer, type RunningStatusServer } from './status-hosting.js';
import { buildSnapshot, toPublicStatus } from './status.js';
import { runSubtask, type BoundSubtask } from './subtask.js';
import { TaskSupervisor } from './supervisor.js';
import { toTaskKind, type EngineControl, type NotifyLevel, type TaskKind, type TaskRuntime, type TaskStatus } from './task-kind.js';

/** Lifecycle of an updater, as a small state machine. */
export type UpdaterPhase = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'faulted';

/** Options for building an {@link Updater}. */
export interface UpdaterOptions {
  /** @defaultValue the wall clock */
  clock?: Clock;
  /** A logger, or a function that builds one from the validated config. @defaultValue pino, from the config's `logging` section */
  logger?: Logger | ((config: MissoConfig) => Logger);
  /** Environment for `${VAR}` references. @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Extra task kinds, by name, known when the config is validated. */
  taskKinds?: Readonly<Record<string, TaskKind | ((rt: TaskRuntime) => Promise<void> | void)>>;
  /** Use this exchange instead of building one from the config (tests, custom sessions). */
  exchangeFactory?: () => Promise<Exchange>;
  /** Override `storage.path` (e.g. `:memory:`). */
  storagePath?: string;
  /**
   * Start a new journal where the file exists but is empty (`misso run --new-journal`); without
   * it such a file is refused. @defaultValue false
   */
  newJournal?: boolean;
  /** Override the notifier. */
  notifier?: Notifier;
  /** Directory relative `modul:` paths resolve against when building from an object. @defaultValue cwd */
  baseDir?: string;
  /** Uniform [0,1) source for backoff jitter. @defaultValue Math.random */
  random?: () => number;
  /** How many times the init update is tried before `start()` fails. @defaultValue 5 */
  initAttempts?: number;
  /** Override `http.port`: a port (0: any free one) for the status server, or null for none. @defaultValue the config's `http.port` */
  httpPort?: number | null;
}

/** What `--state-out` writes and {@link Updater.snapshot} returns. */
export interface UpdaterSnapshot {
  state: Record<string, unknown>;
  tasks: Record<string, { ok: boolean | null; runs: number; failures: number; lastError: string | null; lastSuccessAt: number | null }>;
}

interface TaskEntry {
  config: TaskConfig;
  kind: TaskKind;
  subtasks: BoundSubtask[];
  supervisor: TaskSupervisor | null;
}

const NOT_SERIALISED = new Set(['aftx', 'exchange', 'pending_orders']);
const DEFAULT_STORAGE_PATH = './misso.db';

/** Events an updater emits. */
export interface UpdaterEvents {
  change: [{ name: string; value: unknown; source: string; at: number }];
  task: [{ name: string; status: TaskStatus; error: Error | null }];
  phase: [UpdaterPhase];
  status: [StatusEvent];
  /** The status server (config `http:`) is listening at this URL. */
  listening: [url: string];
}

/**
 * The composition root: one updater per strategy process and exchange account. It holds the
 * seed's attributes as typed, timestamped state, runs every configured task under one
 * supervisor, executes queued orders exactly once, restarts the exchange session when asked or
 * when it fails, reports health and stops cleanly.
 */
export class Updater extends EventEmitter<UpdaterEvents> {
  readonly config: MissoConfig;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Scrubs the config's secrets from logs, notifications, status views and `snapshot()`. */
  readonly redactor: Redactor;
  readonly #options: UpdaterOptions;
  readonly #kinds = new Map<string, TaskKind>();
  readonly #tasks = new Map<string, TaskEntry>();
  readonly #stop = new AbortController();
  readonly #staleness: StalenessWatch;
  #phase: UpdaterPhase = 'created';
  #session: ExchangeSession | null = null;
  #journal: OrderJournal | null = null;
  #orders: OrderManager | null = null;
  readonly #ordersView = new LateOrderManager();
  #statusServer: RunningStatusServer | null = null;
  #finalOrderStats: OrderStats | null = null;
  #notifier: Notifier | null = null;
  #loops: Promise<void>[] = [];
  #startPromise: Promise<void> | null = null;
  #stopPromise: Promise<void> | null = null;
  #initDone!: () => void;
  readonly #initPromise: Promise<void>;
  readonly #startedAt: number;
  #restarts = 0;
  #restartInFlight: Promise<void> | null = null;
  #lastAutoRestartAt = 0;
  readonly #readiness: Record<string, boolean> = { config: true, exchange: false, journal: false, init_update: false };

  /** Builds an updater from a YAML file (validated; throws `ConfigError` listing every problem). */
  static async fromFile(path: string, options: UpdaterOptions = {}): Promise<Updater> {
    const kinds = Updater.#kindTable(options);
    const config = await loadConfigFile(path, Updater.#configContext(kinds, options));
    return new Updater(config, options, kinds);
  }

  /** Builds an updater from a config object in the YAML's shape. */
  static async fromConfig(obj: unknown, options: UpdaterOptions = {}): Promise<Updater> {
    const kinds = Updater.#kindTable(options);
    const baseDir = options.baseDir ?? process.cwd();
    const config = await loadConfigObject(obj, Updater.#configContext(kinds, options), { baseDir });
    return new Updater(config, options, kinds);
  }

  static #kindTable(options: UpdaterOptions): Map<string, TaskKind> {
    const kinds = new Map<string, TaskKind>(Object.entries(BUILTIN_TASK_KINDS));
    for (const [name, kind] of Object.entries(options.taskKinds ?? {})) kinds.set(name, toTaskKind(kind, name));
    return kinds;
  }

  static #configContext(kinds: Map<string, TaskKind>, options: UpdaterOptions) {
    return configContext(kinds, options.env);
  }

  private constructor(config: MissoConfig, options: UpdaterOptions, kinds: Map<string, TaskKind>) {
    super();
    this.config = config;
    this.#options = options;
    this.clock = options.clock ?? new SystemClock();
    this.redactor = new Redactor(configSecrets(config));
    const logger = options.logger;
    this.logger =
      typeof logger === 'function'
        ? logger(config)
        : (logger ?? createLogger({ level: config.logging.level, file: config.logging.file, redactor: this.redactor }));
    for (const [name, kind] of kinds) this.#kinds.set(name, kind);
    this.state = new StateStore(this.#initialState(config), this.clock);
    this.state.on('change', (change) => {
      this.emit('change', change);
      if (this.listenerCount('status') > 0) this.#emitAttribute(change.name);
    });
    this.#staleness = new StalenessWatch(this.state);
    // Every task loop listens on the one stop signal.
    setMaxListeners(0, this.#stop.signal);
    this.#startedAt = this.clock.now();
    this.#initPromise = new Promise((resolveInit) => (this.#initDone = resolveInit));
  }

  #initialState(config: MissoConfig): Record<string, unknown> {
    const initial: Record<string, unknown> = {
      watch_list: null,
      last_price: {},
      ohlcs: {},
      positions: {},
      total_capital: 0,
      free_capital: 0,
      initial_capital: 0,
      stop_updates: false,
      restart_exchange: false,
      ...config.classAttributes,
    };
    initial['first_update'] = false;
    initial['system_status'] = {};
    return initial;
  }

  /** Where the updater is in its life. */
  get phase(): UpdaterPhase {
    return this.#phase;
  }

  /** The account's exchange (`self.aftx`), behind the rate budget and restart gate. Available after `start()`. */
  get exchange(): Exchange {
    return this.#require(this.#session, 'exchange').exchange;
  }

  /** The exchange session (restart, budget). Available after `start()`. */
  get session(): ExchangeSession {
    return this.#require(this.#session, 'session');
  }

  /** The order journal (every intent and status change). Available after `start()`. */
  get journal(): OrderJournal {
    return this.#require(this.#journal, 'journal');
  }

  /**
   * The order manager (open orders, events). Subscribe (`on('order', ...)`) any time, before
   * `start()` too, so the start's reconciliation events arrive; the rest is available after `start()`.
   */
  get orders(): OrderManager {
    return this.#ordersView.view;
  }

  /** The strategy's order queue (`self.pending_orders`): `push([id, size, price, side, symbol])`. Available after `start()`. */
  get pendingOrders(): OrderManager['queue'] {
    return this.#require(this.#orders, 'pendingOrders').queue;
  }

  /** The status server's URL while it runs (config `http.port` or the `httpPort` option), else null. */
  get statusUrl(): string | null {
    return this.#statusServer?.url ?? null;
  }

  /** Every task's health. */
  taskStatuses(): Record<string, TaskStatus> {
    const out: Record<string, TaskStatus> = {};
    for (const [name, entry] of this.#tasks) if (entry.supervisor) out[name] = entry.supervisor.status;
    return out;
  }

  /**
   * Adds a task before `start()`: `registerTask('t_my_task', fn, { freqSecs: 10 })`. A plain
   * function is a periodic pass; an object can choose its mode.
   */
  registerTask(
    name: string,
    kind: TaskKind | ((rt: TaskRuntime) => Promise<void> | void),
    options: { freqSecs?: number | null; timeoutSecs?: number; maxAgeSecs?: number; options?: Record<string, unknown> } = {},
  ): void {
    if (this.#phase !== 'created') throw new Error(`registerTask('${name}') must be called before start()`);
    if (this.#tasks.has(name) || this.config.tasks.some((t) => t.name === name)) throw new Error(`a task named '${name}' exists already`);
    const k = toTaskKind(kind, name);
    this.#kinds.set(name, k);
    this.#extraTasks.push({
      key: name,
      kind: name,
      name,
      freqSecs: options.freqSecs === undefined ? (k.defaultFreqSecs ?? null) : options.freqSecs,
      timeoutSecs: options.timeoutSecs ?? null,
      out: null,
      inputArgs: null,
      subtasks: [],
      maxAgeSecs: options.maxAgeSecs ?? null,
      options: options.options ?? {},
    });
  }

  readonly #extraTasks: TaskConfig[] = [];

  /** Starts everything; resolves once the init update is done. Repeat calls return the same promise. */
  start(): Promise<void> {
    this.#startPromise ??= this.#start().catch(async (err: unknown) => {
      if (!(err instanceof StoppedError)) this.#setPhase('faulted');
      await this.stop();
      // The CLI prints this message: an exchange's error text may quote a signed URL or a key.
      throw err instanceof Error ? this.redactor.error(err) : err;
    });
    return this.#startPromise;
  }

  async #start(): Promise<void> {
    this.#setPhase('starting');
    // The status server comes up first, so /readyz can say "starting" during the init update.
    const httpPort = this.#options.httpPort === undefined ? this.config.http.port : this.#options.httpPort;
    this.#statusServer = await startConfiguredStatusServer(this.statusSource(), { port: httpPort, host: this.config.http.host }, { logger: this.logger, clock: this.clock });
    if (this.#statusServer) this.emit('listening', this.#statusServer.url);
    this.#notifier = this.#options.notifier ?? createNotifier(this.config.notify, { clock: this.clock, logger: this.logger, redactor: this.redactor });
    // `telegram_notify_msg` called from a config reaches the operator through this notifier.
    setDefaultNotifier(this.#notifier);
    // A rebuild that keeps failing retries with backoff; capping it at the shortest task period
    // keeps recovery after an outage within a couple of periods instead of up to 30 s.
    const periods = this.config.tasks.flatMap((t) => (t.freqSecs === null ? [] : [t.freqSecs * 1000]));
    const sessionOptions = {
      config: this.config.exchange,
      clock: this.clock,
      logger: this.logger,
      rebuildMaxDelayMs: Math.max(1000, Math.min(30_000, ...periods)),
      ...(this.#options.exchangeFactory ? { factory: this.#options.exchangeFactory } : {}),
    };
    // The journal first: a problem with the local file is the user's to fix, and is reported
    // before any exchange is contacted (or waited for).
    const subaccount = this.config.classAttributes['subaccount'];
    this.#journal = OrderJournal.open({
      path: this.#storagePath(),
      clock: this.clock,
      name: typeof subaccount === 'string' && subaccount ? subaccount : 'misso',
      newJournal: this.#options.newJournal ?? false,
    });
    this.#readiness['journal'] = true;
    this.#session = await this.#openSession(sessionOptions);
    this.#readiness['exchange'] = true;
    this.state.define('aftx', this.#session.exchange);
    this.state.define('exchange', this.#session.exchange);
    this.#orders = new OrderManager({
      session: this.#session,
      journal: this.#journal,
      clock: this.clock,
      logger: this.logger,
      config: this.config.orders,
      timing: {
        visibilityWindowMs: this.config.orders.visibilityWindowSecs * 1000,
        submitConcurrency: this.config.orders.submitConcurrency,
      },
      isPriceFresh: (symbol: string) => this.state.isKeyFresh('last_price', symbol),
      notify: (text: string, level: NotifyLevel = 'warn') => this.#notify(text, level),
    });
    // A journal that cannot be written (a full disk) makes the updater not ready until it can.
    this.#orders.on('journal', (problem) => (this.#readiness['journal'] = problem === null));
    this.#ordersView.attach(this.#orders);
    this.state.define('open_orders', this.#orders.openOrders);
    this.state.define('is_open_orders', this.#orders.isOpenOrders);
    this.#orders.on('order', (order) => {
      this.state.touch('open_orders', 'orders');
      this.#emitStatus({
        type: 'order',
        at: this.clock.now(),
        clientOrderId: order.clientOrderId,
        id: order.id ?? null,
        symbol: order.symbol,
        side: order.side,
        status: order.status,
        reason: order.reason ?? null,
      });
    });
    await this.#buildSharedAttributes();
    this.#session.onReopen(async () => {
      this.#restarts += 1;
      await this.#orders?.reconcile();
    });
    await this.#orders.start();

    await this.#buildTasks();
    this.#setPhase('running');
    for (const entry of this.#tasks.values()) {
      const supervisor = entry.supervisor!;
      this.#loops.push(
        supervisor.run(this.#stop.signal).catch((err: unknown) => {
          this.logger.error({ task: entry.config.name, err: coerceError(err).message }, 'task loop ended');
        }),
      );
    }
    this.#loops.push(this.#watchStaleness(this.#stop.signal));
    const init = [...this.#tasks.values()].find((t) => t.kind.mode === 'once');
    if (!init) this.#markInitDone();
    await Promise.race([
      this.#initPromise,
      new Promise<void>((_resolve, reject) => {
        this.#initFailed = reject;
      }),
    ]);
  }

  /**
   * Opens the exchange session. An exchange that cannot be reached is expected weather: it is
   * retried with backoff (1 s doubling to 30 s) until it answers or the updater is stopped, with
   * one notification. Refused credentials, or a config mistake, end the start at once.
   */
  async #openSession(options: Parameters<typeof createExchangeSession>[0]): Promise<ExchangeSession> {
    let delay = 1000;
    for (let attempt = 1; ; attempt++) {
      try {
        return await createExchangeSession(options);
      } catch (err: unknown) {
        if (err instanceof UserError) throw err;
        const e = coerceError(err);
        const kind = errorKindOf(err);
        if (kind === 'auth') {
          throw new StartupError(`the exchange refused the credentials (${e.message}); check exchange.apiKey and exchange.secret`);
        }
        if (kind === 'not_supported') throw new StartupError(`the exchange cannot be used: ${e.message}`);
        this.logger.warn({ attempt, kind, err: e.message, retryInMs: delay }, 'exchange unreachable at start; retrying');
        if (attempt === 1) this.#notify(`exchange ${this.config.exchange.id} unreachable at start (${e.message}); retrying`, 'warn', 'start:unreachable');
        if (!(await this.clock.sleep(delay, this.#stop.signal))) throw new StoppedError('stopped while connecting to the exchange');
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  #initFailed: (err: Error) => void = () => undefined;

  #markInitDone(): void {
    this.state.set('first_update', true, 'engine');
    this.#readiness['init_update'] = true;
    this.#initDone();
  }

  #storagePath(): string {
    if (this.#options.storagePath) return this.#options.storagePath;
    // The in-process simulator's account lives and dies with the process, so a journal kept
    // across processes would describe orders no simulator knows: keep it in memory unless the
    // user asked for a file explicitly.
    if (this.config.exchange.id === 'sim' && this.config.storage.path === DEFAULT_STORAGE_PATH) return ':memory:';
    return this.config.storage.path;
  }

  async #buildSharedAttributes(): Promise<void> {
    for (const [name, shared] of Object.entries(this.config.sharedAttributes)) {
      if (shared.modul === 'queue' && shared.function === 'Queue') {
        this.state.define(name, this.orders.queue, 'shared_attributes');
        continue;
      }
      const mod = await loadModule(shared.modul, this.config.baseDir);
      const factory = mod[shared.function];
      if (typeof factory !== 'function') throw new UserError(`shared_attributes.${name}: ${shared.modul} has no function '${shared.function}'`);
      const fn = factory as (...args: unknown[]) => unknown;
      let value: unknown;
      try {
        value = fn(...shared.args);
      } catch {
        value = new (factory as new (...args: unknown[]) => unknown)(...shared.args);
      }
      this.state.define(name, value, 'shared_attributes');
    }
    if (!this.state.has('pending_orders')) this.state.define('pending_orders', this.orders.queue, 'engine');
  }

  async #buildTasks(): Promise<void> {
    for (const config of [...this.config.tasks, ...this.#extraTasks]) {
      const kind = await this.#resolveKind(config.kind);
      const subtasks: BoundSubtask[] = [];
      for (const sub of config.subtasks) {
        const mod = await loadModule(sub.modul, this.config.baseDir);
        const fn = mod[sub.method];
        if (typeof fn !== 'function') throw new UserError(`tasks.${config.key}.subtasks.${sub.key}.method: ${sub.modul} has no function '${sub.method}'`);
        subtasks.push({ config: sub, fn: fn as (...args: unknown[]) => unknown });
      }
      const entry: TaskEntry = { config, kind, subtasks, supervisor: null };
      const freqSecs = config.freqSecs ?? kind.defaultFreqSecs ?? null;
      const freqMs = kind.mode === 'once' || freqSecs === null ? null : freqSecs * 1000;
      const timeoutMs = (config.timeoutSecs ?? Math.max(30, 2 * (freqSecs ?? 15))) * 1000;
      if (freqSecs !== null && kind.mode === 'periodic') {
        const maxAgeMs = (config.maxAgeSecs ?? 3 * freqSecs) * 1000;
        for (const attr of kind.feeds?.(config) ?? []) this.#staleness.feed(attr, config.name, maxAgeMs);
      }
      const status = this.state.get<Record<string, boolean | null>>('system_status');
      status[config.name] = null;
      entry.supervisor = new TaskSupervisor({
        name: config.name,
        kindName: config.kind,
        kind,
        freqMs: kind.mode === 'service' ? null : freqMs,
        timeoutMs,
        clock: this.clock,
        logger: this.logger.child({ task: config.name }),
        ...(this.#options.random ? { random: this.#options.random } : {}),
        ...(kind.mode === 'once' ? { maxConsecutiveFailures: this.#options.initAttempts ?? 5 } : {}),
        initDone: this.#initPromise,
        waitOpen: (signal) => this.session.waitOpen(signal),
        run: (signal) => kind.run(this.#runtime(entry, signal)),
        onResult: (s, error) => this.#onTaskResult(entry, s, error),
      });
      this.#tasks.set(config.name, entry);
    }
  }

  async #resolveKind(spec: string): Promise<TaskKind> {
    const known = this.#kinds.get(spec);
    if (known) return known;
    const kind = toTaskKind(await loadTaskKind(spec, this.config.baseDir), spec);
    this.#kinds.set(spec, kind);
    return kind;
  }

  #runtime(entry: TaskEntry, signal: AbortSignal): TaskRuntime {
    const name = entry.config.name;
    const engine: EngineControl = {
      taskStatuses: () => this.taskStatuses(),
      requestStop: (reason) => {
        this.logger.info({ reason }, 'stop requested');
        void this.stop();
      },
      restartExchange: (reason) => this.restartExchange(reason),
    };
    return {
      name,
      config: entry.config,
      state: this.state,
      exchange: this.exchange,
      session: this.session,
      orders: this.orders,
      clock: this.clock,
      logger: this.logger.child({ task: name }),
      signal,
      subtasks: entry.subtasks,
      runSubtasks: async () => {
        const out: Record<string, unknown> = {};
        for (const sub of entry.subtasks) {
          if (signal.aborted) break;
          if (entry.kind.gated ?? true) await this.session.waitOpen(signal);
          const value = await runSubtask(sub, this.state, name);
          if (sub.config.returnValue) out[sub.config.key] = value;
        }
        return out;
      },
      notify: (text, level = 'info', key) => this.#notify(text, level, key),
      heartbeat: () => entry.supervisor?.heartbeat(),
      engine,
    };
  }

  #onTaskResult(entry: TaskEntry, status: TaskStatus, error: Error | null): void {
    const name = entry.config.name;
    const systemStatus = this.state.get<Record<string, boolean | null>>('system_status');
    systemStatus[name] = status.ok === true && status.staleAttributes.length === 0;
    this.emit('task', { name, status, error });
    this.#emitStatus({ type: 'task', at: this.clock.now(), task: name, status: toPublicStatus(status) });
    if (entry.kind.mode === 'once') {
      // A run-once task reports once: it must not count as down in every later status window.
      if (status.ok) {
        delete systemStatus[name];
        this.#markInitDone();
      }
      else if (error && status.consecutiveFailures >= (this.#options.initAttempts ?? 5)) {
        this.#initFailed(new StartupError(`the init update failed ${status.consecutiveFailures} times; last error: ${error.message}`));
      }
      return;
    }
    if (error && status.lastErrorKind === 'auth') {
      this.#notify(`${name} stopped: the exchange refused the credentials (${error.message}). Check the API key and secret.`, 'error', `${name}:auth`);
    }
    if (error) this.#maybeRestartOnFailure(status);
  }

  /**
   * The session counts as failed when a task keeps failing with network-class errors; it is then
   * rebuilt (at most once a minute), as `t_restart_exchange` would.
   */
  #maybeRestartOnFailure(status: TaskStatus): void {
    const networkish = status.lastErrorKind === 'retryable' || status.lastErrorKind === 'nonce';
    if (!networkish || status.consecutiveFailures < 5) return;
    const now = this.clock.now();
    if (now - this.#lastAutoRestartAt < 60_000 || this.#restartInFlight) return;
    this.#lastAutoRestartAt = now;
    void this.restartExchange('tasks failing with network errors').catch(() => undefined);
  }

  /** Rebuilds the exchange session (drain, close, reconnect, reconcile). Concurrent calls share one restart. */
  restartExchange(reason: string): Promise<void> {
    this.#restartInFlight ??= (async () => {
      this.logger.info({ reason }, 'restarting exchange session');
      this.state.set('restart_exchange', true, 'engine');
      this.#emitStatus({ type: 'exchange', at: this.clock.now(), restarting: true, restarts: this.#restarts });
      try {
        await this.session.restart({ signal: this.#stop.signal });
      } finally {
        this.state.set('restart_exchange', false, 'engine');
        this.#emitStatus({ type: 'exchange', at: this.clock.now(), restarting: false, restarts: this.#restarts });
        this.#restartInFlight = null;
      }
    })();
    return this.#restartInFlight;
  }

  async #watchStaleness(signal: AbortSignal): Promise<void> {
    await Promise.race([this.#initPromise, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    while (!signal.aborted) {
      for (const change of this.#staleness.check()) {
        const entry = this.#tasks.get(change.task);
        const status = entry?.supervisor?.status;
        if (status) {
          status.staleAttributes = change.stale
            ? [...new Set([...status.staleAttributes, change.attribute])]
            : status.staleAttributes.filter((a) => a !== change.attribute);
          const systemStatus = this.state.get<Record<string, boolean | null>>('system_status');
          systemStatus[change.task] = status.ok === true && status.staleAttributes.length === 0;
        }
        const secs = (change.maxAgeMs / 1000).toFixed(0);
        if (change.stale) {
          this.#notify(`${change.attribute} is stale (older than ${secs}s); task ${change.task} marked down`, 'warn', `stale:${change.attribute}`);
        } else {
          this.#notify(`${change.attribute} is fresh again; task ${change.task} recovered`, 'info', `fresh:${change.attribute}`);
        }
        this.#emitAttribute(change.attribute);
      }
      await this.clock.sleep(1000, signal);
    }
  }

  #notify(text: string, level: NotifyLevel, key?: string): void {
    this.#notifier?.notify({ text, level, ...(key ? { key } : {}) });
    this.#emitStatus({ type: 'notification', at: this.clock.now(), level, message: text });
  }

  #setPhase(phase: UpdaterPhase): void {
    this.#phase = phase;
    this.emit('phase', phase);
    const pub = phase === 'created' ? 'starting' : phase;
    this.#emitStatus({ type: 'phase', at: this.clock.now(), phase: pub });
  }

  /**
   * Stops every task (within about a second; an order submission under way completes first),
   * applies `orders.on_stop`, closes the exchange, the journal and the notifier. Every step runs
   * even if one fails. Repeat calls return the same promise.
   */
  stop(): Promise<void> {
    this.#stopPromise ??= this.#doStop();
    return this.#stopPromise;
  }

  async #doStop(): Promise<void> {
    if (this.#phase !== 'faulted') this.#setPhase('stopping');
    this.#stop.abort(new Error('stopping'));
    this.state.set('stop_updates', true, 'engine');
    const errors: Error[] = [];
    const step = async (label: string, fn: () => Promise<unknown> | unknown): Promise<void> => {
      try {
        await fn();
      } catch (err: unknown) {
        const e = coerceError(err);
        errors.push(e);
        this.logger.error({ step: label, err: e.message }, 'stop step failed');
      }
    };
    await step('tasks', async () => {
      await Promise.all([...this.#tasks.values()].map((t) => t.supervisor?.settle()));
      await Promise.race([Promise.all(this.#loops), new Promise((r) => setTimeout(r, 2000).unref())]);
    });
    await step('orders', async () => {
      if (!this.#orders) return;
      const report = await this.#orders.stop({ onStop: this.config.orders.onStop });
      this.logger.info({ report }, 'orders stopped');
      // The journal closes next; keep the last figures for status views.
      this.#finalOrderStats = this.#orders.stats();
    });
    await step('exchange', () => this.#session?.close());
    await step('journal', () => this.#journal?.close());
    await step('notifier', async () => {
      if (this.#notifier) {
        setDefaultNotifier(null);
        await this.#notifier.close();
      }
    });
    if (this.#phase !== 'faulted') this.#setPhase('stopped');
    // Last, so status clients see the final phase.
    await step('http', async () => {
      await this.#statusServer?.close();
      this.#statusServer = null;
    });
    this.logger.info({ errors: errors.length }, 'updater stopped');
  }

  /** Attributes and task results as plain JSON (what `--state-out` writes). */
  snapshot(): UpdaterSnapshot {
    const state: Record<string, unknown> = {};
    for (const name of this.state.names()) {
      if (NOT_SERIALISED.has(name)) continue;
      state[name] = toJson(this.state.get(name));
    }
    const tasks: UpdaterSnapshot['tasks'] = {};
    for (const [name, s] of Object.entries(this.taskStatuses())) {
      tasks[name] = { ok: s.ok === true && s.staleAttributes.length === 0 ? true : s.ok === null ? null : false, runs: s.runs, failures: s.failures, lastError: s.lastError, lastSuccessAt: s.lastSuccessAt };
    }
    return this.redactor.value({ state, tasks });
  }

  /** The status server's view (see src/http/types.ts). */
  snapshotStatus(): StatusSnapshot {
    const snapshot = buildSnapshot({
      name: this.config.file ? basename(this.config.file) : 'misso',
      exchangeId: this.config.exchange.id,
      startedAt: this.#startedAt,
      now: this.clock.now(),
      phase: this.#phase === 'created' ? 'starting' : this.#phase,
      readiness: { ...this.#readiness },
      tasks: this.taskStatuses(),
      state: this.state,
      orderStats: this.#finalOrderStats ?? this.#orders?.stats() ?? null,
      session: this.#session,
      restarts: this.#restarts,
    });
    return this.redactor.value(snapshot);
  }

  /** The view the status server reads: snapshots and live events. */
  statusSource(): StatusSource {
    return { snapshot: () => this.snapshotStatus(), subscribe: (listener) => this.subscribe(listener) };
  }

  /** Live status events until the returned function is called; a throwing listener cannot hurt the engine. */
  subscribe(listener: (event: StatusEvent) => void): () => void {
    const safe = (event: StatusEvent): void => {
      try {
        listener(event);
      } catch (err: unknown) {
        this.logger.warn({ err: coerceError(err).message }, 'status listener threw');
      }
    };
    this.on('status', safe);
    return () => this.off('status', safe);
  }

  #emitStatus(event: StatusEvent): void {
    if (this.listenerCount('status') > 0) this.emit('status', this.redactor.value(event));
  }

  #emitAttribute(name: string): void {
    const snap = this.snapshotStatus().attributes[name];
    if (snap) this.#emitStatus({ type: 'attribute', at: this.clock.now(), attribute: name, status: snap });
  }

  #require<T>(value: T | null, what: string): T {
    if (value === null) throw new Error(`updater.${what} is available after start()`);
    return value;
  }

  /** The directory of the config file (relative `modul:` paths resolve against it). */
  get baseDir(): string {
    return this.config.file ? dirname(this.config.file) : this.config.baseDir;
  }
}

/** Plain JSON for a state value (orders via their toJSON, candles as arrays). */
export function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null)) as unknown;
}

