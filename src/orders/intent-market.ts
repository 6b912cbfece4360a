import { coerceError } from '../core/errors.js';
import { clientIdKeysOf } from './client-id-keys.js';
import { parseIntent, type OrderIntent } from './intent.js';
import { checkOrderKind, type KindsExchange } from './order-kinds.js';
import { unlistedSymbolWords, type SymbolContext } from './symbol-hint.js';

type MinMax = { min?: number | undefined } | undefined;

/** The synchronous market helpers of a ccxt exchange that fitting an intent needs. */
export interface MarketView {
  markets?: Record<string, unknown> | undefined;
  market(symbol: string): { symbol?: string | undefined; limits?: { amount?: MinMax; price?: MinMax } | undefined };
  priceToPrecision(symbol: string, price: number): string | undefined;
  amountToPrecision(symbol: string, amount: number): string | undefined;
  /** ccxt's options; `defaultType` steers a suggestion for an unknown symbol. */
  options?: Record<string, unknown> | undefined;
}

/** An intent as the market will take it, or why the market cannot take it. */
export interface FittedIntent {
  intent: OrderIntent;
  /** Why the intent is `rejected` before anything is sent; null when it can go out. */
  rejected: string | null;
  /** The intent's key the rejection is about; null when it can go out. */
  field: 'symbol' | 'amount' | 'price' | null;
}

/**
 * Fits a parsed intent to the exchange's market, so what is journaled is what the exchange will
 * hold: the unified symbol, the price and amount rounded as ccxt rounds them in createOrder. A
 * symbol the exchange does not list, or an amount or price that rounds to nothing, is a
 * rejection with its reason. With no markets loaded yet nothing is judged or changed. With
 * `suggest` (a refusal answered at once), an unknown symbol's reason carries the nearest listed
 * one, chosen by that context (`unknown symbol BTCUSDT: the exchange does not list it; did you
 * mean BTC/USD:USD?`); without, it is `unknown symbol BTCUSDT`, as journaled.
 */
export function fitIntentToMarket(intent: OrderIntent, exchange: MarketView, suggest?: SymbolContext): FittedIntent {
  const markets = exchange.markets;
  if (!markets || Object.keys(markets).length === 0) return { intent, rejected: null, field: null };
  if (!isListed(exchange, intent.symbol)) {
    const rejected = suggest === undefined ? `unknown symbol ${intent.symbol}` : unlistedSymbolWords(intent.symbol, exchange, suggest);
    return { intent, rejected, field: 'symbol' };
  }
  const symbol = exchange.market(intent.symbol).symbol ?? intent.symbol;
  const amount = toPrecision(exchange, symbol, 'amount', intent.amount);
  if (typeof amount === 'string') return { intent, rejected: amount, field: 'amount' };
  const price = intent.price === null ? null : toPrecision(exchange, symbol, 'price', intent.price);
  if (typeof price === 'string') return { intent, rejected: price, field: 'price' };
  return { intent: { ...intent, symbol, amount, price }, rejected: null, field: null };
}

/** `value` rounded as ccxt rounds it in createOrder, or why it cannot go out (a sentence ending with the next step). */
function toPrecision(exchange: MarketView, symbol: string, field: 'amount' | 'price', value: number): number | string {
  let rounded: number;
  try {
    rounded = Number(field === 'amount' ? exchange.amountToPrecision(symbol, value) : exchange.priceToPrecision(symbol, value));
  } catch (error: unknown) {
    const message = coerceError(error).message;
    // ccxt throws for a value below one step of the precision ("must be greater than minimum amount precision of 0.001").
    if (!/must be greater than minimum/.test(message)) return `${message} (${symbol} ${field} precision)`;
    rounded = 0;
  }
  if (rounded > 0) return rounded;
  let min: number | undefined;
  try {
    min = exchange.market(symbol).limits?.[field]?.min;
  } catch {
    // No limits to quote: the sentence says what to do without the figure.
  }
  return `${field} ${value} rounds to 0 at ${symbol}'s ${field} precision; give ${min === undefined ? `a larger ${field}` : `at least ${min}, the market's minimum ${field}`}`;
}

/** True when the exchange lists `symbol` (a unified symbol, or an id ccxt maps to one). */
export function isListed(exchange: MarketView, symbol: string): boolean {
  const markets = exchange.markets;
  if (!markets) return true;
  // The common case first: a listed unified symbol is a key (no count of the markets).
  if (Object.prototype.hasOwnProperty.call(markets, symbol)) return true;
  if (Object.keys(markets).length === 0) return true;
  try {
    exchange.market(symbol);
    return true;
  } catch {
    return false;
  }
}

/**
 * The market's checks of an order as it will go out, one copy for new intents and amends:
 * {@link fitIntentToMarket} (precision, unknown symbols), then `checkOrderKind` on the rounded
 * intent (the exchange's `has`, the market's amount, price and cost limits). Throws
 * `IntentError` for what the market can never take.
 */
export function checkIntentForMarket(intent: OrderIntent, exchange: MarketView, suggest?: SymbolContext, lastPrice?: LastPriceOf): FittedIntent {
  const fitted = fitIntentToMarket(intent, exchange, suggest);
  if (fitted.rejected === null) checkOrderKind(fitted.intent, exchange as unknown as KindsExchange, fitted.intent.type === 'market' ? lastPrice?.(fitted.intent.symbol) : undefined);
  return fitted;
}

/** The strategy's fresh last price of a symbol, if it has one: what a market order's value is judged at. */
export type LastPriceOf = (symbol: string) => number | undefined;

/**
 * Everything that stands between a `pending_orders` entry and the journal, in one place:
 * {@link parseIntent} with the exchange's own client-id names, then {@link checkIntentForMarket}
 * (`suggest`: see {@link fitIntentToMarket}). Throws `IntentError` for an entry that is not a
 * valid order.
 */
export function prepareIntent(entry: unknown, exchange: MarketView, suggest?: SymbolContext, lastPrice?: LastPriceOf): FittedIntent {
  const intent = parseIntent(entry, { clientIdKeys: clientIdKeysOf(exchange) });
  return checkIntentForMarket(intent, exchange, suggest, lastPrice);
}
