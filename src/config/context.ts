import type { z } from 'zod';
import type { EnvMap } from './env.js';

/**
 * The type of a built-in task option, checked by `misso check`: `timeframe` is a string the
 * configured exchange lists among its timeframes, `candle_limit` a whole number above 0 no larger
 * than the exchange answers in one call, `attribute` the name of a state attribute.
 */
export type TaskOptionType = 'string' | 'positive_integer' | 'candle_limit' | 'timeframe' | 'attribute';

/**
 * How a task kind is scheduled, for `misso check`'s summary: `periodic` kinds run every `freq`
 * (or `defaultFreqSecs` without one), `once` kinds one pass, `service` kinds until stopped.
 */
export interface TaskSchedule {
  mode: 'periodic' | 'once' | 'service';
  /** The period without `freq`; null when the kind has none. */
  defaultFreqSecs: number | null;
}

/**
 * What the validator needs from the layers above it, injected so that config never imports the
 * engine: the names the engine knows, and how it loads modules and user task kinds.
 */
export interface ConfigContext {
  /** Built-in task kinds: `t_init_update`, `t_update_template`, `t_update_tickers`, … */
  taskKinds: ReadonlySet<string>;
  /** State attributes that exist without being declared: `aftx`, `pending_orders`, `first_update`, … */
  builtinAttributes: ReadonlySet<string>;
  /** Loads a subtask's or shared attribute's `modul` (including `queue`); throws if it cannot be loaded. */
  loadModule(modul: string, baseDir: string): Promise<Record<string, unknown>>;
  /** Loads a user task kind such as `./my-tasks.ts#t_my_task`; throws if it is missing. */
  loadTaskKind(spec: string, baseDir: string): Promise<unknown>;
  /** Environment for `${NAME}` references. @defaultValue process.env */
  env?: EnvMap;
  /**
   * The kind-specific keys a task of `kind` accepts besides the common ones (`message` for
   * `t_system_status`, …). When it answers a set, any other key is an error; when absent or
   * undefined, other keys pass through as options and only near-misses of common keys are errors.
   */
  taskOptionKeys?(kind: string): ReadonlySet<string> | undefined;
  /** The type of each option a built-in task kind takes. When absent or undefined, not checked. */
  taskOptionTypes?(kind: string): Readonly<Record<string, TaskOptionType>> | undefined;
  /**
   * The candle timeframes `exchangeId` offers (the simulator's, or the ccxt class's `timeframes`,
   * read without any network call). Undefined when unknown: timeframes are then not checked.
   */
  timeframesOf?(exchangeId: string): readonly string[] | undefined;
  /**
   * The most candles `exchangeId` answers in one call, refusing a larger `limit` (the
   * simulator's 1500). Undefined when unknown: a candle `limit` is then not checked against it.
   */
  candleLimitOf?(exchangeId: string): number | undefined;
  /**
   * Whether a task kind runs nothing but its subtasks (`t_update_template`, `t_init_update`), so
   * that a task of it without subtasks would do nothing. When absent, not checked.
   */
  runsOnlySubtasks?(kind: string): boolean;
  /**
   * The positional parameters (names, defaults and optional ones included) of a built-in helper
   * `modul.method`, so that more `input_args` than it takes are refused. Undefined for a user
   * module, or wherever the count is not certain: extra arguments are then not checked.
   */
  helperParams?(modul: string, method: string): readonly string[] | undefined;
  /**
   * A built-in helper's refusal of the argument at `index` (its value as the config starts it: a
   * class attribute's initial value for `self.NAME`), when its rules are fixed words a run would
   * only refuse at its first pass (`get_filtered_watch_list`'s filter). Undefined when it passes.
   */
  helperArgProblem?(modul: string, method: string, index: number, value: unknown): string | undefined;
  /** How a task kind is scheduled. When absent or undefined (a user kind), only `freq` is known. */
  taskSchedule?(kind: string): TaskSchedule | undefined;
  /**
   * Called with the config's `exchange.id` before the checks that read its class
   * ({@link timeframesOf}, {@link watchMethodsOf}), which may load it only then.
   */
  prepareExchange?(exchangeId: string): Promise<void>;
  /** Accepted `exchange.id` values (`sim` plus ccxt's ids). When absent, any id is accepted. */
  exchangeIds?: ReadonlySet<string>;
  /** The `exchange.id` values that can stream (`sim` plus ccxt.pro's ids). When absent, `stream: on` is not checked. */
  streamingIds?: ReadonlySet<string>;
  /**
   * The `watch*` methods `exchangeId`'s streaming class offers (its `has`, read without any
   * network call), so that `stream: on` with a task needing a missing one fails `misso check`.
   * Undefined when unknown: that is then found only when the streams start.
   */
  watchMethodsOf?(exchangeId: string): ReadonlySet<string> | undefined;
  /** The simulator's knobs (keys beside `id: sim`): their schema and names. When absent, not checked. */
  simKnobs?: { schema: z.ZodType; keys: readonly string[] };
}
