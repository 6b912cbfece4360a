import { isListed, type MarketView } from './intent-market.js';
import type { Order, OrderSide } from './order.js';
import { unlistedSymbolWords } from './symbol-hint.js';

/** Which unfinished orders `orders.cancelAll` cancels; an absent key matches every order. */
export interface CancelAllFilter {
  symbol?: string;
  side?: OrderSide;
}

/**
 * A filter `orders.cancelAll` refuses, cancelling nothing: one it cannot read, or a symbol the
 * exchange does not list. A `TypeError`, as every refusal of the filter has been.
 */
export class CancelFilterError extends TypeError {
  override name = 'CancelFilterError';

  constructor(
    message: string,
    /** The filter key at fault, null when the filter as a whole is. */
    readonly field: 'symbol' | 'side' | null,
  ) {
    super(message);
  }
}

/**
 * Checks `orders.cancelAll`'s argument. A filter it cannot read must neither widen a mass cancel
 * to every order (a symbol passed as a bare string has no `symbol` key) nor match none (a side
 * that is neither buy nor sell): it throws a {@link CancelFilterError} saying what to write. A
 * side in any case (`'BUY'`) is taken, as an order's is. With `market`, the
 * symbol is also checked against the exchange's markets ({@link listedCancelSymbol}).
 */
export function checkCancelAllFilter(filter: unknown, market?: { exchange: MarketView; orders: readonly Order[] }): CancelAllFilter {
  if (filter === undefined) return {};
  const form = "give {symbol?: 'BTC/USDT:USDT', side?: 'buy' | 'sell'} or nothing";
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new CancelFilterError(`orders.cancelAll: the filter must be an object, got ${JSON.stringify(filter) ?? String(filter)}; ${form}`, null);
  }
  const f = filter as Record<string, unknown>;
  for (const key of Object.keys(f)) {
    if (key !== 'symbol' && key !== 'side') throw new CancelFilterError(`orders.cancelAll: unknown filter key ${JSON.stringify(key)}; ${form}`, null);
  }
  if (f['symbol'] !== undefined && (typeof f['symbol'] !== 'string' || f['symbol'] === '')) {
    throw new CancelFilterError(`orders.cancelAll: symbol must be a non-empty string, got ${JSON.stringify(f['symbol'])}`, 'symbol');
  }
  const side = typeof f['side'] === 'string' ? f['side'].toLowerCase() : f['side'];
  if (side !== undefined && side !== 'buy' && side !== 'sell') {
    throw new CancelFilterError(`orders.cancelAll: side must be 'buy' or 'sell', got ${JSON.stringify(f['side'])}`, 'side');
  }
  const checked = (side === undefined ? f : { ...f, side }) as CancelAllFilter;
  if (market === undefined || checked.symbol === undefined) return checked;
  const ours = [...new Set(market.orders.filter((o) => !o.isFinal).map((o) => o.symbol))];
  return { ...checked, symbol: listedCancelSymbol(checked.symbol, market.exchange, ours) };
}

/**
 * The unified symbol a cancel filter's `symbol` names (an exchange id such as `BTCUSDT` maps to
 * its market, as in createOrder). A symbol the exchange does not list would match no order and
 * look like a cancel that worked, so it is refused, with the nearest symbol (ours first) when
 * one is close. A symbol of one of `ours` (the symbols of our unfinished orders) is accepted even
 * when the markets no longer list it: a delisting leaves orders resting there, and cancelling
 * them is what matters most. With no markets loaded the symbol is taken as written.
 */
export function listedCancelSymbol(symbol: string, exchange: MarketView, ours: readonly string[]): string {
  if (ours.includes(symbol)) return symbol;
  if (isListed(exchange, symbol)) return exchange.markets?.[symbol] ? symbol : (exchange.market(symbol).symbol ?? symbol);
  throw new CancelFilterError(`orders.cancelAll: ${unlistedSymbolWords(symbol, exchange, { ours })} Nothing was cancelled.`, 'symbol');
}
