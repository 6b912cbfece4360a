import { coerceError } from '../core/errors.js';
import { clientIdKeysOf } from './client-id-keys.js';
import { parseIntent, type OrderIntent } from './intent.js';
import { checkOrderKind, type KindsExchange } from './order-kinds.js';

/** The synchronous market helpers of a ccxt exchange that fitting an intent needs. */
export interface MarketView {
  markets?: Record<string, unknown> | undefined;
  market(symbol: string): { symbol?: string | undefined };
  priceToPrecision(symbol: string, price: number): string | undefined;
  amountToPrecision(symbol: string, amount: number): string | undefined;
}

/** An intent as the market will take it, or why the market cannot take it. */
export interface FittedIntent {
  intent: OrderIntent;
  /** Why the intent is `rejected` before anything is sent; null when it can go out. */
  rejected: string | null;
}

/**
 * Fits a parsed intent to the exchange's market, so what is journaled is what the exchange will
 * hold: the unified symbol, the price and amount rounded as ccxt rounds them in createOrder. A
 * symbol the exchange does not list, or an amount or price that rounds to nothing, is a
 * rejection with its reason. With no markets loaded yet nothing is judged or changed.
 */
export function fitIntentToMarket(intent: OrderIntent, exchange: MarketView): FittedIntent {
  const markets = exchange.markets;
  if (!markets || Object.keys(markets).length === 0) return { intent, rejected: null };
  if (!isListed(exchange, intent.symbol)) return { intent, rejected: `unknown symbol ${intent.symbol}` };
  const symbol = exchange.market(intent.symbol).symbol ?? intent.symbol;
  let amount: number;
  let price: number | null = intent.price;
  try {
    amount = Number(exchange.amountToPrecision(symbol, intent.amount));
    if (price !== null) price = Number(exchange.priceToPrecision(symbol, price));
  } catch (error: unknown) {
    return { intent, rejected: `${coerceError(error).message} (${symbol} precision)` };
  }
  if (!(amount > 0)) return { intent, rejected: `amount ${intent.amount} rounds to 0 at ${symbol}'s amount precision` };
  if (price !== null && !(price > 0)) return { intent, rejected: `price ${intent.price} rounds to 0 at ${symbol}'s price precision` };
  return { intent: { ...intent, symbol, amount, price }, rejected: null };
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
export function checkIntentForMarket(intent: OrderIntent, exchange: MarketView): FittedIntent {
  const fitted = fitIntentToMarket(intent, exchange);
  if (fitted.rejected === null) checkOrderKind(fitted.intent, exchange as unknown as KindsExchange);
  return fitted;
}

/**
 * Everything that stands between a `pending_orders` entry and the journal, in one place:
 * {@link parseIntent} with the exchange's own client-id names, then {@link checkIntentForMarket}.
 * Throws `IntentError` for an entry that is not a valid order.
 */
export function prepareIntent(entry: unknown, exchange: MarketView): FittedIntent {
  const intent = parseIntent(entry, { clientIdKeys: clientIdKeysOf(exchange) });
  return checkIntentForMarket(intent, exchange);
}
