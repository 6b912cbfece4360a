import type { ConfigContext } from './context.js';
import { checkCredential, ENV_SECTIONS, isPlainObject, resolveEnvReferences, type EnvMap, type ReportProblem } from './env.js';
import { EXCHANGE_KEYS, SECRET_EXTRA_CREDENTIALS } from './schema.js';
import { didYouMean } from './suggest.js';
import { reportZodIssues, type ReportUnknownKey } from './zod-issues.js';

const CREDENTIAL_KEYS = ['apiKey', 'api_key', 'secret', 'password', ...SECRET_EXTRA_CREDENTIALS];

/**
 * Refuses literal credentials, then resolves `${NAME}` references in `exchange` and `notify`.
 * Returns a copy of the tree with those sections resolved; other sections are left as written.
 */
export function resolveSecrets(raw: unknown, env: EnvMap, report: ReportProblem): unknown {
  if (!isPlainObject(raw)) return raw;
  const exchange = raw.exchange;
  if (isPlainObject(exchange)) {
    const prefix = typeof exchange.id === 'string' ? exchange.id.toUpperCase().replace(/[^A-Z0-9]+/g, '_') : 'EXCHANGE';
    for (const key of CREDENTIAL_KEYS) {
      const suffix = key === 'api_key' || key === 'apiKey' ? 'API_KEY' : key.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
      checkCredential(exchange[key], ['exchange', key], `${prefix}_${suffix}`, env, report);
    }
  }
  const notify = raw.notify;
  if (isPlainObject(notify) && isPlainObject(notify.telegram)) {
    checkCredential(notify.telegram.token, ['notify', 'telegram', 'token'], 'TELEGRAM_BOT_TOKEN', env, report);
  }
  const out: Record<string, unknown> = { ...raw };
  for (const section of ENV_SECTIONS) {
    if (section in raw) out[section] = resolveEnvReferences(raw[section], [section], env, report);
  }
  return out;
}

/**
 * Checks of `exchange:` beyond its shape: a known id, one spelling of the API key, and keys beside
 * `id` only for the simulator (whose knobs they are).
 */
export function checkExchange(raw: unknown, ctx: ConfigContext, report: ReportProblem, reportKey: ReportUnknownKey): void {
  const exchange = isPlainObject(raw) ? raw.exchange : undefined;
  if (!isPlainObject(exchange)) return;
  const id = typeof exchange.id === 'string' ? exchange.id : 'sim';
  if (ctx.exchangeIds && !ctx.exchangeIds.has(id)) {
    report(['exchange', 'id'], `unknown exchange id \`${id}\``, didYouMean(id, ctx.exchangeIds) ?? 'use `sim` or one of ccxt\'s exchange ids');
  }
  if (exchange.stream === 'on' && ctx.streamingIds && ctx.exchangeIds?.has(id) !== false && !ctx.streamingIds.has(id)) {
    report(['exchange', 'stream'], `${id} cannot stream (ccxt has no websocket class for it)`, 'use `stream: auto` (polls what cannot stream) or `stream: off`');
  }
  if (exchange.apiKey != null && exchange.api_key != null) {
    report(['exchange', 'api_key'], 'give the API key once', 'keep either `apiKey` or `api_key`');
  }
  if (id === 'sim') {
    checkSimKnobs(exchange, ctx, report, reportKey);
    checkSimVisibility(exchange, isPlainObject(raw) ? raw.orders : undefined, report);
    return;
  }
  // The shorthand `urls: {api: ORIGIN}` moves every URL there: anything but an http(s) origin
  // fails only at the start, after the journal was opened for the exchange.
  const api = isPlainObject(exchange.urls) ? exchange.urls.api : undefined;
  if (typeof api === 'string' && !/^https?:\/\//i.test(api.trim())) {
    report(['exchange', 'urls', 'api'], `\`${api}\` is not an http(s) origin`, `write it with its scheme, e.g. \`http://${api.replace(/^[a-z]+:\/+/i, '') || '127.0.0.1:8555'}\``);
  }
  const known: readonly string[] = EXCHANGE_KEYS;
  for (const key of Object.keys(exchange)) {
    if (known.includes(key)) continue;
    reportKey(
      ['exchange', key],
      `unknown key \`${key}\``,
      didYouMean(key, known) ?? 'keys beside `id` are simulator knobs and need `id: sim`; ccxt options go under `options:`',
    );
  }
}

/** The simulator's knobs, checked against its own schema so a typo is caught before anything runs. */
function checkSimKnobs(exchange: Record<string, unknown>, ctx: ConfigContext, report: ReportProblem, reportKey: ReportUnknownKey): void {
  if (!ctx.simKnobs) return;
  const exchangeKeys: readonly string[] = EXCHANGE_KEYS;
  const knobs = Object.fromEntries(Object.entries(exchange).filter(([key]) => key === 'id' || !exchangeKeys.includes(key)));
  const result = ctx.simKnobs.schema.safeParse(knobs);
  if (result.success) return;
  const inExchange = (to: ReportProblem): ReportProblem => (path, message, hint) => to(['exchange', ...path], message, hint);
  for (const issue of result.error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const path = ['exchange', ...issue.path.map(String)];
    for (const key of issue.keys) {
      reportKey([...path, key], `unknown simulator knob \`${key}\``, didYouMean(key, [...ctx.simKnobs.keys, ...exchangeKeys]) ?? `knobs: ${ctx.simKnobs.keys.join(', ')}`);
    }
  }
  // Values in the same words as every other key: what is allowed, what the file has, at the element.
  const values = result.error.issues.filter((issue) => issue.code !== 'unrecognized_keys');
  reportZodIssues(values, ctx.simKnobs.schema, knobs, inExchange(report), inExchange(reportKey));
}

/**
 * The simulator hides a new order from look-ups for `visibility_delay_ms`; misso takes "not found"
 * as proof of absence once `orders.visibility_window_secs` has passed. A delay that long or longer
 * sends an order whose answer was lost a second time while the first copy is only hidden, and the
 * venue takes a client id again once its first order is finished (Binance's rule): two orders.
 */
function checkSimVisibility(exchange: Record<string, unknown>, orders: unknown, report: ReportProblem): void {
  const delayMs = exchange.visibility_delay_ms;
  const given = isPlainObject(orders) ? orders.visibility_window_secs : undefined;
  const windowSecs = given === undefined ? 65 : given;
  if (typeof delayMs !== 'number' || typeof windowSecs !== 'number' || delayMs === 0 || delayMs < windowSecs * 1000) return;
  report(
    ['exchange', 'visibility_delay_ms'],
    `the simulator hides a new order for ${delayMs} ms, not less than orders.visibility_window_secs (${windowSecs} s): an order whose answer is lost would be proven absent while it is only hidden and sent again, making a second order`,
    `keep visibility_delay_ms below ${windowSecs * 1000}, or raise orders.visibility_window_secs above ${delayMs / 1000}`,
  );
}

/** `process.cpu_affinity`: the main thread's CPUs are its own (what the machine has is checked at start). */
export function checkProcess(raw: unknown, report: ReportProblem): void {
  const section = isPlainObject(raw) && isPlainObject(raw.process) ? raw.process : undefined;
  const affinity = section && isPlainObject(section.cpu_affinity) ? section.cpu_affinity : undefined;
  if (!affinity || !Array.isArray(affinity.main) || !Array.isArray(affinity.others)) return;
  const main = new Set(affinity.main);
  const shared = affinity.others.filter((cpu) => main.has(cpu));
  if (shared.length > 0) {
    report(
      ['process', 'cpu_affinity', 'others'],
      `CPU ${shared.join(', ')} is in \`main\` too: the main thread's CPUs must be its own`,
      'take it out of one list, or leave `others` out (every CPU not in `main`)',
    );
  }
}
