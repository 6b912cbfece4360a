import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { PRICES_SHOWN, type StatusSnapshot, type TaskState } from './types.js';

const TASK_STATES: readonly TaskState[] = ['waiting', 'running', 'sleeping', 'backoff', 'stopped'];
const PHASES = ['starting', 'running', 'stopping', 'stopped', 'faulted'] as const;

/** Options for {@link StatusMetrics}. */
export interface StatusMetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event-loop lag). @defaultValue true */
  processMetrics?: boolean;
  /** Prefix of every metric name. @defaultValue 'misso_' */
  prefix?: string;
}

type GaugeName =
  | 'up'
  | 'ready'
  | 'phase'
  | 'readiness'
  | 'startTime'
  | 'taskUp'
  | 'taskState'
  | 'taskConsecutiveFailures'
  | 'taskLastSuccess'
  | 'taskLastDuration'
  | 'taskInterval'
  | 'attrAge'
  | 'attrMaxAge'
  | 'attrStale'
  | 'orders'
  | 'exchangeRestarting'
  | 'exchangeInFlight'
  | 'budgetCapacity'
  | 'budgetWindow'
  | 'budgetUsed'
  | 'budgetWaiting'
  | 'budgetPaused'
  | 'budgetPausedUntil'
  | 'capital'
  | 'price'
  | 'priceSymbols'
  | 'streamUp'
  | 'streamLastMessageAge'
  | 'streamLag'
  | 'streamLagMax';

type CounterName =
  | 'taskRuns'
  | 'taskFailures'
  | 'ordersSubmitted'
  | 'ordersFailed'
  | 'ordersRejected'
  | 'exchangeRestarts'
  | 'streamReconnects'
  | 'streamStalls'
  | 'streamMessages';

/**
 * Prometheus metrics derived from {@link StatusSnapshot}s, in a registry of its own so that
 * several updaters (or tests) in one process never collide.
 *
 * The engine reports cumulative totals; Prometheus counters only move by increments. Each
 * counter therefore remembers the last total it saw and adds the difference. If a total goes
 * down (the engine rebuilt a task and started counting again) the new total is taken as fresh
 * increments, which is how Prometheus itself treats a counter reset: the exported counter still
 * never decreases.
 *
 * Gauges are cleared and refilled on every update, so a task or attribute that disappears
 * stops being exported instead of freezing at its last value.
 */
export class StatusMetrics {
  /** The registry to expose; `registry.metrics()` renders the text format. */
  readonly registry = new Registry();
  readonly #gauges: Record<GaugeName, Gauge>;
  readonly #counters: Record<CounterName, Counter>;
  readonly #seen = new Map<string, number>();

  constructor(options: StatusMetricsOptions = {}) {
    const p = options.prefix ?? 'misso_';
    const registers = [this.registry];
    const gauge = (name: string, help: string, labelNames: string[] = []): Gauge =>
      new Gauge({ name: p + name, help, labelNames, registers });
    const counter = (name: string, help: string, labelNames: string[] = []): Counter =>
      new Counter({ name: p + name, help, labelNames, registers });
    this.#gauges = {
      up: gauge('up', '1 while the status server can read the engine.'),
      ready: gauge('ready', '1 when /readyz answers 200.'),
      phase: gauge('phase', '1 for the current lifecycle phase, 0 for the others.', ['phase']),
      readiness: gauge('readiness', 'Named readiness flags (1 = met).', ['flag']),
      startTime: gauge('start_time_seconds', 'When the updater started, epoch seconds.'),
      taskUp: gauge(
        'task_up',
        '1 when the task is up: its last run succeeded, its service is alive, or its first run is not due yet (runs 0); ' +
          '0 when its last run failed, data it feeds is stale, or it has not started (waiting for the init update).',
        ['task'],
      ),
      taskState: gauge('task_state', '1 for what the task loop is doing now, 0 for the other states.', [
        'task',
        'state',
      ]),
      taskConsecutiveFailures: gauge('task_consecutive_failures', 'Failures since the last success.', ['task']),
      taskLastSuccess: gauge('task_last_success_timestamp_seconds', 'Epoch seconds of the last successful run.', [
        'task',
      ]),
      taskLastDuration: gauge('task_last_duration_seconds', 'Duration of the latest run.', ['task']),
      taskInterval: gauge('task_interval_seconds', 'Configured period of the task (freq).', ['task']),
      attrAge: gauge('attribute_age_seconds', 'Time since the attribute was last written.', ['attribute']),
      attrMaxAge: gauge('attribute_max_age_seconds', 'Age beyond which the attribute is stale.', ['attribute']),
      attrStale: gauge('attribute_stale', '1 when the attribute is stale.', ['attribute']),
      orders: gauge('orders', 'Orders held by the tracker, by group.', ['status']),
      exchangeRestarting: gauge('exchange_restarting', '1 while the exchange session is being rebuilt.'),
      exchangeInFlight: gauge('exchange_in_flight', 'Exchange calls in flight.'),
      budgetCapacity: gauge('budget_capacity', 'Rate budget: weight allowed per window.'),
      budgetWindow: gauge('budget_window_seconds', 'Rate budget: window length.'),
      budgetUsed: gauge('budget_used', 'Rate budget: weight used in the current window.'),
      budgetWaiting: gauge('budget_waiting', 'Rate budget: requests waiting, by priority.', ['priority']),
      budgetPaused: gauge('budget_paused', '1 while the lower priorities are paused after a 429/418.'),
      budgetPausedUntil: gauge('budget_paused_until_timestamp_seconds', 'End of the current pause, epoch seconds.'),
      capital: gauge('capital', 'Account capital in the quote currency.', ['kind']),
      price: gauge('last_price', `Last price of a watched symbol: every symbol up to ${PRICES_SHOWN}, the rest left out (see misso_last_price_symbols).`, ['symbol']),
      priceSymbols: gauge('last_price_symbols', `Symbols with a last price; more than the misso_last_price series when over the cap of ${PRICES_SHOWN}.`),
      streamUp: gauge('stream_up', '1 while the websocket stream is connected and gap filled, and no stall or failure is open (its recovery told).', ['stream']),
      streamLastMessageAge: gauge('stream_last_message_age_seconds', 'Time since the stream last delivered.', ['stream']),
      streamLag: gauge('stream_lag_seconds', "How far behind the exchange's clock the stream's last delivery arrived (its event time, less the known clock offset); absent for a stream without event times.", ['stream']),
      streamLagMax: gauge('stream_lag_max_seconds', 'The largest lag of the stream\'s deliveries of the last minute.', ['stream']),
    };
    this.#counters = {
      taskRuns: counter('task_runs_total', 'Finished runs of the task.', ['task']),
      taskFailures: counter('task_failures_total', 'Failed runs of the task.', ['task']),
      ordersSubmitted: counter('orders_submitted_total', 'Orders sent to the exchange.'),
      ordersFailed: counter('orders_failed_total', 'Orders that ended failed.'),
      ordersRejected: counter('orders_rejected_total', 'Orders that ended rejected: by the exchange, the market rules, the risk guard or a stale price.'),
      exchangeRestarts: counter('exchange_restarts_total', 'Completed exchange session restarts.'),
      streamReconnects: counter('stream_reconnects_total', 'Times the stream was dialled again after a failure or stall.', ['stream']),
      streamStalls: counter('stream_stalls_total', 'Times the watchdog found the stream connected but silent.', ['stream']),
      streamMessages: counter('stream_messages_total', 'Deliveries of the stream.', ['stream']),
    };
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: p });
  }

  /** Brings every metric in line with `snapshot`. */
  update(snapshot: StatusSnapshot, ready: boolean): void {
    for (const g of Object.values(this.#gauges)) g.reset();
    const g = this.#gauges;
    g.up.set(1);
    g.ready.set(ready ? 1 : 0);
    for (const phase of PHASES) g.phase.set({ phase }, phase === snapshot.phase ? 1 : 0);
    for (const [flag, ok] of Object.entries(snapshot.readiness)) g.readiness.set({ flag }, ok ? 1 : 0);
    g.startTime.set(snapshot.startedAt / 1000);

    for (const [task, t] of Object.entries(snapshot.tasks)) {
      g.taskUp.set({ task }, t.ok === true ? 1 : 0);
      for (const state of TASK_STATES) g.taskState.set({ task, state }, state === t.state ? 1 : 0);
      g.taskConsecutiveFailures.set({ task }, t.consecutiveFailures);
      if (t.lastSuccessAt !== null) g.taskLastSuccess.set({ task }, t.lastSuccessAt / 1000);
      if (t.lastDurationMs !== null) g.taskLastDuration.set({ task }, t.lastDurationMs / 1000);
      if (t.freqSecs !== null) g.taskInterval.set({ task }, t.freqSecs);
      this.#advance(this.#counters.taskRuns, `runs:${task}`, t.runs, { task });
      this.#advance(this.#counters.taskFailures, `failures:${task}`, t.failures, { task });
    }

    for (const [attribute, a] of Object.entries(snapshot.attributes)) {
      if (a.ageMs !== null) g.attrAge.set({ attribute }, a.ageMs / 1000);
      if (a.maxAgeMs !== null) g.attrMaxAge.set({ attribute }, a.maxAgeMs / 1000);
      g.attrStale.set({ attribute }, a.stale ? 1 : 0);
    }

    const o = snapshot.orders;
    g.orders.set({ status: 'pending' }, o.pending);
    g.orders.set({ status: 'open' }, o.open);
    g.orders.set({ status: 'recently_closed' }, o.recentlyClosed);
    g.orders.set({ status: 'lost' }, o.lost);
    this.#advance(this.#counters.ordersSubmitted, 'orders:submitted', o.submitted);
    this.#advance(this.#counters.ordersFailed, 'orders:failed', o.failed);
    this.#advance(this.#counters.ordersRejected, 'orders:rejected', o.rejected);

    const x = snapshot.exchange;
    g.exchangeRestarting.set(x.restarting ? 1 : 0);
    g.exchangeInFlight.set(x.inFlight);
    this.#advance(this.#counters.exchangeRestarts, 'exchange:restarts', x.restarts);
    g.budgetCapacity.set(x.budget.capacity);
    g.budgetWindow.set(x.budget.windowMs / 1000);
    g.budgetUsed.set(x.budget.usedInWindow);
    for (const [priority, n] of Object.entries(x.budget.waiting)) g.budgetWaiting.set({ priority }, n);
    const paused = x.budget.pausedUntil !== null && x.budget.pausedUntil > snapshot.now;
    g.budgetPaused.set(paused ? 1 : 0);
    if (paused && x.budget.pausedUntil !== null) g.budgetPausedUntil.set(x.budget.pausedUntil / 1000);

    if (snapshot.capital.total !== null) g.capital.set({ kind: 'total' }, snapshot.capital.total);
    if (snapshot.capital.free !== null) g.capital.set({ kind: 'free' }, snapshot.capital.free);
    g.priceSymbols.set(snapshot.pricesTotal ?? Object.keys(snapshot.prices).length);
    for (const [symbol, price] of Object.entries(snapshot.prices)) {
      if (Number.isFinite(price)) g.price.set({ symbol }, price);
    }
    for (const st of snapshot.streams ?? []) {
      const labels = { stream: st.name };
      g.streamUp.set(labels, st.up ? 1 : 0);
      if (st.lastMessageAgeMs !== null) g.streamLastMessageAge.set(labels, st.lastMessageAgeMs / 1000);
      if (st.lagMs !== null) g.streamLag.set(labels, st.lagMs / 1000);
      if (st.maxLagMs !== null) g.streamLagMax.set(labels, st.maxLagMs / 1000);
      this.#advance(this.#counters.streamReconnects, `stream:reconnects:${st.name}`, st.reconnects, labels);
      this.#advance(this.#counters.streamStalls, `stream:stalls:${st.name}`, st.stalls, labels);
      this.#advance(this.#counters.streamMessages, `stream:messages:${st.name}`, st.messages, labels);
    }
  }

  /** Marks the engine unreadable (its snapshot threw): `misso_up` 0, everything else kept. */
  markDown(): void {
    this.#gauges.up.set(0);
    this.#gauges.ready.set(0);
  }

  /** Renders the text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type header of {@link render}'s output. */
  get contentType(): string {
    return this.registry.contentType;
  }

  #advance(counter: Counter, key: string, total: number, labels: Record<string, string> = {}): void {
    if (!Number.isFinite(total) || total < 0) return;
    const before = this.#seen.get(key);
    this.#seen.set(key, total);
    const delta = before === undefined || total < before ? total : total - before;
    // inc(0) still creates the series, so a task that never failed exports failures_total 0.
    counter.inc(labels, delta);
  }
}
