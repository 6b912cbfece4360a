import { EventEmitter } from 'node:events';
import { basename } from 'node:path';
import type { Clock } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { NotifyLevel } from '../core/notify-level.js';
import type { Redactor } from '../core/redact.js';
import { isTaskUp, toTaskStatus, type TaskHealth } from '../core/task-status.js';
import type { MissoConfig } from '../config/types.js';
import type { ExchangeSession } from '../exchange/types.js';
import type { OperatorSource, Phase, ReadinessFlags, StatusEvent, StatusSnapshot, StatusSource } from '../http/types.js';
import type { OrderStats } from '../orders/manager.js';
import type { Order } from '../orders/order.js';
import { HIDDEN_ATTRIBUTES } from '../state/builtin-attributes.js';
import type { StateStore } from '../state/state-store.js';
import type { UpdaterPhase } from './lifecycle.js';
import { startConfiguredStatusServer, type RunningStatusServer, type ServedHttp } from './status-hosting.js';
import { exchangeNotReady } from './exchange-readiness.js';
import { attributeStatus, buildSnapshot } from './status.js';
import { OrderEvents, type OrderChange } from './order-events.js';
import type { StreamStats } from '../streams/stream-loop.js';


/** What `--state-out` writes and `Updater.snapshot()` returns. */
export interface UpdaterSnapshot {
  state: Record<string, unknown>;
  tasks: Record<string, { ok: boolean | null; runs: number; failures: number; lastError: string | null; lastSuccessAt: number | null }>;
}

/** The live parts of the engine a snapshot reads, asked for when one is taken. */
export interface StatusInputs {
  phase(): UpdaterPhase;
  tasks(): Record<string, TaskHealth>;
  orderStats(): OrderStats | null;
  session(): ExchangeSession | null;
  restarts(): number;
  /** The websocket streams' metrics (absent: nothing streams). */
  streams?(): readonly StreamStats[];
}

/** What a {@link StatusReporter} is built from. */
export interface StatusReporterOptions {
  /** Names the updater (its file) and the exchange. */
  config: MissoConfig;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  redactor: Redactor;
  inputs: StatusInputs;
  /** Listeners outside the reporter (the updater's own `status` event). */
  external: { count(): number; emit(event: StatusEvent): void };
}

/**
 * Status reporting: full snapshots on request, and live events to subscribers. An event is
 * built only when someone listens, and one attribute's change builds that attribute's status,
 * never the whole snapshot. Everything leaving here is redacted.
 */
export class StatusReporter {
  /** Named readiness flags, set by the parts they describe. */
  readonly readiness: ReadinessFlags = { config: true, exchange: false, journal: false, init_update: false };
  readonly #o: StatusReporterOptions;
  readonly #events = new EventEmitter<{ status: [StatusEvent] }>();
  readonly #startedAt: number;
  readonly #orderEvents = new OrderEvents();
  #server: RunningStatusServer | null = null;
  /** The server being started, and whether close() came (a stop may come while it starts). */
  #starting: Promise<RunningStatusServer | null> | null = null;
  #closed = false;

  constructor(options: StatusReporterOptions) {
    this.#o = options;
    this.#startedAt = options.clock.now();
    this.#events.setMaxListeners(0);
  }

  /** Whether anyone listens for live events. */
  get listening(): boolean {
    return this.#events.listenerCount('status') > 0 || this.#o.external.count() > 0;
  }

  /** Sends one event to every listener (redacted). */
  publish(event: StatusEvent): void {
    if (!this.listening) return;
    const safe = this.#o.redactor.value(event);
    this.#events.emit('status', safe);
    if (this.#o.external.count() > 0) this.#o.external.emit(safe);
  }

  /** An attribute was written or went stale or fresh. */
  attributeChanged(name: string): void {
    if (!this.listening) return;
    const status = attributeStatus(this.#o.state, name);
    if (status) this.publish({ type: 'attribute', at: this.#o.clock.now(), attribute: name, status });
    if (name === 'last_price') this.#pricesChanged(this.#o.state.get('last_price'));
  }

  /** New last prices, for live charts. */
  #pricesChanged(value: unknown): void {
    if (value === null || typeof value !== 'object') return;
    const prices: Record<string, number> = {};
    for (const [symbol, price] of Object.entries(value)) if (typeof price === 'number' && Number.isFinite(price)) prices[symbol] = price;
    this.publish({ type: 'prices', at: this.#o.clock.now(), prices });
  }

  /** A task's health changed. */
  taskChanged(task: string, health: TaskHealth): void {
    this.publish({ type: 'task', at: this.#o.clock.now(), task, status: toTaskStatus(health) });
  }

  /** An order changed: published once per change a client can see, with its kind (see {@link OrderEvents}). */
  orderChanged(order: Order, change: OrderChange): void {
    if (!this.listening) {
      // Unseen: its last published view no longer stands for what clients saw last.
      this.#orderEvents.forget(order.clientOrderId);
      return;
    }
    const event = this.#orderEvents.next(order, change, this.#o.clock.now());
    if (event) this.publish(event);
  }

  /** The engine sent a notification. */
  notified(level: NotifyLevel, message: string): void {
    this.publish({ type: 'notification', at: this.#o.clock.now(), level, message });
  }

  /** The exchange session started or finished a restart. */
  exchangeRestart(restarting: boolean): void {
    this.publish({ type: 'exchange', at: this.#o.clock.now(), restarting, restarts: this.#o.inputs.restarts() });
  }

  /** The updater changed phase. */
  phaseChanged(phase: UpdaterPhase): void {
    this.publish({ type: 'phase', at: this.#o.clock.now(), phase: publicPhase(phase) });
  }

  /**
   * The status server's view (see src/http/types.ts). The `exchange` flag is the session's
   * health at this instant (see exchange-readiness.ts), and says why when it is false.
   */
  snapshot(): StatusSnapshot {
    const { inputs } = this.#o;
    const now = this.#o.clock.now();
    const session = inputs.session();
    const exchangeWhy = exchangeNotReady(this.readiness.exchange ? (session?.health() ?? null) : null, now);
    const snapshot = buildSnapshot({
      name: this.#o.config.file ? basename(this.#o.config.file) : 'misso',
      exchangeId: this.#o.config.exchange.id,
      startedAt: this.#startedAt,
      now,
      phase: publicPhase(inputs.phase()),
      readiness: { ...this.readiness, exchange: exchangeWhy === null },
      ...(exchangeWhy === null ? {} : { readinessReasons: { exchange: exchangeWhy } }),
      tasks: inputs.tasks(),
      state: this.#o.state,
      orderStats: inputs.orderStats(),
      session,
      restarts: inputs.restarts(),
      streams: inputs.streams?.() ?? [],
    });
    return this.#o.redactor.value(snapshot);
  }

  /** Attributes and task results as plain JSON (what `--state-out` writes). */
  stateSnapshot(): UpdaterSnapshot {
    const { state } = this.#o;
    const values: Record<string, unknown> = {};
    for (const name of state.names()) {
      if (HIDDEN_ATTRIBUTES.has(name)) continue;
      values[name] = toJson(state.get(name));
    }
    const tasks: UpdaterSnapshot['tasks'] = {};
    for (const [name, s] of Object.entries(this.#o.inputs.tasks())) {
      tasks[name] = { ok: isTaskUp(s) ? true : s.ok === null ? null : false, runs: s.runs, failures: s.failures, lastError: s.lastError, lastSuccessAt: s.lastSuccessAt };
    }
    return this.#o.redactor.value({ state: values, tasks });
  }

  /** Live status events until the returned function is called; a throwing listener cannot hurt the engine. */
  subscribe(listener: (event: StatusEvent) => void): () => void {
    const safe = (event: StatusEvent): void => {
      try {
        listener(event);
      } catch (err: unknown) {
        this.#o.logger.warn({ err: coerceError(err).message }, 'status listener threw');
      }
    };
    this.#events.on('status', safe);
    return () => this.#events.off('status', safe);
  }

  /** The view the status server reads: snapshots and live events. */
  source(): StatusSource {
    const source: StatusSource = { snapshot: () => this.snapshot(), subscribe: (listener) => this.subscribe(listener) };
    if (this.#operator) source.operator = this.#operator;
    return source;
  }

  #operator: OperatorSource | null = null;

  /** What the control API reads and does (`/api`); set once by the updater. */
  set operator(operator: OperatorSource) {
    this.#operator = operator;
  }

  /** The status server's URL while it runs, else null. */
  get url(): string | null {
    return this.#server?.url ?? null;
  }

  /** The dashboard's address (with the run's control token in the fragment when no `http.token` is set), else null. */
  get dashboardUrl(): string | null {
    return this.#server?.dashboardUrl ?? null;
  }

  /** Starts the status server when `port` is not null; returns its URL (or null). */
  async serve(http: ServedHttp): Promise<string | null> {
    if (this.#closed) return null;
    const starting = startConfiguredStatusServer(this.source(), http, { logger: this.#o.logger, clock: this.#o.clock });
    this.#starting = starting;
    const server = await starting;
    // Closed while it started (a stop during the start): close() stops it, not this.
    if (this.#closed) return null;
    this.#server = server;
    return this.url;
  }

  /** Stops the status server, if it runs, or once it is up if it is still starting. */
  async close(): Promise<void> {
    this.#closed = true;
    const server = this.#server ?? (await this.#starting?.catch(() => null)) ?? null;
    this.#server = null;
    await server?.close();
  }
}

/** Plain JSON for a state value (orders via their toJSON, candles as arrays). */
export function toJson(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value ?? null)) as unknown;
  } catch (error: unknown) {
    // A helper's result with a BigInt or a getter that throws: the rest of the snapshot is kept.
    return `[not serialisable: ${coerceError(error).message}]`;
  }
}

/** The status API has no `created`: an updater not started yet counts as starting. */
function publicPhase(phase: UpdaterPhase): Phase {
  return phase === 'created' ? 'starting' : phase;
}
