/**
 * The validated, normalised configuration. The YAML keeps the seed's snake_case names; this is
 * what the rest of the engine reads. Everything here is frozen after loading.
 */

/** Where a value came from in the YAML file (its key), for error messages. Absent for configs built from objects. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** One subtask of `t_init_update` / `t_update_template`: call `modul.method(...input_args)`. */
export interface SubtaskConfig {
  /** The YAML key, e.g. `subtask_0`. */
  key: string;
  /** `async` is awaited, `standard` is a plain call. */
  type: 'async' | 'standard';
  /** `Misso.services.async_helper`, `Misso.services.helper`, a path relative to the config file, or a package. */
  modul: string;
  method: string;
  /** Positional arguments. Strings starting with `self.` are resolved from state at call time. */
  inputArgs: unknown[];
  /** Where each of `inputArgs` is in the file (null where unknown), for run-time errors about one. */
  inputArgPos?: readonly (SourcePos | null)[];
  /** Attribute the result is stored in; null means the result is dropped. */
  targetAttr: string | null;
  /** Merge a dict result key by key into the dict already held in `targetAttr`. */
  targetSaveUpdate: boolean;
  /** Return the value to the task as well. */
  returnValue: boolean;
  pos?: SourcePos;
}

/** One entry under `tasks:`. */
export interface TaskConfig {
  /** The YAML key (`t_update_tickers`, or any name when `kind` is given). */
  key: string;
  /** The task kind: a built-in `t_*` name or `./file.ts#t_name` for a user task. */
  kind: string;
  /** The name used in `system_status`, logs and metrics. Defaults to the key. */
  name: string;
  /** Period in seconds; null for run-once tasks (`t_init_update`) and event-driven ones. */
  freqSecs: number | null;
  /** A run that takes longer is aborted and counted as failed. @defaultValue max(30, 2 × freq) */
  timeoutSecs: number | null;
  /** `out: self.last_price`: the attribute the task writes, when the kind writes one; the name only (`last_price`), `self.` dropped. */
  out: string | null;
  /** The seed's task-level `input_args` (usually None). */
  inputArgs: unknown[] | null;
  subtasks: SubtaskConfig[];
  /** Maximum age of the attributes this task feeds. @defaultValue 3 × freq */
  maxAgeSecs: number | null;
  /**
   * With streaming: a stream this task's state comes from that is silent this long is torn down
   * and resubscribed. @defaultValue derived from the stream's cadence (see src/streams)
   */
  stallAfterSecs?: number | null;
  /** With a healthy stream: REST reconciles this often instead of every `freq`. @defaultValue max(10 × freq, 300 s) */
  reconcileSecs?: number | null;
  /** Every other key of the task, for kind-specific options (`message`, `timeframe`, …). */
  options: Readonly<Record<string, unknown>>;
  pos?: SourcePos;
}

/** Per-account request budget (see src/exchange/budget.ts). */
export interface RateBudgetConfig {
  /** Weight units allowed per window. @defaultValue derived from ccxt's `rateLimit` */
  capacity: number | null;
  /** @defaultValue 1000 */
  windowMs: number;
  /** Disable the budget entirely (not recommended). @defaultValue true */
  enabled: boolean;
}

/** The `exchange:` section. Absent means the simulated exchange. */
export interface ExchangeConfig {
  /** `sim` or any ccxt exchange id. */
  id: string;
  /** Sim knobs (seed, latency, faults, …) or ccxt constructor options, merged in. */
  options: Readonly<Record<string, unknown>>;
  /** ccxt `urls` overrides, e.g. `{api: {...}}` pointed at a local server. */
  urls: Readonly<Record<string, unknown>> | null;
  /** Resolved from `${ENV_VAR}` references only; never logged. */
  apiKey: string | null;
  secret: string | null;
  password: string | null;
  /** ccxt's other credentials by its names (`privateKey`, `walletAddress`, `uid`, …); absent: none. */
  credentials?: Readonly<Record<string, string>>;
  /** Sim-only knobs given beside `id` (`seed`, `latency_ms`, …). */
  sim: Readonly<Record<string, unknown>>;
  rateBudget: RateBudgetConfig;
  /** Per-call timeout. @defaultValue 10000 */
  timeoutMs: number;
  /** `auto` streams wherever the exchange class has the `watch*` method; `on` requires it; `off` polls. @defaultValue 'auto' */
  stream?: 'auto' | 'on' | 'off';
  /**
   * Where a ccxt.pro exchange's market-data streams (tickers, candles) are parsed: `worker`, a
   * thread of their own, keeps ccxt's parse of hundreds of tickers a second off the event loop
   * that applies fills; `main` watches them on it. @defaultValue 'worker'
   */
  marketDataThread?: 'worker' | 'main';
}

/** The `logging:` section. */
export interface LoggingConfig {
  /** @defaultValue 'info' */
  level: string;
  /** JSON-lines log file, relative to the working directory; null for none. @defaultValue null */
  file: string | null;
  /** Where `logging.file` is written, for a file that cannot be written at the start. */
  filePos?: SourcePos;
  /**
   * How stderr gets the log: `auto`, readable lines when it is a terminal and JSON lines
   * otherwise; `readable` always (without colours off a terminal); `json` always.
   * @defaultValue 'auto'
   */
  terminal: 'auto' | 'readable' | 'json';
}

/** The `storage:` section (order journal). */
export interface StorageConfig {
  /** SQLite path, relative to the working directory, or `:memory:`. @defaultValue './misso.db' */
  path: string;
  /**
   * The config wrote `storage.path` (in a file or an object): with the in-process simulator the
   * journal is then that file, and otherwise in memory (the simulated account lives and dies with
   * the process). @defaultValue false
   */
  written?: boolean;
  /** Where `storage.path` is written in the config file (absent for the default, or an object). */
  pos?: SourcePos;
}

/** `orders.risk`: optional pre-trade limits; each null (absent) is off. */
export interface RiskConfig {
  /** Largest order value in USD (amount × price × contract size). @defaultValue null */
  maxNotionalUsd: number | null;
  /** Most orders of ours open (or possibly open) per symbol. @defaultValue null */
  maxOpenOrders: number | null;
  /** Most orders sent in any one second. @defaultValue null */
  maxOrdersPerSec: number | null;
  /** Largest distance of a limit price from the fresh last price, in percent. @defaultValue null */
  pricePct: number | null;
}

/** The `orders:` section. */
export interface OrdersConfig {
  /** What to do with resting orders on stop. @defaultValue 'leave' */
  onStop: 'leave' | 'cancel_all';
  /** Orders open on the exchange that the journal does not know: adopt them or ignore them. @defaultValue 'adopt' */
  unknownOrders: 'adopt' | 'ignore';
  /** Refuse orders whose symbol has no fresh price in `last_price`. @defaultValue true */
  requireFreshPrice: boolean;
  /**
   * How long an order whose symbol has no fresh price yet waits for one before it is rejected
   * (after a restart the first ticker pass may still be under way). `null`: twice the ticker
   * task's `freq` (20 s without a ticker task).
   * @defaultValue null
   */
  freshPriceWaitSecs?: number | null;
  /**
   * How long an intent recovered from the journal at a start (queued before a crash or stop,
   * never sent) may wait for a fresh price, counted from the executor's first run: the restarted
   * engine's price feeds need time to come up, and the recovered burst itself competes with them
   * for the rate budget. Each recovered intent waits at least `freshPriceWaitSecs`. When no fresh
   * price comes in time the intent ends `rejected`, never sent, and the operator is told.
   * @defaultValue 60
   */
  recoveredPriceWaitSecs?: number;
  /** After this many "not found" answers an order is marked lost. @defaultValue 5 */
  lostAfterNotFound: number;
  /** How long finished orders stay in the recently-closed cache. @defaultValue 30 */
  recentlyClosedSecs: number;
  /**
   * How long after a send an order may still be invisible to lookups; only after it may an
   * order be declared absent and sent again (Binance hides new orders for up to about 60 s).
   * @defaultValue 65
   */
  visibilityWindowSecs: number;
  /**
   * Times one resolution sends an order again after proving it absent past the visibility
   * window; then the order ends `failed` with a notification instead of being sent in a loop.
   * @defaultValue 5
   */
  maxResends?: number;
  /** `createOrder` calls in flight at once; 1 keeps the queue's order on the exchange. @defaultValue 1 */
  submitConcurrency: number;
  /** Pre-trade risk limits (`orders.risk`); absent: no limits. */
  risk?: RiskConfig;
}

/** `notify.telegram`. */
export interface TelegramConfig {
  token: string;
  /** The first of {@link chatIds}. */
  chatId: string;
  /** Chats that get notifications and may command the interactor (`chat_id`: one or a list). */
  chatIds: readonly string[];
  /** @defaultValue 'https://api.telegram.org' */
  apiUrl: string;
  /** Attributes the interactor's `/set` may change. @defaultValue [] */
  settable: readonly string[];
}

/** The `notify:` section. */
export interface NotifyConfig {
  telegram: TelegramConfig | null;
  /** `notify.webhook`: every notification is also POSTed there as JSON. */
  webhook: { url: string; headers: Readonly<Record<string, string>> } | null;
  /** The same message is not sent again within this window. @defaultValue 300 */
  dedupeSecs: number;
  /** At most this many messages per minute; more are summarised. @defaultValue 20 */
  maxPerMinute: number;
}

/** The `http:` section (status API, metrics, dashboard). */
export interface HttpConfig {
  /** null disables the server. @defaultValue null */
  port: number | null;
  /** @defaultValue '127.0.0.1' */
  host: string;
  /**
   * From `${VAR}` only. Every route but `/healthz` then needs `Authorization: Bearer <token>`;
   * required for a non-loopback `host`. @defaultValue null
   */
  token: string | null;
  /** Host header names accepted besides loopback and `host` (a reverse proxy's name). @defaultValue [] */
  allowedHosts: readonly string[];
  /** Where `http.port` and `http.host` are written, for a server that cannot listen (absent when not written). */
  portPos?: SourcePos;
  hostPos?: SourcePos;
}

/** The `process:` section: how the strategy's process itself runs. */
export interface ProcessConfig {
  /**
   * The event loop's thread on `main`'s CPUs and every other thread on `others` (by default every
   * other CPU the process may use). Linux only. @defaultValue null (the kernel places threads)
   */
  cpuAffinity: { main: readonly number[]; others: readonly number[] | null; pos?: SourcePos } | null;
}

/** `shared_attributes` entry: `{modul: queue, function: Queue}` builds the order queue. */
export interface SharedAttributeConfig {
  modul: string;
  function: string;
  args: unknown[];
  pos?: SourcePos;
}

/** The whole validated configuration. */
export interface MissoConfig {
  /** The config file, or null when built from an object. */
  file: string | null;
  /** Directory that relative `modul` paths resolve against. */
  baseDir: string;
  /** Initial state values, deeply frozen like the rest: copy them (`structuredClone`) before mutating. */
  classAttributes: Readonly<Record<string, unknown>>;
  sharedAttributes: Readonly<Record<string, SharedAttributeConfig>>;
  /** In file order. */
  tasks: readonly TaskConfig[];
  /** Where the `tasks:` key is in the config file (absent for an object). */
  tasksPos?: SourcePos;
  exchange: ExchangeConfig;
  logging: LoggingConfig;
  storage: StorageConfig;
  orders: OrdersConfig;
  notify: NotifyConfig;
  http: HttpConfig;
  process: ProcessConfig;
}
