import { z } from 'zod';

/*
 * The config as written: the seed's snake_case keys, every section checked for shape only. An
 * enum's description is the hint when a value matches none of its words (zod-issues.ts).
 * Cross-references (task kinds, modules, methods, `self.` names) are checked in validate.ts, and
 * defaults are filled in by normalise.ts, so this file stays a plain description of the format.
 */

const positive = z.number().positive();
const list = z.array(z.unknown());
const map = z.record(z.string(), z.unknown());
const name = z.string().min(1);

/** A subtask of `t_init_update` / `t_update_template`. */
export const subtaskSchema = z.strictObject({
  type: z.enum(['async', 'standard']).describe('`async` awaits the method, `standard` is a plain call'),
  modul: name,
  method: name,
  input_args: list.nullable().optional(),
  // Required, as in the seed (`config["target_attr"]`): a result dropped by a forgotten key left
  // the seed's own watch list empty with every task green. None drops it on purpose.
  target_attr: name.nullable().describe('the attribute the result is stored in (`ohlcs`), or `None` to drop the result on purpose'),
  target_save_update: z.boolean().optional(),
  return_value: z.boolean().optional(),
});

/** Keys every task accepts; any other key is a kind-specific option. */
export const TASK_KEYS = [
  'kind',
  'name',
  'freq',
  'out',
  'input_args',
  'subtasks',
  'timeout_secs',
  'max_age_secs',
  'stall_after_secs',
  'reconcile_secs',
] as const;

/** One entry under `tasks:`; extra keys pass through as options. An empty entry means all defaults. */
export const taskSchema = z
  .looseObject({
    kind: name.optional(),
    name: name.nullable().optional(),
    // A pass every 0.1 s is already more than any exchange's rate limit allows for long.
    freq: z.number().min(0.1).nullable().optional(),
    out: name.nullable().optional(),
    input_args: list.nullable().optional(),
    subtasks: z.record(z.string(), subtaskSchema).nullable().optional(),
    timeout_secs: positive.nullable().optional(),
    max_age_secs: positive.nullable().optional(),
    // Streams push about every second: a shorter limit would count every pause as a stall.
    stall_after_secs: z.number().min(1).nullable().optional(),
    reconcile_secs: positive.nullable().optional(),
  })
  // The reconcile period replaces freq while the streams are healthy: a shorter one saves nothing.
  .refine((t) => typeof t.reconcile_secs !== 'number' || typeof t.freq !== 'number' || t.reconcile_secs >= t.freq, {
    path: ['reconcile_secs'],
    error: (issue) => `must be at least the task's freq (${String((issue.input as { freq?: unknown }).freq)})`,
  })
  .nullable();

/** `shared_attributes.<name>`: `{modul: queue, function: Queue}` and the like. */
export const sharedAttributeSchema = z.strictObject({
  modul: name,
  function: name,
  args: list.nullable().optional(),
});

/**
 * ccxt's credentials besides `apiKey`, `secret` and `password`, by ccxt's own names (an exchange
 * lists those it needs in `requiredCredentials`: Hyperliquid a `privateKey` and `walletAddress`,
 * some a `uid` or a `login`). The first three are secrets: never written in the config itself.
 */
export const EXTRA_CREDENTIAL_KEYS = ['privateKey', 'token', 'twofa', 'uid', 'accountId', 'login', 'walletAddress'] as const;
/** Those of {@link EXTRA_CREDENTIAL_KEYS} that must come from the environment. */
export const SECRET_EXTRA_CREDENTIALS: readonly string[] = ['privateKey', 'token', 'twofa'];

/** Keys of `exchange:` that are not sim knobs. */
export const EXCHANGE_KEYS = [
  'id',
  'options',
  'urls',
  'apiKey',
  'api_key',
  'secret',
  'password',
  ...EXTRA_CREDENTIAL_KEYS,
  'rate_budget',
  'timeout_ms',
  'stream',
  'market_data_thread',
] as const;

/** `exchange:`; with `id: sim` (or no id) any other key is a sim knob, checked in validate.ts otherwise. */
export const exchangeSchema = z.looseObject({
  id: name.optional(),
  options: map.nullable().optional(),
  urls: map.nullable().optional(),
  apiKey: z.string().nullable().optional(),
  api_key: z.string().nullable().optional(),
  secret: z.string().nullable().optional(),
  password: z.string().nullable().optional(),
  ...Object.fromEntries(EXTRA_CREDENTIAL_KEYS.map((k) => [k, z.string().nullable().optional()])),
  rate_budget: z
    .strictObject({
      capacity: positive.nullable().optional(),
      window_ms: z.number().int().positive().optional(),
      enabled: z.boolean().optional(),
    })
    .nullable()
    .optional(),
  timeout_ms: z.number().int().positive().optional(),
  stream: z
    .enum(['auto', 'on', 'off'])
    .describe('`auto` (the default) streams what the exchange can and polls the rest, `on` insists on streaming, `off` polls everything')
    .optional(),
  market_data_thread: z
    .enum(['worker', 'main'])
    .describe('`worker` (the default) watches tickers and candles on a thread of their own, `main` on the engine\'s')
    .optional(),
});

/** pino's level names. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const loggingSchema = z.strictObject({
  level: z.enum(LOG_LEVELS).describe('`info` is the default; `silent` logs nothing').optional(),
  file: name.nullable().optional(),
  terminal: z.enum(['auto', 'readable', 'json']).describe('how the terminal (stderr) gets the log: `auto` (the default) readable lines on a terminal and JSON lines otherwise, `readable` always (systemd, a file), `json` always (a log collector)').optional(),
});

const storageSchema = z.strictObject({
  path: name.optional(),
});

const ordersSchema = z.strictObject({
  on_stop: z.enum(['leave', 'cancel_all']).describe('`leave` (the default) keeps open orders at stop, `cancel_all` cancels them').optional(),
  unknown_orders: z.enum(['adopt', 'ignore']).describe('`adopt` (the default) tracks open orders the journal does not know, `ignore` leaves them alone').optional(),
  require_fresh_price: z.boolean().optional(),
  fresh_price_wait_secs: z.number().nonnegative().nullable().optional(),
  recovered_price_wait_secs: z
    .number()
    .nonnegative()
    .describe('how long intents recovered from the journal at a start may wait for a fresh price, from the executor\'s first run')
    .optional(),
  lost_after_not_found: z.number().int().positive().optional(),
  recently_closed_secs: z.number().nonnegative().optional(),
  visibility_window_secs: z.number().nonnegative().optional(),
  max_resends: z.number().int().nonnegative().max(1000).describe('how often one resolution sends an order proven absent again before it ends `failed`').optional(),
  submit_concurrency: z.number().int().positive().max(16).optional(),
  risk: z
    .strictObject({
      max_notional_usd: z.number().positive().optional(),
      max_open_orders: z.number().int().positive().optional(),
      max_orders_per_sec: z.number().int().positive().optional(),
      price_band_pct: z.number().positive().optional(),
    })
    .optional(),
});

const notifySchema = z.strictObject({
  telegram: z
    .strictObject({
      token: z.string(),
      chat_id: z.union([z.string().min(1), z.number().int(), z.array(z.union([z.string().min(1), z.number().int()])).min(1)]),
      api_url: z.url().optional(),
      settable: z.array(name).nullable().optional(),
    })
    .nullable()
    .optional(),
  webhook: z
    .strictObject({
      url: z.url(),
      headers: z.record(z.string(), z.string()).nullable().optional(),
    })
    .nullable()
    .optional(),
  dedupe_secs: z.number().nonnegative().optional(),
  max_per_minute: z.number().int().positive().optional(),
});

const httpSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).nullable().optional(),
  host: name.optional(),
  token: name.nullable().optional(),
  allowed_hosts: z.array(name).nullable().optional(),
});

const cpu = z.number().int().nonnegative();

const processSchema = z.strictObject({
  cpu_affinity: z
    .strictObject({
      main: z.array(cpu).min(1).describe('the CPUs of the event loop\'s thread'),
      others: z.array(cpu).min(1).nullable().optional(),
    })
    .nullable()
    .optional(),
});

/** The whole file. Every section but `tasks` may be left out (or be `None`). */
export const rawConfigSchema = z.strictObject({
  class_attributes: map.nullable().optional(),
  shared_attributes: z.record(z.string(), sharedAttributeSchema).nullable().optional(),
  tasks: z.record(z.string(), taskSchema),
  exchange: exchangeSchema.nullable().optional(),
  logging: loggingSchema.nullable().optional(),
  storage: storageSchema.nullable().optional(),
  orders: ordersSchema.nullable().optional(),
  notify: notifySchema.nullable().optional(),
  http: httpSchema.nullable().optional(),
  process: processSchema.nullable().optional(),
});

/** The config as written, once its shape is known to be right. */
export type RawConfig = z.output<typeof rawConfigSchema>;
/** One task as written. */
export type RawTask = NonNullable<z.output<typeof taskSchema>>;
/** One subtask as written. */
export type RawSubtask = z.output<typeof subtaskSchema>;
/** `exchange:` as written. */
export type RawExchange = z.output<typeof exchangeSchema>;

/**
 * A config as `Updater.fromConfig` takes it: the YAML file's shape, keys as written (snake_case),
 * plus the top-level `x-` blocks misso does not read. It is still checked at run time, with the
 * same messages as for a file (and the seed's `'None'` is read as null there too; in code, null
 * is the typed way to say it).
 */
export type MissoConfigInput = z.input<typeof rawConfigSchema> & { [key: `x-${string}`]: unknown };
