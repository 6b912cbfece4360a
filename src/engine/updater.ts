import { EventEmitter } from 'node:events';
import { dirname } from 'node:path';
import type { Exchange } from 'ccxt';
import { SystemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { Redactor } from '../core/redact.js';
import { coerceError, NotStartedError, StoppedError } from '../core/errors.js';
import { runSteps } from '../core/run-steps.js';
import type { TaskHealth } from '../core/task-status.js';
import { configSecrets } from '../config/secrets.js';
import { loadConfigFile, loadConfigObject } from '../config/load.js';
import type { MissoConfig, TaskConfig } from '../config/types.js';
import type { MissoConfigInput } from '../config/schema.js';
import { startFailure } from '../exchange/open-session.js';
import { withReadRetries } from '../exchange/read-retries.js';
import type { ErrorKind, ExchangeSession } from '../exchange/types.js';
import type { StatusEvent, StatusSnapshot, StatusSource } from '../http/types.js';
import { emitEach } from '../core/emit-each.js';
import type { OrderJournal } from '../orders/journal.js';
import type { OrderManager, StopReport } from '../orders/manager.js';
import { builtinAttributeDefaults, engineAttributeDefaults } from '../state/builtin-attributes.js';
import { StateStore } from '../state/state-store.js';
import { createEngineStreams } from '../streams/engine-streams.js';
import type { StreamStats } from '../streams/stream-loop.js';
import type { TaskKind, TaskRuntime } from '../tasks/contract.js';
import { configContext } from './config-context.js';
import { maybeStartInteractor, type RunningInteractor } from './interactor.js';
import type { UpdaterPhase } from './lifecycle.js';
import { buildSharedAttributes } from './shared-attributes.js';
import type { UpdaterSnapshot } from './status-reporter.js';
import { pinThreads, type PinnedThreads } from './thread-pinning.js';
import { addRegisteredTask, refuseNoTasks, taskKindTable, type RegisteredTaskOptions } from './task-kinds.js';
import { checkUpdaterOptions, loggerFor, startRetryOf, type UpdaterEvents, type UpdaterOptions } from './updater-options.js';
import { buildUpdaterParts, type UpdaterParts } from './updater-parts.js';

export type { UpdaterPhase } from './lifecycle.js';
export type { UpdaterSnapshot } from './status-reporter.js';
export type { UpdaterEvents, UpdaterOptions } from './updater-options.js';

/**
 * The composition root: one updater per strategy process and exchange account. It builds the
 * parts (state, journal, exchange session, order manager, task host, status reporter; wired in
 * `updater-parts.ts`), starts them in order and stops them cleanly; the parts do the work.
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
  readonly #tasks: TaskConfig[];
  readonly #p: UpdaterParts;
  #interactor: RunningInteractor | null = null;
  /** `process.cpu_affinity` applied (or being applied: a stop may come first), to undo at the stop. */
  #pinned: Promise<PinnedThreads | null> | null = null;

  /** Calls each listener on its own (see {@link emitEach}): one that throws is logged, and fails nothing that published. */
  override emit<K>(event: K | keyof UpdaterEvents, ...args: K extends keyof UpdaterEvents ? UpdaterEvents[K] : never): boolean {
    // Logged only: a notification would publish a status event again.
    return emitEach(this, event as keyof UpdaterEvents, args, (name, error) => this.logger.error({ err: coerceError(error), event: name }, `a '${name}' listener of the updater threw`));
  }

  /** Builds an updater from a YAML file (validated; throws `ConfigError` listing every problem). */
  static async fromFile(path: string, options?: UpdaterOptions): Promise<Updater> {
    const o = checkUpdaterOptions(options), kinds = taskKindTable(o.taskKinds);
    const config = await loadConfigFile(path, configContext(kinds, o.env));
    return new Updater(config, o, kinds);
  }

  /** Builds an updater from a config object in the YAML's shape: typed, and validated as a file is (`ConfigError`). */
  static async fromConfig(obj: MissoConfigInput, options?: UpdaterOptions): Promise<Updater> {
    const o = checkUpdaterOptions(options), kinds = taskKindTable(o.taskKinds);
    const config = await loadConfigObject(obj, configContext(kinds, o.env), { baseDir: o.baseDir ?? process.cwd() });
    return new Updater(config, o, kinds);
  }

  private constructor(config: MissoConfig, options: UpdaterOptions, kinds: Map<string, TaskKind>) {
    super();
    this.config = config;
    this.#options = options;
    this.#kinds = kinds;
    this.#tasks = [...config.tasks];
    this.clock = options.clock ?? new SystemClock();
    this.redactor = new Redactor(configSecrets(config));
    this.logger = loggerFor(config, options.logger, this.redactor);
    this.state = new StateStore({ ...builtinAttributeDefaults(), ...config.classAttributes, ...engineAttributeDefaults() }, this.clock);
    const base = { config, state: this.state, clock: this.clock, logger: this.logger, redactor: this.redactor };
    this.#p = buildUpdaterParts(base, { kinds, tuning: options }, this);
  }

  /** Where the updater is in its life. */
  get phase(): UpdaterPhase {
    return this.#p.lifecycle.phase;
  }

  /** The account's exchange (`self.aftx`), behind the rate budget and restart gate. Available after `start()`. */
  get exchange(): Exchange {
    return afterStart(this.#p.session.current, 'exchange').exchange;
  }

  /** The exchange session (restart, budget). Available after `start()`. */
  get session(): ExchangeSession {
    return afterStart(this.#p.session.current, 'session');
  }

  /** The order journal (every intent and status change). Available after `start()`. */
  get journal(): OrderJournal {
    return afterStart(this.#p.orders.journal, 'journal');
  }

  /**
   * The order manager (open orders, events). Subscribe (`on('order', ...)`) any time, before
   * `start()` too, so the start's reconciliation events arrive; the rest is available after `start()`.
   */
  get orders(): OrderManager {
    return this.#p.orders.view;
  }

  /**
   * What the stop did with the orders (`orders.on_stop`; with `cancel_all`, what it cancelled and
   * what it could not confirm cancelled), null until the updater stopped its order manager.
   */
  get stopReport(): StopReport | null {
    return this.#p.orders.stopReport;
  }

  /** The strategy's order queue (`self.pending_orders`): `push([id, size, price, side, symbol])`. Available after `start()`. */
  get pendingOrders(): OrderManager['queue'] {
    return afterStart(this.#p.orders.manager, 'pendingOrders').queue;
  }

  /**
   * The dashboard's address while the status server runs; with no `http.token` it carries the
   * run's control token in the fragment (`#token=…`), so print it only to the operator.
   */
  get dashboardUrl(): string | null {
    return this.#p.reporter.dashboardUrl;
  }

  /** The status server's URL while it runs (config `http.port` or the `httpPort` option), else null. */
  get statusUrl(): string | null {
    return this.#p.reporter.url;
  }

  /** The directory of the config file (relative `modul:` paths resolve against it). */
  get baseDir(): string {
    return this.config.file ? dirname(this.config.file) : this.config.baseDir;
  }

  /** The last exchange error the start retried on, as operator text; kept after the stop (see StartRetries in updater-parts.ts). */
  get startRetryError(): string | null {
    return this.#p.startRetries.text;
  }

  /** The kind of {@link startRetryError} (`retryable`: unreachable, `rate_limit`, `nonce`: clock skew), or null. */
  get startRetryErrorKind(): ErrorKind | null { return this.#p.startRetries.kind; }

  /** Every task's health. */
  taskStatuses(): Record<string, TaskHealth> {
    return this.#p.host.statuses();
  }

  /**
   * Adds a task before `start()`: `registerTask('t_my_task', fn, { freqSecs: 10 })`. A plain
   * function is a periodic pass; an object can choose its mode. A blank or taken name, an unknown
   * option or one of the wrong type is a `TypeError`, a period below 0.1 s a `RangeError`.
   */
  registerTask(
    name: string,
    kind: TaskKind | ((rt: TaskRuntime) => Promise<void> | void),
    options: RegisteredTaskOptions = {},
  ): void {
    addRegisteredTask(this.#kinds, this.#tasks, name, kind, options, this.phase);
  }

  /**
   * Starts everything; resolves once the init update is done. Repeat calls return the same
   * promise; a start after `stop()` is refused (build a new updater).
   */
  start(): Promise<void> {
    // The CLI prints the failure's message: an exchange's error text may quote a signed URL or a key.
    const failure = (err: unknown): unknown => {
      const f = startFailure(err);
      return f instanceof Error ? this.redactor.error(f) : f;
    };
    return this.#p.lifecycle.start(() => this.#start(), { failure, stop: () => this.stop() });
  }

  async #start(): Promise<void> {
    const { lifecycle, reporter, notifier, host } = this.#p, { signal } = lifecycle;
    lifecycle.to('starting');
    refuseNoTasks(this.#tasks, this.config);
    await (this.#pinned = pinThreads(this.config, { clock: this.clock, logger: this.logger, signal }));
    lifecycle.throwIfStopped();
    // The status server comes up first, so /readyz can say "starting" during the init update.
    const url = await reporter.serve({ ...this.config.http, configPort: this.config.http.port, port: this.#options.httpPort === undefined ? this.config.http.port : this.#options.httpPort });
    if (url) this.emit('listening', url);
    notifier.open(this.config.notify, this.#options.notifier, { clock: this.clock, logger: this.logger, redactor: this.redactor });
    const notify = notifier.notify.bind(notifier);
    // The journal first: a local file's problem (the user's to fix) is told before any exchange is contacted.
    this.#p.orders.openJournal(this.#options);
    const retry = { ...startRetryOf(this.#options), onRetry: this.#p.startRetries.note, onRetryEnd: this.#p.startRetries.settled };
    const session = await this.#p.session.open({ factory: this.#options.exchangeFactory, retry, notify });
    reporter.readiness.exchange = true;
    const orders = this.#p.orders.wire(session, notify);
    await buildSharedAttributes(this.config, this.state, orders.queue);
    lifecycle.throwIfStopped();
    this.#p.session.track(() => orders.reconcile());
    // The first reconciliation's reads are retried like the rest of the start.
    await withReadRetries({ clock: this.clock, logger: this.logger, ...retry, signal }, () => orders.start());
    await host.build(this.#tasks);
    const parts = { config: this.config, state: this.state, clock: this.clock, logger: this.logger };
    const streams = (this.#p.streams = createEngineStreams({ ...parts, session, orders, notify, runTask: (name) => host.runNow(name) }));
    lifecycle.throwIfStopped();
    this.#interactor = maybeStartInteractor({ ...parts, redactor: this.redactor, operator: this.#p.operator, reporter, stop: () => void this.stop() });
    host.run(signal);
    // Streams start once the init update has set the watch list; they end with the stop signal.
    if (streams) void host.init.wait().then(() => streams.run(signal), () => undefined);
    await host.init.wait();
    // Running once the start's work is done, as start() resolves (a stop meanwhile rejected it).
    lifecycle.to('running', () => new StoppedError('stopped while starting'));
  }

  /** The websocket streams' metrics (empty when nothing streams). */
  streamStats(): StreamStats[] {
    return this.#p.streams?.stats() ?? [];
  }

  /** Rebuilds the exchange session (drain, close, reconnect, reconcile). Concurrent calls share one restart. */
  restartExchange(reason: string): Promise<void> {
    return this.#p.session.restart(this.session, reason);
  }

  /**
   * Stops every task (within about two seconds; an order submission under way completes first),
   * applies `orders.on_stop`, closes the exchange (waiting for writes in flight, not reads), the
   * journal and the notifier. Every step runs even if one fails; repeat calls share one promise.
   */
  stop(): Promise<void> {
    // Nothing sent while starting (to the end of the init update) is worth waiting for: no order goes out before then.
    const whileStarting = !this.#p.reporter.readiness.init_update;
    return this.#p.lifecycle.stop(() => this.#stopParts(whileStarting));
  }

  async #stopParts(whileStarting: boolean): Promise<void> {
    const { lifecycle, host, orders, session } = this.#p;
    this.state.set('stop_updates', true, 'engine');
    session.stopWaitingOnPauses();
    // An order taken now would be sent at the next start, at whatever price the market has then.
    orders.refuseNewOrders(() => (lifecycle.phase === 'stopped' ? 'the updater stopped; build a new Updater to trade again' : 'the updater is stopping; once it stopped, build a new Updater to trade again'));
    const failed = await runSteps(
      [
        ['tasks', () => host.settle(2000, !whileStarting)],
        ['interactor', () => this.#interactor?.close()],
        ['tasks', () => host.settle(2000)],
        ['streams', () => this.#p.streams?.close()],
        ['orders', () => orders.stop()],
        ['exchange', () => session.close(whileStarting)],
        ['journal', () => orders.close()],
        ['notifier', () => this.#p.notifier.close()],
        ['operator', () => this.#p.operator.close()],
        ['threads', () => this.#pinned?.then((pinned) => pinned?.restore(), () => undefined)],
        ['phase', () => lifecycle.can('stopped') && lifecycle.to('stopped')],
        // Last, so status clients see the final phase.
        ['http', () => this.#p.reporter.close()],
      ],
      this.logger,
    );
    this.logger.info({ errors: failed }, 'updater stopped');
  }

  /** Attributes and task results as plain JSON (what `--state-out` writes). */
  snapshot(): UpdaterSnapshot {
    return this.#p.reporter.stateSnapshot();
  }

  /** The status server's view (see src/http/types.ts). */
  snapshotStatus(): StatusSnapshot {
    return this.#p.reporter.snapshot();
  }

  /** The view the status server reads: snapshots and live events. */
  statusSource(): StatusSource {
    return this.#p.reporter.source();
  }

  /** Live status events until the returned function is called; a throwing listener cannot hurt the engine. */
  subscribe(listener: (event: StatusEvent) => void): () => void {
    return this.#p.reporter.subscribe(listener);
  }
}

function afterStart<T>(value: T | null, what: string): T {
  if (value === null) throw new NotStartedError(`updater.${what} is available after start()`);
  return value;
}
