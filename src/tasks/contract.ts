import type { Exchange } from 'ccxt';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { NotifyLevel } from '../core/notify-level.js';
import type { TaskHealth } from '../core/task-status.js';
import type { TaskOptionType } from '../config/context.js';
import type { TaskConfig } from '../config/types.js';
import type { ExchangeSession } from '../exchange/types.js';
import type { OrderManager } from '../orders/manager.js';
import type { StateStore } from '../state/state-store.js';
import type { BoundSubtask } from './subtask.js';

/** How the supervisor drives a task kind. */
export type TaskMode =
  /** One pass every `freq` seconds. */
  | 'periodic'
  /** Runs once, before everything else (`t_init_update`). */
  | 'once'
  /** Runs until stop; restarted with backoff if it throws (`t_execute_orders`). */
  | 'service';

/** What one run of a task gets to work with. */
export interface TaskRuntime {
  /** The task's name (`system_status` key). */
  readonly name: string;
  readonly config: TaskConfig;
  readonly state: StateStore;
  /** `self.aftx`: the account's exchange, behind the rate budget and the restart gate. */
  readonly exchange: Exchange;
  readonly session: ExchangeSession;
  readonly orders: OrderManager;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Aborted when the updater stops or this run times out. */
  readonly signal: AbortSignal;
  /** The task's subtasks, loaded and bound. */
  readonly subtasks: readonly BoundSubtask[];
  /** Runs the subtasks in order; returns the values of those with `return_value: true`. */
  runSubtasks(): Promise<Record<string, unknown>>;
  /** Sends an operator notification (never blocks). */
  notify(text: string, level?: NotifyLevel, key?: string, condition?: string): void;
  /** Services call this to show they are alive between passes. */
  heartbeat(): void;
  /** Access to the engine for system tasks. */
  readonly engine: EngineControl;
}

/** The few engine operations system tasks need. */
export interface EngineControl {
  /** Every task's status, by name. */
  taskStatuses(): Readonly<Record<string, TaskHealth>>;
  /** Stops the updater (as `stop_updates` does). */
  requestStop(reason: string): void;
  /** Rebuilds the exchange session and reconciles orders. */
  restartExchange(reason: string): Promise<void>;
}

/** A task kind: built in (`t_update_tickers`) or the user's. */
export interface TaskKind {
  mode: TaskMode;
  /** Kind-specific config keys it accepts (`message`, `timeframe`, …); undefined accepts any. */
  options?: readonly string[];
  /** The type of each built-in option, checked by `misso check` (a `timeframe` against the exchange's list). */
  optionTypes?: Readonly<Record<string, TaskOptionType>>;
  /** One-line description for `misso check`. */
  describe?: string;
  /** Wait for the init update before the first run. @defaultValue true (false for `once`) */
  waitForInit?: boolean;
  /** Wait while the exchange session restarts. @defaultValue true */
  gated?: boolean;
  /** Sleep `freq` before the first run (`t_restart_exchange`). @defaultValue false */
  delayFirstRun?: boolean;
  /**
   * Runs nothing but its subtasks: `misso check` refuses a task of this kind without any.
   * @defaultValue false
   */
  onlySubtasks?: boolean;
  /** Period when the config gives none. */
  defaultFreqSecs?: number;
  /** The attributes this task keeps fresh (for staleness). */
  feeds?(config: TaskConfig): string[];
  run(rt: TaskRuntime): Promise<void>;
}

/** Accepts a kind object or a plain function (treated as a periodic pass). */
export function toTaskKind(value: unknown, label: string): TaskKind {
  if (typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value))) {
    throw new TypeError(`${label}: a class is not a task kind; export an async function (one pass) or an object with mode and run()`);
  }
  if (typeof value === 'function') return { mode: 'periodic', run: async (rt) => void (await value(rt)) };
  if (value && typeof value === 'object' && typeof (value as TaskKind).run === 'function') {
    const kind = value as TaskKind;
    if (!['periodic', 'once', 'service'].includes(kind.mode)) {
      throw new TypeError(`${label}: mode must be periodic, once or service, not ${String(kind.mode)}`);
    }
    // The same floor as a config's freq: a default period is a period too.
    if (kind.defaultFreqSecs !== undefined && !(kind.defaultFreqSecs >= 0.1)) {
      throw new TypeError(`${label}: defaultFreqSecs must be at least 0.1, not ${String(kind.defaultFreqSecs)}`);
    }
    return kind;
  }
  throw new TypeError(`${label}: a task kind is an async function or an object with mode and run()`);
}
