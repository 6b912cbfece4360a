import type { OrderSide } from './order.js';

/** Which unfinished orders `orders.cancelAll` cancels; an absent key matches every order. */
export interface CancelAllFilter {
  symbol?: string;
  side?: OrderSide;
}

/**
 * Checks `orders.cancelAll`'s argument. A filter it cannot read must neither widen a mass cancel
 * to every order (a symbol passed as a bare string has no `symbol` key) nor match none (a side
 * spelt `'BUY'`): it throws a TypeError saying what to write.
 */
export function checkCancelAllFilter(filter: unknown): CancelAllFilter {
  if (filter === undefined) return {};
  const form = "give {symbol?: 'BTC/USDT:USDT', side?: 'buy' | 'sell'} or nothing";
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new TypeError(`orders.cancelAll: the filter must be an object, got ${JSON.stringify(filter) ?? String(filter)}; ${form}`);
  }
  const f = filter as Record<string, unknown>;
  for (const key of Object.keys(f)) {
    if (key !== 'symbol' && key !== 'side') throw new TypeError(`orders.cancelAll: unknown filter key ${JSON.stringify(key)}; ${form}`);
  }
  if (f['symbol'] !== undefined && (typeof f['symbol'] !== 'string' || f['symbol'] === '')) {
    throw new TypeError(`orders.cancelAll: symbol must be a non-empty string, got ${JSON.stringify(f['symbol'])}`);
  }
  if (f['side'] !== undefined && f['side'] !== 'buy' && f['side'] !== 'sell') {
    throw new TypeError(`orders.cancelAll: side must be 'buy' or 'sell', got ${JSON.stringify(f['side'])}`);
  }
  return f as CancelAllFilter;
}
