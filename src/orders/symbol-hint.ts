import { editDistance } from '../config/suggest.js';

/** What a suggestion reads of the exchange: its markets, ccxt's id look-up, its options (`defaultType`). */
export interface SymbolView {
  markets?: Record<string, unknown> | undefined;
  market(symbol: string): { symbol?: string | undefined };
  options?: Record<string, unknown> | undefined;
}

/** A contract (a perpetual swap, a future) or a cash market: what a suggestion prefers among equally near markets. */
export type MarketKind = 'contract' | 'spot';

/** What a suggestion is chosen among and by. */
export interface SymbolContext {
  /** The symbols of our unfinished orders: suggested first (a cancel is about them). @defaultValue none */
  ours?: readonly string[];
  /**
   * The strategy's markets (its watch list, its orders'): among markets equally near, the kind
   * most of them are is suggested. @defaultValue none: the exchange's default type decides
   */
  related?: readonly string[];
}

interface MarketFields {
  id?: unknown;
  base?: unknown;
  quote?: unknown;
  type?: unknown;
  spot?: unknown;
  contract?: unknown;
}

const compact = (s: string): string => s.replace(/[^a-z0-9]/gi, '').toUpperCase();
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const CONTRACT_TYPES = new Set(['swap', 'future', 'delivery', 'linear', 'inverse', 'option']);

function kindOf(market: MarketFields | undefined): MarketKind | null {
  if (market === undefined) return null;
  if (market.contract === true || CONTRACT_TYPES.has(text(market.type))) return 'contract';
  if (market.spot === true || market.type === 'spot' || market.type === 'margin') return 'spot';
  return null;
}

/**
 * The kind of market a near miss most plausibly meant when a spot market and a contract are
 * equally near (`BTCUSDT` on an exchange listing BTC/USD and BTC/USD:USD): the kind most of
 * `related` are (the strategy trades perpetuals, or cash), else the exchange's `defaultType`
 * (the config's `exchange.options`, or the ccxt class's own: swap or future → contract, spot or
 * margin → spot), else none.
 */
export function preferredKind(exchange: SymbolView, related: readonly string[]): MarketKind | null {
  const markets = exchange.markets ?? {};
  let contracts = 0;
  let spots = 0;
  for (const s of related) {
    const kind = kindOf(markets[s] as MarketFields | undefined);
    if (kind === 'contract') contracts++;
    if (kind === 'spot') spots++;
  }
  if (contracts !== spots) return contracts > spots ? 'contract' : 'spot';
  const type = text(exchange.options?.['defaultType']);
  if (CONTRACT_TYPES.has(type)) return 'contract';
  return type === 'spot' || type === 'margin' ? 'spot' : null;
}

/**
 * The symbol `word` most plausibly meant, among `symbols`. A market is as near as the nearest of
 * the ways it may be written (its symbol, its exchange id, its base and quote run together, its
 * base alone), letters and digits only, any case: `BTCUSDT` is 1 from both BTC/USD (id BTC_USD)
 * and BTC/USD:USD (id BTCUSD). Equally near, the market whose id (or, for a word written as a
 * unified symbol with a `/`, whose symbol) is nearest as written wins, separators and all (the
 * word looks like that market's id), then one of the `prefer` kind, then the first listed. At most a third of the word away (1 to 4), or a longer form that
 * starts with it, as config typos are judged.
 */
export function nearestSymbol(word: string, symbols: readonly string[], markets: Record<string, unknown>, prefer: MarketKind | null = null): string | undefined {
  const target = compact(word);
  // No market is written in more than a few dozen letters: a longer word is near none, and its
  // distances (length × length per form, every market) would hold the event loop for seconds.
  if (target === '' || target.length > MAX_WORD) return undefined;
  const limit = Math.min(4, Math.max(1, Math.floor(target.length / 3)));
  const upper = word.toUpperCase();
  // How near the word is as written, separators and all: to the symbol for a word written as one
  // (`BTC/USDT` is a spot symbol's shape), to the id for a word that names more than a base
  // (`BTCUSDT` is the sim perpetual's BTCUSD, not the spot's BTC_USD); a base alone tells nothing.
  const asWritten = (m: MarketFields, symbol: string): number => {
    if (word.includes('/')) return editDistance(upper, symbol.toUpperCase());
    const id = text(m.id);
    return id !== '' && target.length > compact(text(m.base)).length + 1 ? editDistance(upper, id.toUpperCase()) : 0;
  };
  let best: { symbol: string; score: readonly number[] } | undefined;
  for (const symbol of symbols) {
    const m = (markets[symbol] ?? {}) as MarketFields;
    const forms = [compact(symbol), compact(text(m.id)), compact(text(m.base) + text(m.quote)), compact(text(m.base))].filter((f) => f !== '');
    // A form longer or shorter than the word by more than the limit is farther than the limit.
    let distance = Math.min(...forms.map((f) => (Math.abs(f.length - target.length) > limit ? Infinity : editDistance(target, f))));
    // A truncated name (`BTCU` for BTCUSD) is a typo however many letters are missing.
    if (target.length >= 4 && forms.some((f) => f.startsWith(target))) distance = Math.min(distance, limit);
    if (distance > limit) continue;
    const score = [distance, asWritten(m, symbol), prefer !== null && kindOf(m) === prefer ? 0 : 1];
    if (best === undefined || before(score, best.score)) best = { symbol, score };
  }
  return best?.symbol;
}

/** The longest word {@link nearestSymbol} looks for (letters and digits). */
const MAX_WORD = 64;

function before(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return false;
}

/**
 * The listed symbol an unknown `word` most plausibly meant ({@link nearestSymbol}): among `ours`
 * first, then every market, preferring among equals the kind of the strategy's markets
 * ({@link preferredKind}). Undefined when none is near, or with no markets loaded.
 */
export function suggestSymbol(word: string, exchange: SymbolView, context: SymbolContext = {}): string | undefined {
  const markets = exchange.markets ?? {};
  const ours = context.ours ?? [];
  const prefer = preferredKind(exchange, [...(context.related ?? []), ...ours]);
  return nearestSymbol(word, ours, markets, prefer) ?? nearestSymbol(word, Object.keys(markets), markets, prefer);
}

/** `unknown symbol X: the exchange does not list it; did you mean Y?` (or `.` with nothing near): one sentence for every refusal of a symbol. */
export function unlistedSymbolWords(symbol: string, exchange: SymbolView, context: SymbolContext = {}): string {
  const near = suggestSymbol(symbol, exchange, context);
  return `unknown symbol ${shown(symbol)}: the exchange does not list it${near === undefined ? '.' : `; did you mean ${near}?`}`;
}

/**
 * The unified symbol ccxt reads `symbol` as when `symbol` is not itself a listed symbol but the
 * exchange's id of a market (`BTCUSDT` for `BTC/USDT:USDT`); undefined otherwise, and with no
 * markets loaded.
 */
export function unifiedSymbolOf(symbol: string, exchange: SymbolView): string | undefined {
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
 * a listed unified symbol, one of `context.ours` (the symbols of our unfinished orders, listed or
 * not: a delisting leaves orders resting there), or when no markets are loaded (nothing to judge
 * by). An exchange id is refused too, with the unified symbol to write instead: the control API
 * takes unified symbols only, on every route alike. The sentence ends with `.` or `?`.
 */
export function symbolRefusal(symbol: string, exchange: SymbolView, context: SymbolContext = {}): string | null {
  const markets = exchange.markets;
  if (!markets || Object.prototype.hasOwnProperty.call(markets, symbol) || (context.ours ?? []).includes(symbol)) return null;
  if (Object.keys(markets).length === 0) return null;
  const unified = unifiedSymbolOf(symbol, exchange);
  if (unified !== undefined) return `unknown symbol ${shown(symbol)}: that is the exchange's id of a market; give the unified symbol: did you mean ${unified}?`;
  return unlistedSymbolWords(symbol, exchange, context);
}

/** A symbol as quoted back in a refusal: whole when it is of a symbol's length, else its start and length. */
function shown(symbol: string): string {
  return symbol.length <= 80 ? symbol : `${JSON.stringify(symbol.slice(0, 40))}… (${symbol.length} characters)`;
}
