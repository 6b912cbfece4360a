import { closest } from '../config/suggest.js';
import type { MarketView } from './intent-market.js';

const compact = (s: string): string => s.replace(/[^a-z0-9]/gi, '').toUpperCase();

/** The symbol `word` most plausibly meant, written as the symbol, its letters, or base + quote. */
export function nearestSymbol(word: string, symbols: readonly string[], markets: Record<string, unknown>): string | undefined {
  const forms = new Map<string, string>();
  for (const s of symbols) {
    const m = markets[s] as { base?: unknown; quote?: unknown } | undefined;
    // A bare base currency (`BTC`) names its market too.
    const base = typeof m?.base === 'string' ? compact(m.base) : '';
    for (const form of [s, compact(s), typeof m?.base === 'string' && typeof m.quote === 'string' ? compact(m.base + m.quote) : '', base]) {
      if (form !== '' && !forms.has(form)) forms.set(form, s);
    }
  }
  const exact = forms.get(compact(word));
  if (exact !== undefined) return exact;
  const near = closest(word, forms.keys()) ?? closest(compact(word), forms.keys());
  return near === undefined ? undefined : forms.get(near);
}

/**
 * The unified symbol ccxt reads `symbol` as when `symbol` is not itself a listed symbol but the
 * exchange's id of a market (`BTCUSDT` for `BTC/USDT:USDT`); undefined otherwise, and with no
 * markets loaded.
 */
export function unifiedSymbolOf(symbol: string, exchange: MarketView): string | undefined {
  const markets = exchange.markets;
  if (!markets || Object.prototype.hasOwnProperty.call(markets, symbol)) return undefined;
  try {
    const unified = exchange.market(symbol).symbol;
    return unified !== undefined && unified !== symbol ? unified : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why an operator's `symbol` is refused, in words that end with the next step, or null when it is
 * a listed unified symbol, one of `ours` (the symbols of our unfinished orders, listed or not: a
 * delisting leaves orders resting there), or when no markets are loaded (nothing to judge by).
 * An exchange id is refused too, with the unified symbol to write instead: the control API takes
 * unified symbols only, on every route alike. The sentence ends with `.` or `?`.
 */
export function symbolRefusal(symbol: string, exchange: MarketView, ours: readonly string[] = []): string | null {
  const markets = exchange.markets;
  if (!markets || Object.prototype.hasOwnProperty.call(markets, symbol) || ours.includes(symbol)) return null;
  const symbols = Object.keys(markets);
  if (symbols.length === 0) return null;
  const unified = unifiedSymbolOf(symbol, exchange);
  if (unified !== undefined) return `unknown symbol ${symbol}: that is the exchange's id of a market; give the unified symbol: did you mean ${unified}?`;
  const near = nearestSymbol(symbol, ours, markets) ?? nearestSymbol(symbol, symbols, markets);
  return `unknown symbol ${symbol}: the exchange does not list it${near === undefined ? '.' : `; did you mean ${near}?`}`;
}
