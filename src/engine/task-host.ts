import type { Exchange } from 'ccxt';
import type { Clock } from '../core/clock.js';
import { coerceError, StartupError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { NotifyLevel } from '../core/notify-level.js';
import { isTaskUp, type TaskHealth } from '../core/task-status.js';
import type { MissoConfig, TaskConfig } from '../config/types.js';
import { budgetOf } from '../exchange/budget.js';
import { errorKind } from '../exchange/classify.js';
import { startFailure } from '../exchange/open-session.js';
import { withReadRetries, type ReadRetryScope } from '../exchange/read-retries.js';
import { startRetryOf } from './updater-options.js';
import type { ExchangeSession } from '../exchange/types.js';
import type { OrderManager } from '../orders/manager.js';
import type { StateStore } from '../state/state-store.js';
import type { EngineControl, TaskKind, TaskRuntime } from '../tasks/contract.js';
import { runNamedSubtask, subtaskLabel, type BoundSubtask } from '../tasks/subtask.js';
import { exchangeWaitSince } from './exchange-readiness.js';
import { InitGate } from './init-gate.js';
import { StalenessWatch } from './staleness.js';
import { bindTask } from './task-binding.js';
import type { StatusReporter } from './status-reporter.js';
import { TaskSupervisor } from './supervisor.js';
import { FAILING_TASKS_RESTART } from '../tasks/restart-exchange.js';

/** The updater as its tasks see it. */
export interface HostedEngine {
  readonly session: ExchangeSession;
  readonly exchange: Exchange;
  readonly orders: OrderManager;
  stop(): Promise<void>;
  restartExchange(reason: string): Promise<void>;
}

/** What a {@link TaskHost} needs from the engine around it. */
export interface TaskHostOptions {
  /** Every task kind known by name (built in, the caller's, and those loaded from configs). */
  kinds: Map<string, TaskKind>;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  /** Relative `modul:` paths resolve against its `baseDir`. */
  config: MissoConfig;
  /**
   * Backoff jitter (`random`), how often the init update is tried (`initAttempts`, default 5)
   * and the backoff of its retried reads (`startRetry`, 0.25 s doubling to 2 s).
   */
  tuning: { random?: () => number; initAttempts?: number; startRetry?: { baseMs?: number; maxMs?: number } };
  /** The updater: what each run works with, and what system tasks may ask of it. */
  engine: HostedEngine;
  notify: (text: string, level: NotifyLevel, key?: string, condition?: string) => void;
  /** Hears of every task result, staleness change and the init update's end. */
  reporter: StatusReporter;
  /** After every pass of a task (the updater's `task` event). */
  onTask: (name: string, health: TaskHealth, error: Error | null) => void;
  /** Whether an exchange restart is under way (no automatic one is started then). */
  restartInFlight: () => boolean;
  /**
   * Whether a task's REST pass can be skipped now because healthy streams keep what it feeds
   * fresh (see src/streams/stream-manager.ts). @defaultValue never
   */
  skipRest?: (config: TaskConfig, feeds: readonly string[]) => boolean;
  /** Hears of every read the init update retried (the error it retried on; see ReadRetryScope.onRetry). */
  onStartRetry?: (err: unknown, call: object) => void;
  /** Hears that such a read is retried no more (see ReadRetryScope.onRetryEnd). */
  onStartRetryEnd?: (call: object) => void;
}

interface TaskEntry {
  config: TaskConfig;
  kind: TaskKind;
  subtasks: BoundSubtask[];
  supervisor: TaskSupervisor;
}

/** How often the staleness watch looks at the fed attributes. */
const STALENESS_CHECK_MS = 1000;

/**
 * Hosts the configured tasks: builds them (kind, subtasks, supervisor), gives each run its
 * runtime, handles results (system_status, the init update, refused credentials, a session that
 * keeps failing), and runs the staleness watch as one more supervised task.
 */
export class TaskHost {
  /** Resolves once the init update has finished (at once when there is none). */
  readonly init = new InitGate();
  readonly #o: TaskHostOptions;
  readonly #tasks = new Map<string, TaskEntry>();
  readonly #staleness: StalenessWatch;
  #stalenessSupervisor: TaskSupervisor | null = null;
  #loops: Promise<void>[] = [];
  #lastAutoRestartAt = 0;
  /** The subtask each pass (by its signal) is running, for its timeout's message. */
  readonly #underWay = new WeakMap<AbortSignal, string>();
  #stop: AbortSignal | undefined;

  readonly #control: EngineControl;

  constructor(options: TaskHostOptions) {
    this.#o = options;
    this.#staleness = new StalenessWatch(options.state);
    const { engine, logger } = options;
    this.#control = {
      taskStatuses: () => this.statuses(),
      requestStop: (reason) => {
        logger.info({ reason }, 'stop requested');
        void engine.stop();
      },
      restartExchange: (reason) => engine.restartExchange(reason),
    };
  }

  /** Every task's health, by name. */
  statuses(): Record<string, TaskHealth> {
    const out: Record<string, TaskHealth> = {};
    for (const [name, entry] of this.#tasks) out[name] = entry.supervisor.status;
    return out;
  }

  /** Loads every task's kind and subtasks and builds its supervisor. */
  async build(tasks: readonly TaskConfig[]): Promise<void> {
    for (const config of tasks) {
      const { kind, subtasks, feeds } = await bindTask(config, this.#o.kinds, this.#o.config);
      const freqSecs = config.freqSecs ?? kind.defaultFreqSecs ?? null;
      const freqMs = kind.mode === 'once' || freqSecs === null ? null : freqSecs * 1000;
      if (freqSecs !== null && kind.mode === 'periodic') {
        const maxAgeMs = (config.maxAgeSecs ?? 3 * freqSecs) * 1000;
        for (const attr of feeds) this.#staleness.feed(attr, config.name, maxAgeMs);
      }
      // A task that runs once reports once: it must not count as down in every later status window.
      if (freqMs !== null || kind.mode !== 'periodic') this.#setSystemStatus(config.name, null);
      const supervisor = this.#supervisor(config.name, config.kind, kind, {
        freqMs: kind.mode === 'service' ? null : freqMs,
        // The init update retries its reads until they work (each bounded by the request
        // timeout), so its pass gets longer before it counts as hung; later passes are not retried.
        timeoutMs: (config.timeoutSecs ?? Math.max(kind.mode === 'once' ? 120 : 30, 2 * (freqSecs ?? 15))) * 1000,
        run: (signal) => {
          if (kind.mode === 'once') return withReadRetries(this.#startRetryScope(signal), () => Promise.resolve(kind.run(this.#runtime(entry, signal))));
          return this.#o.skipRest?.(config, feeds) ? Promise.resolve() : kind.run(this.#runtime(entry, signal));
        },
        onResult: (s, error) => this.#onResult(entry, s, error),
      });
      const entry: TaskEntry = { config, kind, subtasks, supervisor };
      this.#tasks.set(config.name, entry);
    }
    const check = async (): Promise<void> => this.#checkStaleness();
    const watch: TaskKind = { mode: 'periodic', gated: false, run: check };
    this.#stalenessSupervisor = this.#supervisor('staleness', 'staleness', watch, { freqMs: STALENESS_CHECK_MS, timeoutMs: 30_000, run: check });
  }

  /** Starts every task's loop (and the staleness watch) until `stop` aborts. */
  run(stop: AbortSignal): void {
    this.#stop = stop;
    const supervisors: [string, TaskSupervisor][] = [...this.#tasks].map(([name, t]) => [name, t.supervisor]);
    if (this.#stalenessSupervisor) supervisors.push(['staleness', this.#stalenessSupervisor]);
    for (const [name, supervisor] of supervisors) {
      this.#loops.push(
        supervisor.run(stop).catch((err: unknown) => {
          this.#o.logger.error({ task: name, err: coerceError(err).message }, 'task loop ended');
        }),
      );
    }
    if (![...this.#tasks.values()].some((t) => t.kind.mode === 'once')) this.#initDone();
  }

  /** One pass of a task now, outside its schedule (a stream's gap fill or a pushed change). */
  async runNow(name: string): Promise<void> {
    const entry = this.#tasks.get(name);
    if (entry) await entry.kind.run(this.#runtime(entry, this.#stop ?? new AbortController().signal));
  }

  /** Waits for passes under way (each up to its grace), then for the loops, at most `graceMs`. */
  /** The init update's reads, retried with backoff until they work or `signal` aborts. */
  #startRetryScope(signal: AbortSignal): ReadRetryScope {
    const { startRetry, random } = this.#o.tuning;
    return {
      clock: this.#o.clock,
      logger: this.#o.logger,
      signal,
      ...startRetryOf(startRetry ? { startRetry } : {}),
      ...(random ? { random } : {}),
      ...(this.#o.onStartRetry ? { onRetry: this.#o.onStartRetry } : {}),
      ...(this.#o.onStartRetryEnd ? { onRetryEnd: this.#o.onStartRetryEnd } : {}),
    };
  }

  /**
   * Waits for the passes under way (unless `passes` is false: a stop while starting has nothing
   * worth waiting for), then for the loops to end, up to `graceMs`.
   */
  async settle(graceMs: number, passes = true): Promise<void> {
    if (passes) await Promise.all([...this.#tasks.values()].map((t) => t.supervisor.settle()));
    await Promise.race([Promise.all(this.#loops), new Promise((r) => setTimeout(r, graceMs).unref())]);
  }

  #supervisor(
    name: string,
    kindName: string,
    kind: TaskKind,
    o: { freqMs: number | null; timeoutMs: number; run: (signal: AbortSignal) => Promise<void>; onResult?: (s: TaskHealth, e: Error | null) => void },
  ): TaskSupervisor {
    return new TaskSupervisor({
      name,
      kindName,
      kind,
      freqMs: o.freqMs,
      timeoutMs: o.timeoutMs,
      clock: this.#o.clock,
      logger: this.#o.logger.child({ task: name }),
      ...(this.#o.tuning.random ? { random: this.#o.tuning.random } : {}),
      ...(kind.mode === 'once' ? { maxConsecutiveFailures: this.#o.tuning.initAttempts ?? 5 } : {}),
      initDone: this.init.done,
      waitOpen: (signal) => this.#o.engine.session.waitOpen(signal),
      underWay: (signal) => this.#underWay.get(signal) ?? null,
      waitedOn: (since) => exchangeWaitSince(budgetOf(this.#o.engine.session)?.stats(), since, this.#o.clock.now()),
      run: o.run,
      ...(o.onResult ? { onResult: o.onResult } : {}),
    });
  }

  #runtime(entry: TaskEntry, signal: AbortSignal): TaskRuntime {
    const name = entry.config.name;
    const { engine, state } = this.#o;
    const session = engine.session;
    return {
      name,
      config: entry.config,
      state,
      exchange: engine.exchange,
      session,
      orders: engine.orders,
      clock: this.#o.clock,
      logger: this.#o.logger.child({ task: name }),
      signal,
      subtasks: entry.subtasks,
      runSubtasks: async () => {
        const out: Record<string, unknown> = {};
        try {
          for (const sub of entry.subtasks) {
            if (signal.aborted) break;
            if (entry.kind.gated ?? true) await session.waitOpen(signal);
            this.#underWay.set(signal, subtaskLabel(entry.config.key, sub.config));
            const value = await runNamedSubtask(entry.config.key, sub, state, name);
            if (sub.config.returnValue) out[sub.config.key] = value;
          }
        } finally {
          this.#underWay.delete(signal);
        }
        return out;
      },
      notify: (text, level = 'info', key, condition) => this.#o.notify(text, level, key, condition),
      heartbeat: () => entry.supervisor.heartbeat(),
      engine: this.#control,
    };
  }

  /**
   * Sets `name`'s entry of `system_status` (undefined: removes it) in a new dict, as every state
   * value is frozen; the engine's bookkeeping, not a fresh write (the status task touches it).
   */
  #setSystemStatus(name: string, up: boolean | null | undefined): void {
    const held = this.#o.state.get<Record<string, boolean | null>>('system_status');
    if (up === undefined ? !Object.hasOwn(held, name) : held[name] === up) return;
    const next = { ...held };
    if (up === undefined) delete next[name];
    else next[name] = up;
    this.#o.state.rewrite('system_status', next);
    // A change listener hears a task go down or up, as the seed's `system_status[name] = False` was seen.
    this.#o.state.announce('system_status', name);
  }

  #initDone(): void {
    if (this.init.settled) return;
    this.#o.state.set('first_update', true, 'engine');
    this.#o.reporter.readiness.init_update = true;
    this.init.resolve();
  }

  #onResult(entry: TaskEntry, health: TaskHealth, error: Error | null): void {
    const name = entry.config.name;
    if (entry.kind.mode === 'once' || name in this.#o.state.get<Record<string, boolean | null>>('system_status')) this.#setSystemStatus(name, isTaskUp(health));
    this.#o.onTask(name, health, error);
    this.#o.reporter.taskChanged(name, health);
    if (entry.kind.mode === 'once') {
      // A run-once task reports once: it must not count as down in every later status window.
      if (health.ok) {
        this.#setSystemStatus(name, undefined);
        this.#initDone();
      } else if (error && errorKind(error) === 'auth') {
        // The supervisor stops a task on refused credentials; the start must not wait for it.
        this.init.reject(coerceError(startFailure(error)));
      } else if (error && health.consecutiveFailures >= (this.#o.tuning.initAttempts ?? 5)) {
        this.init.reject(new StartupError(`the init update failed ${health.consecutiveFailures} times; last error: ${error.message}`));
      }
      return;
    }
    if (error && health.lastErrorKind === 'auth') {
      this.#o.notify(`${name} stopped: the exchange refused the credentials (${error.message}). Check the API key and secret.`, 'error', `${name}:auth`);
    }
    if (error) this.#maybeRestartOnFailure(health);
  }

  /**
   * The session counts as failed when a task keeps failing with network-class errors; it is then
   * rebuilt (at most once a minute), as `t_restart_exchange` would.
   */
  #maybeRestartOnFailure(health: TaskHealth): void {
    const networkish = health.lastErrorKind === 'retryable' || health.lastErrorKind === 'nonce';
    if (!networkish || health.consecutiveFailures < 5) return;
    const now = this.#o.clock.now();
    if (now - this.#lastAutoRestartAt < 60_000 || this.#o.restartInFlight()) return;
    this.#lastAutoRestartAt = now;
    void this.#control.restartExchange(FAILING_TASKS_RESTART).catch(() => undefined);
  }

  #checkStaleness(): void {
    for (const change of this.#staleness.check()) {
      const entry = this.#tasks.get(change.task);
      if (entry) {
        const health = entry.supervisor.status;
        health.staleAttributes = change.stale
          ? [...new Set([...health.staleAttributes, change.attribute])]
          : health.staleAttributes.filter((a) => a !== change.attribute);
        this.#setSystemStatus(change.task, isTaskUp(health));
      }
      const secs = (change.maxAgeMs / 1000).toFixed(0);
      if (change.stale) {
        this.#o.notify(`${change.attribute} is stale (older than ${secs}s); task ${change.task} marked down`, 'warn', `freshness:${change.attribute}`);
      } else {
        this.#o.notify(`${change.attribute} is fresh again; task ${change.task} recovered`, 'info', `freshness:${change.attribute}`);
      }
      this.#o.reporter.attributeChanged(change.attribute);
    }
  }
}
