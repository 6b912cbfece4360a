import { EventEmitter, setMaxListeners } from 'node:events';
import { dirname } from 'node:path';
import type { Exchange } from 'ccxt';
import { SystemClock, type Clock } from '../core/clock.js';
import { StoppedError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { Redactor } from '../core/redact.js';
import { runSteps } from '../core/run-steps.js';
import type { TaskHealth } from '../core/task-status.js';
import { configSecrets } from '../config/secrets.js';
import { loadConfigFile, loadConfigObject } from '../config/load.js';
import type { MissoConfig, TaskConfig } from '../config/types.js';
import { openSessionWithRetry, sessionOptionsFor, startFailure } from '../exchange/open-session.js';
import { withReadRetries } from '../exchange/read-retries.js';
import type { ExchangeSession } from '../exchange/types.js';
import type { OperatorSource, StatusEvent, StatusSnapshot, StatusSource } from '../http/types.js';
import type { OrderJournal } from '../orders/journal.js';
import type { OrderManager, OrderStats } from '../orders/manager.js';
import { builtinAttributeDefaults, engineAttributeDefaults, HIDDEN_ATTRIBUTES } from '../state/builtin-attributes.js';
import { StateStore } from '../state/state-store.js';
import { toTaskKind, type TaskKind, type TaskRuntime } from '../tasks/contract.js';
import { configContext } from './config-context.js';
import { ExchangeRestarts } from './exchange-restarts.js';
import { maybeStartInteractor, type RunningInteractor } from './interactor.js';
import { LateOrderManager } from './late-order-manager.js';
import { Lifecycle, type UpdaterPhase } from './lifecycle.js';
import { OperatorNotifier } from './operator-notifier.js';
import { createOperatorSource, redactedOperator } from './operator-source.js';
import { openJournal, stopOrders, wireOrderManager } from './order-wiring.js';
import { buildSharedAttributes } from './shared-attributes.js';
import { StatusReporter, type UpdaterSnapshot } from './status-reporter.js';
import { TaskHost } from './task-host.js';
import { createEngineStreams } from '../streams/engine-streams.js';
import type { StreamManager } from '../streams/stream-manager.js';
import type { StreamStats } from '../streams/stream-loop.js';
import { registeredTaskConfig, taskKindTable, type RegisteredTaskOptions } from './task-kinds.js';
import { loggerFor, type UpdaterEvents, type UpdaterOptions } from './updater-options.js';

export type { UpdaterPhase } from './lifecycle.js';
export type { UpdaterSnapshot } from './status-reporter.js';
export type { UpdaterEvents, UpdaterOptions } from './updater-options.js';

/**
 * The composition root: one updater per strategy process and exchange account. It builds the
 * parts (state, journal, exchange session, order manager, task host, status reporter), starts
 * them in order and stops them cleanly; the parts do the work.
 */
export class Updater extends EventEmitter<UpdaterEvents> {
  readonly config: MissoConfig;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Scrubs the config's secrets from logs, notifications, status views and `snapshot()`. */
  readonly redactor: Redactor;
  readonly #options: UpdaterOptions;
  readonly #kinds: Map<string, TaskKind>;
  readonly #extraTasks: TaskConfig[] = [];
  readonly #stop = new AbortController();
  readonly #lifecycle: Lifecycle;
  readonly #reporter: StatusReporter;
  readonly #host: TaskHost;
  #streams: StreamManager | null = null;
  readonly #restarts: ExchangeRestarts;
  #session: ExchangeSession | null = null;
  #journal: OrderJournal | null = null;
  #orders: OrderManager | null = null;
  readonly #ordersView = new LateOrderManager();
  readonly #operator: OperatorSource & { close(): void };
  #interactor: RunningInteractor | null = null;
  #finalOrderStats: OrderStats | null = null;
  readonly #notifier: OperatorNotifier;
  readonly #parts: { config: MissoConfig; state: StateStore; clock: Clock; logger: Logger };
  #startPromise: Promise<void> | null = null;
  #stopPromise: Promise<void> | null = null;

  /** Builds an updater from a YAML file (validated; throws `ConfigError` listing every problem). */
  static async fromFile(path: string, options: UpdaterOptions = {}): Promise<Updater> {
    const kinds = taskKindTable(options.taskKinds);
    const config = await loadConfigFile(path, configContext(kinds, options.env));
    return new Updater(config, options, kinds);
  }

  /** Builds an updater from a config object in the YAML's shape. */
  static async fromConfig(obj: unknown, options: UpdaterOptions = {}): Promise<Updater> {
    const kinds = taskKindTable(options.taskKinds);
    const config = await loadConfigObject(obj, configContext(kinds, options.env), { baseDir: options.baseDir ?? process.cwd() });
    return new Updater(config, options, kinds);
  }

  private constructor(config: MissoConfig, options: UpdaterOptions, kinds: Map<string, TaskKind>) {
    super();
    this.config = config;
    this.#options = options;
    this.#kinds = kinds;
    this.clock = options.clock ?? new SystemClock();
    this.redactor = new Redactor(configSecrets(config));
    this.logger = loggerFor(config, options.logger, this.redactor);
    this.state = new StateStore({ ...builtinAttributeDefaults(), ...config.classAttributes, ...engineAttributeDefaults() }, this.clock);
    this.#parts = { config, state: this.state, clock: this.clock, logger: this.logger };
    this.#reporter = new StatusReporter({
      ...this.#parts,
      redactor: this.redactor,
      inputs: {
        phase: () => this.phase,
        tasks: () => this.taskStatuses(),
        orderStats: () => this.#finalOrderStats ?? this.#orders?.stats() ?? null,
        session: () => this.#session,
        restarts: () => this.#restarts.count,
        streams: () => this.streamStats(),
      },
      external: { count: () => this.listenerCount('status'), emit: (event) => this.emit('status', event) },
    });
    this.#lifecycle = new Lifecycle((phase) => {
      this.emit('phase', phase);
      this.#reporter.phaseChanged(phase);
    });
    this.#notifier = new OperatorNotifier(this.#reporter);
    this.#operator = redactedOperator(
      createOperatorSource({
        state: this.state,
        clock: this.clock,
        // The public view: what a strategy (or a test) sees as updater.orders.
        orders: () => (this.#orders ? this.orders : null),
        journal: () => this.#journal,
        exchange: () => this.#session?.exchange ?? null,
        stop: (reason) => {
          this.logger.info({ reason }, 'stop requested');
          void this.stop();
        },
        restartExchange: (reason) => this.restartExchange(reason),
        hidden: HIDDEN_ATTRIBUTES,
      }),
      this.redactor,
    );
    this.#reporter.operator = this.#operator;
    this.#host = new TaskHost({
      ...this.#parts,
      kinds,
      tuning: options,
      engine: this,
      notify: (text, level, key) => this.#notifier.notify(text, level, key),
      reporter: this.#reporter,
      onTask: (name, status, error) => this.emit('task', { name, status, error }),
      restartInFlight: () => this.#restarts.inFlight,
      // With a healthy stream a task's REST pass only reconciles (src/streams/stream-manager.ts).
      skipRest: (config, feeds) => this.#streams?.skipRest(config, feeds) ?? false,
    });
    this.#restarts = new ExchangeRestarts({ state: this.state, logger: this.logger, signal: this.#stop.signal, onChange: (on) => this.#reporter.exchangeRestart(on) });
    this.state.on('change', (change) => {
      this.emit('change', change);
      this.#reporter.attributeChanged(change.name);
    });
    // Every task loop listens on the one stop signal.
    setMaxListeners(0, this.#stop.signal);
  }

  /** Where the updater is in its life. */
  get phase(): UpdaterPhase {
    return this.#lifecycle.phase;
  }

  /** The account's exchange (`self.aftx`), behind the rate budget and restart gate. Available after `start()`. */
  get exchange(): Exchange {
    return afterStart(this.#session, 'exchange').exchange;
  }

  /** The exchange session (restart, budget). Available after `start()`. */
  get session(): ExchangeSession {
    return afterStart(this.#session, 'session');
  }

  /** The order journal (every intent and status change). Available after `start()`. */
  get journal(): OrderJournal {
    return afterStart(this.#journal, 'journal');
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
    return afterStart(this.#orders, 'pendingOrders').queue;
  }

  /**
   * The dashboard's address while the status server runs; with no `http.token` it carries the
   * run's control token in the fragment (`#token=…`), so print it only to the operator.
   */
  get dashboardUrl(): string | null {
    return this.#reporter.dashboardUrl;
  }

  /** The status server's URL while it runs (config `http.port` or the `httpPort` option), else null. */
  get statusUrl(): string | null {
    return this.#reporter.url;
  }

  /** The directory of the config file (relative `modul:` paths resolve against it). */
  get baseDir(): string {
    return this.config.file ? dirname(this.config.file) : this.config.baseDir;
  }

  /** Every task's health. */
  taskStatuses(): Record<string, TaskHealth> {
    return this.#host.statuses();
  }

  /**
   * Adds a task before `start()`: `registerTask('t_my_task', fn, { freqSecs: 10 })`. A plain
   * function is a periodic pass; an object can choose its mode.
   */
  registerTask(
    name: string,
    kind: TaskKind | ((rt: TaskRuntime) => Promise<void> | void),
    options: RegisteredTaskOptions = {},
  ): void {
    if (this.phase !== 'created') throw new Error(`registerTask('${name}') must be called before start()`);
    if ([...this.config.tasks, ...this.#extraTasks].some((t) => t.name === name)) throw new Error(`a task named '${name}' exists already`);
    const k = toTaskKind(kind, name);
    this.#kinds.set(name, k);
    this.#extraTasks.push(registeredTaskConfig(name, k, options));
  }

  /**
   * Starts everything; resolves once the init update is done. Repeat calls return the same
   * promise; a start after `stop()` is refused (build a new updater).
   */
  start(): Promise<void> {
    if (this.#stopPromise) {
      return Promise.reject(new StoppedError(`start() after stop(): this updater is ${this.phase}; build a new one`));
    }
    if (this.#startPromise) return this.#startPromise;
    // A stop while starting ends the start at once, even while a request hangs: what the start
    // still had in flight finishes (or times out) in the background and is discarded.
    const started = this.#start();
    started.catch(() => undefined);
    this.#startPromise = Promise.race([started, this.#stoppedWhileStarting()]).catch(async (err: unknown) => {
      const failure = startFailure(err);
      if (!(failure instanceof StoppedError) && this.#lifecycle.can('faulted')) this.#lifecycle.to('faulted');
      await this.stop();
      // The CLI prints this message: an exchange's error text may quote a signed URL or a key.
      throw failure instanceof Error ? this.redactor.error(failure) : failure;
    });
    return this.#startPromise;
  }

  #stoppedWhileStarting(): Promise<never> {
    const signal = this.#stop.signal;
    return new Promise<never>((_resolve, reject) => {
      const stopped = (): void => reject(new StoppedError('stopped while starting'));
      if (signal.aborted) stopped();
      else signal.addEventListener('abort', stopped, { once: true });
    });
  }

  #throwIfStopped(): void {
    if (this.#stop.signal.aborted) throw new StoppedError('stopped while starting');
  }

  async #start(): Promise<void> {
    this.#lifecycle.to('starting');
    // The status server comes up first, so /readyz can say "starting" during the init update.
    const url = await this.#reporter.serve({ ...this.config.http, port: this.#options.httpPort === undefined ? this.config.http.port : this.#options.httpPort });
    if (url) this.emit('listening', url);
    this.#notifier.open(this.config.notify, this.#options.notifier, { clock: this.clock, logger: this.logger, redactor: this.redactor });
    // The journal first: a problem with the local file is the user's to fix, and is reported
    // before any exchange is contacted (or waited for).
    this.#journal = openJournal(this.config, this.clock, this.#options);
    this.#reporter.readiness.journal = true;
    const factory = this.#options.exchangeFactory;
    const retry = { ...this.#options.startRetry, ...(this.#options.random ? { random: this.#options.random } : {}) };
    const session = await openSessionWithRetry(sessionOptionsFor(this.config, { clock: this.clock, logger: this.logger, ...(factory ? { factory } : {}) }), {
      ...retry,
      signal: this.#stop.signal,
      onFirstFailure: (e) => this.#notifier.notify(`exchange ${this.config.exchange.id} unreachable at start (${e.message}); retrying`, 'warn', 'start:unreachable'),
    });
    if (this.#stop.signal.aborted) {
      // stop() ran while the session was being opened and found none to close.
      await session.close({ drainTimeoutMs: 0 });
      this.#throwIfStopped();
    }
    this.#session = session;
    this.#reporter.readiness.exchange = true;
    this.state.define('aftx', this.#session.exchange);
    this.state.define('exchange', this.#session.exchange);
    const orders = (this.#orders = wireOrderManager({ ...this.#parts, reporter: this.#reporter }, this.#session, this.#journal, (text, level) => this.#notifier.notify(text, level)));
    this.#ordersView.attach(orders);
    await buildSharedAttributes(this.config, this.state, orders.queue);
    this.#throwIfStopped();
    this.#restarts.track(this.#session, () => orders.reconcile());
    // The first reconciliation's reads are retried like the rest of the start.
    const scope = { clock: this.clock, logger: this.logger, signal: this.#stop.signal, baseMs: retry.baseMs ?? 250, maxMs: retry.maxMs ?? 2000, ...(retry.random ? { random: retry.random } : {}) };
    await withReadRetries(scope, () => orders.start());
    await this.#host.build([...this.config.tasks, ...this.#extraTasks]);
    this.#streams = createEngineStreams({
      ...this.#parts,
      session: this.#session,
      orders,
      notify: (text, level, key) => this.#notifier.notify(text, level, key),
      runTask: (name) => this.#host.runNow(name),
    });
    this.#throwIfStopped();
    this.#interactor = maybeStartInteractor(this.config, {
      state: this.state,
      clock: this.clock,
      logger: this.logger,
      operator: this.#operator,
      snapshot: () => this.snapshotStatus(),
      stop: () => void this.stop(),
      onCommand: (command, outcome) => this.#reporter.publish({ type: 'command', at: this.clock.now(), command, outcome }),
    });
    this.#lifecycle.to('running', () => new StoppedError('stopped while starting'));
    this.#host.run(this.#stop.signal);
    // Streams start once the init update has set the watch list; they end with the stop signal.
    const streams = this.#streams;
    if (streams) void this.#host.init.wait().then(() => streams.run(this.#stop.signal), () => undefined);
    await this.#host.init.wait();
  }

  /** The websocket streams' metrics (empty when nothing streams). */
  streamStats(): StreamStats[] {
    return this.#streams?.stats() ?? [];
  }

  /** Rebuilds the exchange session (drain, close, reconnect, reconcile). Concurrent calls share one restart. */
  restartExchange(reason: string): Promise<void> {
    return this.#restarts.restart(this.session, reason);
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
    // Nothing sent while starting (up to the end of the init update) is worth waiting for: no
    // order goes out before then, and a request hung for its whole timeout must not hold the stop.
    const whileStarting = !this.#reporter.readiness.init_update;
    if (this.#lifecycle.can('stopping')) this.#lifecycle.to('stopping');
    this.#stop.abort(new Error('stopping'));
    this.state.set('stop_updates', true, 'engine');
    const failed = await runSteps(
      [
        ['tasks', () => this.#host.settle(2000, !whileStarting)],
        ['interactor', () => this.#interactor?.close()],
        ['tasks', () => this.#host.settle(2000)],
        ['orders', async () => this.#orders && (this.#finalOrderStats = await stopOrders(this.#orders, this.config, this.logger))],
        ['exchange', () => this.#session?.close(whileStarting ? { drainTimeoutMs: 0 } : {})],
        ['journal', () => this.#journal?.close()],
        ['notifier', () => this.#notifier.close()],
        ['operator', () => this.#operator.close()],
        ['phase', () => this.#lifecycle.can('stopped') && this.#lifecycle.to('stopped')],
        // Last, so status clients see the final phase.
        ['http', () => this.#reporter.close()],
      ],
      this.logger,
    );
    this.logger.info({ errors: failed }, 'updater stopped');
  }

  /** Attributes and task results as plain JSON (what `--state-out` writes). */
  snapshot(): UpdaterSnapshot {
    return this.#reporter.stateSnapshot();
  }

  /** The status server's view (see src/http/types.ts). */
  snapshotStatus(): StatusSnapshot {
    return this.#reporter.snapshot();
  }

  /** The view the status server reads: snapshots and live events. */
  statusSource(): StatusSource {
    return this.#reporter.source();
  }

  /** Live status events until the returned function is called; a throwing listener cannot hurt the engine. */
  subscribe(listener: (event: StatusEvent) => void): () => void {
    return this.#reporter.subscribe(listener);
  }
}

function afterStart<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`updater.${what} is available after start()`);
  return value;
}
