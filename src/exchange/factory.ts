import type { Exchange } from 'ccxt';
import type { Clock } from '../core/clock.js';
import { UserError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ExchangeConfig } from '../config/types.js';
import { editDistance } from '../config/suggest.js';
import type { SimExchange } from '../sim/sim-exchange.js';
import type { SimVenue } from '../sim/venue.js';
import { exchangeIdList, loadCcxtCore, loadExchangeClass, type ExchangeClass } from './ccxt-lib.js';
import { instrumentHttpErrors } from './http-error-info.js';
import { applyUrlOverrides, hasPlainWsUrl } from './urls.js';

/** What {@link createExchange} needs besides the config. */
export interface ExchangeFactoryDeps {
  clock: Clock;
  logger: Logger;
}

/**
 * Builds one exchange instance from the `exchange:` config. `sim` is the built-in simulated
 * exchange (its knobs are `options` and the keys beside `id`); any other id is the ccxt class of
 * that name, built with the credentials, `timeoutMs` and ccxt's own throttle switched off, since
 * the session's {@link RateBudget} replaces it. `urls` is applied on top of the class's URLs.
 * Every instance is instrumented so its errors carry their HTTP status and Retry-After.
 *
 * @throws UserError for an id that is neither `sim` nor a ccxt exchange, naming the closest ids.
 */
export async function createExchange(cfg: ExchangeConfig, deps: ExchangeFactoryDeps): Promise<Exchange> {
  await loadCcxtCore();
  const exchange = cfg.id === 'sim' ? await buildSim(cfg, deps) : buildCcxt(cfg, deps, await classFor(cfg));
  instrumentHttpErrors(exchange, () => deps.clock.now());
  if (cfg.id !== 'sim') await prepareWebsockets(exchange);
  return exchange;
}

/** ccxt dials `ws://` URLs (a local sim-server) only after loading its proxy agent. */
async function prepareWebsockets(exchange: Exchange): Promise<void> {
  if (hasPlainWsUrl((exchange.urls as { api?: unknown } | undefined)?.api)) await exchange.loadHttpProxyAgent();
}

/**
 * A factory for one account's session: each call builds a fresh instance with
 * {@link createExchange}. For `sim` every instance after the first trades on the first one's
 * venue, so a restart rebuilds the client, not the exchange (orders, balances and prices stay).
 */
export function createExchangeFactory(cfg: ExchangeConfig, deps: ExchangeFactoryDeps): () => Promise<Exchange> {
  let venue: SimVenue | undefined;
  return async () => {
    if (cfg.id !== 'sim') return createExchange(cfg, deps);
    const exchange = await buildSim(cfg, deps, venue);
    venue ??= exchange.getVenue();
    instrumentHttpErrors(exchange, () => deps.clock.now());
    return exchange;
  };
}

async function buildSim(cfg: ExchangeConfig, deps: ExchangeFactoryDeps, venue?: SimVenue): Promise<SimExchange> {
  // Imported here, not at the top: the simulator's module loads ccxt's base class as it loads,
  // which an engine on a real exchange never needs.
  const { createSimExchange } = await import('../sim/create-sim-exchange.js');
  const knobs = { ...cfg.options, ...cfg.sim };
  const exchange = createSimExchange(knobs, venue ? { clock: deps.clock, venue } : { clock: deps.clock });
  if (cfg.urls) exchange.urls = applyUrlOverrides(exchange.urls, cfg.urls) as Exchange['urls'];
  return exchange;
}

/** ccxt.pro's class of the id (its REST class plus the watch* methods, which streaming needs), else the REST class. */
async function classFor(cfg: ExchangeConfig): Promise<ExchangeClass> {
  return ((cfg.stream ?? 'auto') !== 'off' ? await loadExchangeClass(cfg.id, true) : undefined) ?? ccxtClass(cfg.id);
}

function buildCcxt(cfg: ExchangeConfig, deps: ExchangeFactoryDeps, ExchangeCtor: ExchangeClass): Exchange {
  // The config's `options:` is ccxt's exchange-specific `options` object (fetchCurrencies,
  // defaultType, …), not the constructor's top level, where a key would shadow a method.
  // Reconciliation lists the account's open orders without a symbol on purpose (to adopt orders
  // the journal does not know); ccxt's binance classes refuse that unless told it is intended.
  const userFetchOpenOrders = (cfg.options['fetchOpenOrders'] ?? {}) as Record<string, unknown>;
  const options: Record<string, unknown> = {
    options: { ...cfg.options, fetchOpenOrders: { warnWithoutSymbol: false, ...userFetchOpenOrders } },
  };
  if (cfg.apiKey !== null) options['apiKey'] = cfg.apiKey;
  if (cfg.secret !== null) options['secret'] = cfg.secret;
  if (cfg.password !== null) options['password'] = cfg.password;
  Object.assign(options, cfg.credentials);
  options['timeout'] = cfg.timeoutMs;
  // ccxt's limiter is per instance and FIFO; the session's budget is per account and by priority.
  options['enableRateLimit'] = false;
  const exchange = new ExchangeCtor(options);
  // A venue clock that disagrees with ours makes every signed call fail (InvalidNonce). Classes
  // that can sign with the venue's time (Binance's family) learn the offset in loadMarkets,
  // before the first signed call, unless the config decides otherwise.
  if ('adjustForTimeDifference' in exchange.options && cfg.options['adjustForTimeDifference'] === undefined) {
    exchange.options['adjustForTimeDifference'] = true;
  }
  if (cfg.urls) exchange.urls = applyUrlOverrides(exchange.urls, cfg.urls) as Exchange['urls'];
  deps.logger.debug(
    { exchange: cfg.id, urls: cfg.urls ? Object.keys(cfg.urls) : [], timeoutMs: cfg.timeoutMs },
    'built ccxt exchange',
  );
  return exchange;
}

/** The ccxt class for `id`, or a UserError that lists the closest ccxt ids. */
async function ccxtClass(id: string): Promise<ExchangeClass> {
  const ctor = await loadExchangeClass(id, false);
  if (ctor) return ctor;
  const ids = await exchangeIdList(false);
  const close = closestIds(id, ['sim', ...ids], 3);
  const hint = close.length > 0 ? ` Did you mean ${close.map((c) => `\`${c}\``).join(', ')}?` : '';
  throw new UserError(
    `exchange.id: unknown exchange \`${id}\`.${hint} Use \`sim\` for the simulated exchange or one of ccxt's ${ids.length} ids (ccxt.exchanges).`,
  );
}

function closestIds(id: string, candidates: readonly string[], max: number): string[] {
  const word = id.toLowerCase();
  const limit = Math.min(4, Math.max(1, Math.floor(word.length / 3)));
  return candidates
    .map((c) => ({ c, d: c.startsWith(word) && word.length >= 3 ? 0.5 : editDistance(word, c) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, max)
    .map((x) => x.c);
}
