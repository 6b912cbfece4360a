import type { Exchange, Order } from 'ccxt';
import { InvalidOrder, OrderNotFound } from './ccxt-lib.js';

/**
 * Prefix of the id misso gives a Binance algo order (a conditional order not triggered yet):
 * algo ids and order ids are separate numberings on Binance, so the prefix keeps them apart.
 */
export const ALGO_ID_PREFIX = 'algo:';

type Params = Record<string, unknown>;
type AnyFn = (...args: never[]) => unknown;

// ccxt's unified conditional params: any of them sends a linear-swap order to the algo API.
const TRIGGER_KEYS = ['triggerPrice', 'stopPrice', 'stopLossPrice', 'takeProfitPrice', 'trailingPercent', 'callbackRate'] as const;
const TRIGGER_FLAGS = ['trigger', 'stop', 'conditional'] as const;
// Algo statuses after which the order lives on as a regular order (Binance: Event Algo Order Update).
const HANDED_OVER = new Set(['TRIGGERED', 'FINISHED']);

/**
 * Whether `exchange` sends conditional orders on `symbol` (or, without one, on its default
 * market type) to Binance's algo-order API, as ccxt does for linear swaps outside portfolio margin.
 */
export function usesAlgoOrders(exchange: Exchange, symbol?: string): boolean {
  if (typeof (exchange as unknown as Record<string, unknown>)['fapiPrivatePostAlgoOrder'] !== 'function') return false;
  const options = (exchange.options ?? {}) as Record<string, unknown>;
  if (options['portfolioMargin'] === true || options['papi'] === true) return false;
  if (symbol === undefined) return ['swap', 'future'].includes(String(options['defaultType'])) && options['defaultSubType'] !== 'inverse';
  if (!exchange.markets?.[symbol]) return false;
  const market = exchange.market(symbol);
  return market.linear === true && market.swap === true;
}

/** Whether ccxt params make a conditional order. */
export function isTriggerParams(params: Params | undefined): boolean {
  return params !== undefined && TRIGGER_KEYS.some((k) => params[k] !== undefined);
}

/**
 * Folds Binance USD-M's algo orders into the ordinary order calls, so that a trigger order is
 * placed, looked up, listed and cancelled like any other order, by the same client order id:
 * - before it triggers its id is `algo:<algoId>` and lookups, cancels and open-order listings go
 *   to the algo-order API (ccxt's `trigger: true`);
 * - once triggered, Binance places a regular order with the same client id (the algo order's
 *   `actualOrderId`), and every lookup answers with that order: its status, fills and id;
 * - a lookup by client id tries the regular order first, then the algo order.
 * Open algo orders are listed with the open orders (one more request) at the first listing, after
 * a trigger order was placed, and while the last account-wide listing found some. Other
 * exchanges and calls pass through untouched.
 */
export function foldAlgoOrders(inner: Exchange): Exchange {
  const fold = new AlgoFold(inner);
  const methods: Record<string, AnyFn> = {
    createOrder: fold.createOrder.bind(fold),
    fetchOrder: fold.fetchOrder.bind(fold),
    fetchOpenOrders: fold.fetchOpenOrders.bind(fold),
    fetchOrders: fold.fetchOrders.bind(fold),
    cancelOrder: fold.cancelOrder.bind(fold),
    editOrder: fold.editOrder.bind(fold),
  };
  for (const name of Object.keys(methods)) methods[name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = methods[name]!;
  return new Proxy(inner, {
    get: (target, prop) => (typeof prop === 'string' && prop in methods ? methods[prop] : Reflect.get(target, prop, target)),
  });
}

/**
 * One order pushed by the user stream (ccxt.pro's `watchOrders`), folded like a polled answer:
 * an `ALGO_UPDATE` for an order waiting for its trigger keeps it open under its `algo:` id; one
 * saying it was handed over (triggered, finished) is dropped, since the regular order's own
 * updates carry the truth (ccxt would read those statuses as `closed`, as if filled); a cancel,
 * expiry or rejection stands. Anything else is returned as it is.
 */
export function foldAlgoStreamOrder<T extends { id?: string | undefined; status?: string | undefined }>(raw: T): T | null {
  const info = (raw as { info?: unknown }).info;
  if (typeof info !== 'object' || info === null || !('aid' in info) || !('caid' in info)) return raw;
  const fields = info as Record<string, unknown>;
  const status = String(fields['X'] ?? '');
  if (HANDED_OVER.has(status)) return null;
  const id = `${ALGO_ID_PREFIX}${String(fields['aid'])}`;
  return (status === 'NEW' || status === 'TRIGGERING' ? { ...raw, id, status: 'open', filled: undefined } : { ...raw, id }) as T;
}

class AlgoFold {
  readonly #inner: Exchange;
  /** Whether the next open-orders listing also lists algo orders. */
  #listAlgo = true;

  constructor(inner: Exchange) {
    this.#inner = inner;
  }

  async createOrder(symbol: string, type: string, side: string, amount: number, price?: number, params: Params = {}): Promise<Order> {
    const ex = this.#inner;
    if (!isTriggerParams(params) || !usesAlgoOrders(ex, symbol)) return ex.createOrder(symbol, type as 'limit', side as 'buy', amount, price, params);
    this.#listAlgo = true;
    return marked(await ex.createOrder(symbol, type as 'limit', side as 'buy', amount, price, params));
  }

  async fetchOrder(id: string, symbol?: string, params: Params = {}): Promise<Order> {
    const ex = this.#inner;
    if (symbol === undefined || !usesAlgoOrders(ex, symbol)) return ex.fetchOrder(id, symbol, params);
    // Asked in ccxt's own words (`trigger: true`), the algo order itself is the answer.
    if (hasTriggerFlag(params)) return marked(await ex.fetchOrder(isAlgoId(id) ? algoIdOf(id) : id, symbol, params));
    if (isAlgoId(id)) return this.#handedOver(await ex.fetchOrder(algoIdOf(id), symbol, { ...params, trigger: true }), symbol);
    const byClientId = !id && params['clientOrderId'] !== undefined;
    if (!byClientId) return ex.fetchOrder(id, symbol, params);
    try {
      return await ex.fetchOrder(id, symbol, params);
    } catch (error: unknown) {
      if (!(error instanceof OrderNotFound)) throw error;
    }
    // Not in the matching engine: an algo order waiting for its trigger, or nothing at all.
    return this.#handedOver(await ex.fetchOrder('', symbol, { ...params, trigger: true }), symbol);
  }

  async fetchOpenOrders(symbol?: string, since?: number, limit?: number, params: Params = {}): Promise<Order[]> {
    const ex = this.#inner;
    const regular = await ex.fetchOpenOrders(symbol, since, limit, params);
    if (hasTriggerFlag(params)) return regular.map(marked);
    if (!usesAlgoOrders(ex, symbol) || !this.#listAlgo) return regular;
    const algo = await ex.fetchOpenOrders(symbol, since, limit, { ...params, trigger: true });
    // Only an account-wide listing can tell that no algo order is left to list.
    if (symbol === undefined || algo.length > 0) this.#listAlgo = algo.length > 0;
    return [...regular, ...algo.map(marked)];
  }

  async fetchOrders(symbol?: string, since?: number, limit?: number, params: Params = {}): Promise<Order[]> {
    const ex = this.#inner;
    const regular = await ex.fetchOrders(symbol, since, limit, params);
    if (hasTriggerFlag(params)) return regular.map(marked);
    if (symbol === undefined || !usesAlgoOrders(ex, symbol)) return regular;
    const algo = await ex.fetchOrders(symbol, since, limit, { ...params, trigger: true });
    const regularIds = new Set(regular.map((o) => o.id));
    const folded = algo.flatMap((o) => {
      if (!HANDED_OVER.has(algoStatusOf(o))) return [marked(o)];
      // The regular order it became answers for it; until that one is visible it still waits.
      return regularIds.has(actualOrderIdOf(o)) ? [] : [waiting(o)];
    });
    return [...regular, ...folded];
  }

  async cancelOrder(id: string, symbol?: string, params: Params = {}): Promise<Order> {
    const ex = this.#inner;
    if (!isAlgoId(id) || symbol === undefined || !usesAlgoOrders(ex, symbol)) return ex.cancelOrder(id, symbol, params);
    const answer = marked(await ex.cancelOrder(algoIdOf(id), symbol, { ...params, trigger: true }));
    // Binance confirms an algo cancel with {code: 200, msg: "success"} and no status.
    return { ...answer, status: answer.status ?? 'canceled' };
  }

  async editOrder(id: string, symbol: string, type: string, side: string, amount?: number, price?: number, params: Params = {}): Promise<Order> {
    if (isAlgoId(id)) {
      throw new InvalidOrder(`${this.#inner.id} cannot modify a conditional order before it triggers (${id}); cancel it and place a new one`);
    }
    return this.#inner.editOrder(id, symbol, type as 'limit', side as 'buy', amount, price, params);
  }

  /** An algo order as misso sees it: itself until it triggers, then the regular order it became. */
  async #handedOver(algo: Order, symbol: string): Promise<Order> {
    if (!HANDED_OVER.has(algoStatusOf(algo))) return marked(algo);
    const actual = actualOrderIdOf(algo);
    if (actual !== '') {
      try {
        return await this.#inner.fetchOrder(actual, symbol);
      } catch (error: unknown) {
        if (!(error instanceof OrderNotFound)) throw error;
      }
    }
    return waiting(algo);
  }
}

function hasTriggerFlag(params: Params): boolean {
  return TRIGGER_FLAGS.some((k) => params[k] !== undefined);
}

function isAlgoId(id: unknown): id is string {
  return typeof id === 'string' && id.startsWith(ALGO_ID_PREFIX);
}

function algoIdOf(id: string): string {
  return id.slice(ALGO_ID_PREFIX.length);
}

function marked(o: Order): Order {
  return o.id === undefined || isAlgoId(o.id) ? o : { ...o, id: `${ALGO_ID_PREFIX}${o.id}` };
}

function infoOf(o: Order): Record<string, unknown> {
  return typeof o.info === 'object' && o.info !== null ? (o.info as Record<string, unknown>) : {};
}

function algoStatusOf(o: Order): string {
  return String(infoOf(o)['algoStatus'] ?? '');
}

function actualOrderIdOf(o: Order): string {
  return String(infoOf(o)['actualOrderId'] ?? '');
}

/** A triggered algo order whose regular order cannot be seen yet: still open, nothing filled known. */
function waiting(o: Order): Order {
  return { ...marked(o), status: 'open', filled: undefined as unknown as number, remaining: undefined as unknown as number };
}
