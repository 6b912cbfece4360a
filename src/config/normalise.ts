import { isPlainObject } from './env.js';
import { DEFAULT_EXCHANGE_CONFIG } from './defaults.js';
import type { PositionIndex } from './positions.js';
import type { RawConfig, RawExchange, RawSubtask, RawTask } from './schema.js';
import { EXCHANGE_KEYS, EXTRA_CREDENTIAL_KEYS, TASK_KEYS } from './schema.js';
import type {
  ExchangeConfig,
  MissoConfig,
  SharedAttributeConfig,
  SourcePos,
  SubtaskConfig,
  TaskConfig,
  TelegramConfig,
} from './types.js';

/** Where the config came from, for `file`, `baseDir` and the `pos` fields. */
export interface NormaliseSource {
  /** Absolute path of the file, or null for an object. */
  file: string | null;
  /** The file as the user named it, used in `pos`. */
  displayFile: string;
  baseDir: string;
  positions: PositionIndex;
}

/** Builds the engine's view of a config whose shape and references have been checked. */
export function normaliseConfig(raw: RawConfig, source: NormaliseSource): MissoConfig {
  const posAt = (path: (string | number)[]): SourcePos | undefined => {
    const entry = source.positions.get(path);
    const at = entry?.key ?? entry?.value;
    return at && at.line > 0 ? { file: source.displayFile, line: at.line, col: at.col } : undefined;
  };
  const logging = raw.logging ?? {};
  const orders = raw.orders ?? {};
  const notify = raw.notify ?? {};
  const http = raw.http ?? {};
  const telegram = notify.telegram;
  const affinity = raw.process?.cpu_affinity;
  return {
    file: source.file,
    baseDir: source.baseDir,
    classAttributes: raw.class_attributes ?? {},
    sharedAttributes: Object.fromEntries(
      Object.entries(raw.shared_attributes ?? {}).map(([name, entry]): [string, SharedAttributeConfig] => [
        name,
        withPos({ modul: entry.modul, function: entry.function, args: entry.args ?? [] }, posAt(['shared_attributes', name])),
      ]),
    ),
    tasks: Object.entries(raw.tasks).map(([key, task]) => normaliseTask(key, task ?? {}, posAt)),
    ...atKey('tasksPos', posAt(['tasks'])),
    exchange: normaliseExchange(raw.exchange ?? {}),
    logging: { level: logging.level ?? 'info', file: logging.file ?? null, terminal: logging.terminal ?? 'auto', ...atKey('filePos', posAt(['logging', 'file'])) },
    storage: withPos({ path: raw.storage?.path ?? './misso.db', written: raw.storage?.path !== undefined && raw.storage.path !== null }, posAt(['storage', 'path'])),
    orders: {
      onStop: orders.on_stop ?? 'leave',
      unknownOrders: orders.unknown_orders ?? 'adopt',
      requireFreshPrice: orders.require_fresh_price ?? true,
      freshPriceWaitSecs: orders.fresh_price_wait_secs ?? null,
      recoveredPriceWaitSecs: orders.recovered_price_wait_secs ?? 60,
      lostAfterNotFound: orders.lost_after_not_found ?? 5,
      recentlyClosedSecs: orders.recently_closed_secs ?? 30,
      visibilityWindowSecs: orders.visibility_window_secs ?? 65,
      maxResends: orders.max_resends ?? 5,
      submitConcurrency: orders.submit_concurrency ?? 1,
      ...(orders.risk
        ? {
            risk: {
              maxNotionalUsd: orders.risk.max_notional_usd ?? null,
              maxOpenOrders: orders.risk.max_open_orders ?? null,
              maxOrdersPerSec: orders.risk.max_orders_per_sec ?? null,
              pricePct: orders.risk.price_band_pct ?? null,
            },
          }
        : {}),
    },
    notify: {
      telegram: telegram ? normaliseTelegram(telegram) : null,
      webhook: notify.webhook ? { url: notify.webhook.url, headers: notify.webhook.headers ?? {} } : null,
      dedupeSecs: notify.dedupe_secs ?? 300,
      maxPerMinute: notify.max_per_minute ?? 20,
    },
    http: {
      port: http.port ?? null,
      host: http.host ?? '127.0.0.1',
      token: http.token ?? null,
      allowedHosts: http.allowed_hosts ?? [],
      ...atKey('portPos', posAt(['http', 'port'])),
      ...atKey('hostPos', posAt(['http', 'host'])),
    },
    process: { cpuAffinity: affinity ? withPos({ main: affinity.main, others: affinity.others ?? null }, posAt(['process', 'cpu_affinity'])) : null },
  };
}

function normaliseTelegram(t: NonNullable<NonNullable<RawConfig['notify']>['telegram']>): TelegramConfig {
  const chatIds = (Array.isArray(t.chat_id) ? t.chat_id : [t.chat_id]).map(String);
  return { token: t.token, chatId: chatIds[0] ?? '', chatIds, apiUrl: t.api_url ?? 'https://api.telegram.org', settable: t.settable ?? [] };
}

type PosAt = (path: (string | number)[]) => SourcePos | undefined;

function normaliseTask(key: string, task: RawTask, posAt: PosAt): TaskConfig {
  const freq = task.freq ?? null;
  const common: readonly string[] = TASK_KEYS;
  const options = Object.fromEntries(Object.entries(task).filter(([k]) => !common.includes(k)));
  const out = task.out ?? null;
  return withPos(
    {
      key,
      kind: task.kind ?? key,
      name: task.name ?? key,
      freqSecs: freq,
      timeoutSecs: task.timeout_secs ?? (freq === null ? null : Math.max(30, 2 * freq)),
      out: out !== null && out.startsWith('self.') ? out.slice('self.'.length) : out,
      inputArgs: task.input_args ?? null,
      subtasks: Object.entries(task.subtasks ?? {}).map(([subKey, sub]) =>
        normaliseSubtask(subKey, sub, (rest) => posAt(['tasks', key, 'subtasks', subKey, ...rest])),
      ),
      maxAgeSecs: task.max_age_secs ?? (freq === null ? null : 3 * freq),
      stallAfterSecs: task.stall_after_secs ?? null,
      reconcileSecs: task.reconcile_secs ?? null,
      options,
    },
    posAt(['tasks', key]),
  );
}

/** `posAt` of a path under the subtask (`[]` for the subtask's own key). */
function normaliseSubtask(key: string, sub: RawSubtask, posAt: PosAt): SubtaskConfig {
  const inputArgs = sub.input_args ?? [];
  const argPos = inputArgs.map((_, i) => posAt(['input_args', i]) ?? null);
  return withPos(
    {
      key,
      type: sub.type,
      modul: sub.modul,
      method: sub.method,
      inputArgs,
      ...(argPos.some((p) => p !== null) ? { inputArgPos: argPos } : {}),
      targetAttr: sub.target_attr ?? null,
      targetSaveUpdate: sub.target_save_update ?? false,
      returnValue: sub.return_value ?? false,
    },
    posAt([]),
  );
}

function normaliseExchange(ex: RawExchange): ExchangeConfig {
  const known: readonly string[] = EXCHANGE_KEYS;
  const sim = Object.fromEntries(Object.entries(ex).filter(([k]) => !known.includes(k)));
  const d = DEFAULT_EXCHANGE_CONFIG;
  return {
    id: ex.id ?? d.id,
    options: ex.options ?? {},
    urls: ex.urls ?? null,
    apiKey: ex.apiKey ?? ex.api_key ?? null,
    secret: ex.secret ?? null,
    password: ex.password ?? null,
    credentials: Object.fromEntries(EXTRA_CREDENTIAL_KEYS.flatMap((k) => (typeof ex[k] === 'string' ? [[k, ex[k]]] : []))),
    sim,
    rateBudget: {
      capacity: ex.rate_budget?.capacity ?? d.rateBudget.capacity,
      windowMs: ex.rate_budget?.window_ms ?? d.rateBudget.windowMs,
      enabled: ex.rate_budget?.enabled ?? d.rateBudget.enabled,
    },
    timeoutMs: ex.timeout_ms ?? d.timeoutMs,
    stream: ex.stream ?? d.stream ?? 'auto',
    marketDataThread: ex.market_data_thread ?? d.marketDataThread ?? 'worker',
  };
}

/** `{[key]: pos}` when the position is known, else nothing (`exactOptionalPropertyTypes`). */
function atKey<K extends string>(key: K, pos: SourcePos | undefined): Partial<Record<K, SourcePos>> {
  return pos ? ({ [key]: pos } as Record<K, SourcePos>) : {};
}

/** Adds `pos` only when known: `exactOptionalPropertyTypes` forbids an explicit undefined. */
function withPos<T extends object>(value: T, pos: SourcePos | undefined): T & { pos?: SourcePos } {
  return pos ? { ...value, pos } : value;
}

/**
 * Freezes a value and every plain object and array reachable from it, so no consumer can change
 * the config. Class instances given in a config object are left alone: they are not ours.
 */
export function deepFreeze<T>(value: T): T {
  if ((Array.isArray(value) || isPlainObject(value)) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
