import { describeNonNumber, IntentError, type OrderIntent } from './intent.js';
import { ceilSignificant, marketStep, onStep } from './significant.js';

/** The part of a ccxt exchange the order-kind checks read. */
export interface KindsExchange {
  id: string;
  has: Record<string, unknown>;
  markets?: Record<string, unknown> | undefined;
  market(symbol: string): {
    limits?: {
      amount?: { min?: number | undefined; max?: number | undefined } | undefined;
      price?: { min?: number | undefined; max?: number | undefined } | undefined;
      cost?: { min?: number | undefined; max?: number | undefined } | undefined;
    } | undefined;
    precision?: { amount?: number | undefined; price?: number | undefined } | undefined;
  };
  /** ccxt's precision mode (see `marketStep`). */
  precisionMode?: number | undefined;
}

const TIME_IN_FORCE = ['GTC', 'IOC', 'FOK', 'PO'] as const;
const TRIGGERS = ['triggerPrice', 'stopLossPrice', 'takeProfitPrice'] as const;

/**
 * Checks an intent's order kind against what the exchange says it supports (`has`) and the
 * market's limits, before anything is journaled: post-only (limit orders only, not with IOC or
 * FOK), reduce-only, stop-market / stop-limit / take-profit (ccxt's unified `triggerPrice`,
 * `stopLossPrice`, `takeProfitPrice`; one of them), `timeInForce` GTC / IOC / FOK / PO.
 * Throws {@link IntentError} naming the parameter and what to do.
 */
export function checkOrderKind(intent: OrderIntent, ex: KindsExchange, lastPrice?: number): void {
  const p = intent.params;
  const fail = (msg: string, field?: string): never => {
    // The messages about one parameter start with its name.
    throw new IntentError(`invalid order ${intent.side} ${intent.amount} ${intent.symbol}: ${msg}`, field ?? /^(params\.[A-Za-z]+|amount|price)\b/.exec(msg)?.[1] ?? null);
  };
  const unsupported = (what: string, flag: string, field: string): void => {
    if (ex.has[flag] === false || ex.has[flag] === undefined) fail(`${ex.id} does not support ${what} (has.${flag} is not true)`, field);
  };
  for (const key of ['postOnly', 'reduceOnly'] as const) {
    if (p[key] !== undefined && typeof p[key] !== 'boolean') fail(`params.${key} must be true or false`);
  }
  const tif = p['timeInForce'];
  if (tif !== undefined && (typeof tif !== 'string' || !(TIME_IN_FORCE as readonly string[]).includes(tif))) {
    fail(`params.timeInForce must be one of ${TIME_IN_FORCE.join(', ')}, got ${JSON.stringify(tif)}`);
  }
  if (tif !== undefined && intent.type !== 'limit') fail(`params.timeInForce is for limit orders; remove it from the ${intent.type} order`);
  const postOnly = p['postOnly'] === true || tif === 'PO';
  // The key that asked for post-only.
  const postOnlyKey = p['postOnly'] === true ? 'params.postOnly' : 'params.timeInForce';
  if (postOnly) {
    if (intent.type !== 'limit') fail('a post-only order must be a limit order (give a price)', postOnlyKey);
    if (tif === 'IOC' || tif === 'FOK') fail(`post-only cannot be combined with timeInForce ${String(tif)}`, 'params.timeInForce');
    unsupported('post-only orders', 'createPostOnlyOrder', postOnlyKey);
  }
  if (p['reduceOnly'] === true) unsupported('reduce-only orders', 'createReduceOnlyOrder', 'params.reduceOnly');
  const given = TRIGGERS.filter((k) => p[k] !== undefined);
  if (given.length > 1) fail(`give one of params.${TRIGGERS.join(', params.')}, not ${given.join(' and ')}`, `params.${given[1]!}`);
  const trigger = given[0];
  if (trigger !== undefined) {
    const v = p[trigger];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(`params.${trigger} must be a number > 0, got ${describeNonNumber(v)}`);
    const key = `params.${trigger}`;
    if (postOnly) fail(`a trigger order (${key}) cannot be post-only`, postOnlyKey);
    if (trigger === 'takeProfitPrice') unsupported('take-profit orders', 'createTakeProfitOrder', key);
    else if (intent.type === 'market') unsupported('stop-market orders', 'createStopMarketOrder', key);
    else unsupported('stop-limit orders', 'createStopLimitOrder', key);
  }
  checkLimits(intent, ex, trigger === undefined ? undefined : { key: `params.${trigger}`, value: p[trigger] as number }, fail, lastPrice);
}

/**
 * The market's limits. A market order's value is the amount at `lastPrice` (the strategy's fresh
 * last price, when there is one), as the exchange will value it; without one the exchange judges.
 */
function checkLimits(intent: OrderIntent, ex: KindsExchange, trigger: TriggerPrice | undefined, fail: (msg: string, field?: string) => never, lastPrice?: number): void {
  if (!ex.markets || !(intent.symbol in ex.markets)) return;
  const limits = ex.market(intent.symbol).limits ?? {};
  const { min: aMin, max: aMax } = limits.amount ?? {};
  if (aMin !== undefined && intent.amount < aMin) fail(`amount ${intent.amount} is below the market minimum ${aMin}`);
  if (aMax !== undefined && intent.amount > aMax) fail(`amount ${intent.amount} is above the market maximum ${aMax}`);
  const { min: pMin, max: pMax } = limits.price ?? {};
  for (const [name, field, v] of [['price', 'price', intent.price], ['trigger price', trigger?.key, trigger?.value]] as const) {
    if (v === null || v === undefined) continue;
    if (pMin !== undefined && v < pMin) fail(`${name} ${v} is below the market minimum ${pMin}`, field);
    if (pMax !== undefined && v > pMax) fail(`${name} ${v} is above the market maximum ${pMax}`, field);
  }
  const costMin = limits.cost?.min;
  const estimated = intent.price === null && trigger === undefined && lastPrice !== undefined && Number.isFinite(lastPrice) && lastPrice > 0;
  const price = intent.price ?? trigger?.value ?? (estimated ? lastPrice : undefined);
  if (costMin !== undefined && price !== undefined && intent.params['reduceOnly'] !== true && intent.amount * price < costMin) {
    if (estimated) {
      fail(
        `order value ${intent.amount * price} (the amount at the fresh last price ${price}) is below the market minimum ${costMin}: give an amount of at least ${leastAmount(ex, intent.symbol, costMin / price, aMin)} (reduce-only orders are exempt)`,
        'amount',
      );
    }
    // Named for the amount, what is usually to raise; the sentence gives both ways out, since a
    // mistyped price makes a small value too.
    const priceName = intent.price === null ? 'trigger price' : 'price';
    fail(
      `order value ${intent.amount * price} is below the market minimum ${costMin}: give an amount of at least ${leastAmount(ex, intent.symbol, costMin / price, aMin)} at ${priceName} ${price}, or a ${priceName} of at least ${ceilSignificant(costMin / intent.amount)} for amount ${intent.amount} (reduce-only orders are exempt)`,
      'amount',
    );
  }
}

/**
 * The least amount of at least `x` an order can carry: `x` rounded up to the market's amount step
 * (ccxt truncates to it when sending, so a figure between steps would be refused again), and at
 * least the market's minimum; three significant digits where the step is unknown.
 */
function leastAmount(ex: KindsExchange, symbol: string, x: number, min: number | undefined): number {
  const step = marketStep(ex, symbol, 'amount');
  if (step === undefined) return ceilSignificant(x);
  const stepped = onStep(x, step, 'up');
  return min !== undefined && stepped < min ? min : stepped;
}

/** A trigger order's price: the `params` key it was given under, and its value. */
interface TriggerPrice {
  key: `params.${(typeof TRIGGERS)[number]}`;
  value: number;
}
