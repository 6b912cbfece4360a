/**
 * An order's value in USD, for `orders.risk.max_notional_usd`. A market's quote currency is not
 * always USD: a linear market quoted in a dollar stablecoin is valued at par, an inverse contract
 * (BTC/USD:BTC) is worth its contracts times the contract size in USD whatever the price, and a
 * market quoted in anything else (ETH/BTC) is valued through a listed market of its quote against
 * a dollar (BTC/USDT), at that market's last price, or of a dollar against it (USDT/TRY).
 */

/** Quote currencies counted as one US dollar. */
const DOLLARS = new Set(['USD', 'USDT', 'USDC', 'BUSD', 'FDUSD', 'TUSD', 'USDP', 'DAI']);

/** The market fields the valuation reads (ccxt's unified market). */
export interface ValuedMarket {
  quote?: string | undefined;
  inverse?: boolean | undefined;
  contractSize?: number | undefined;
}

/** How one unit of amount × price of a market is turned into USD. */
export type UsdRate =
  /** value = amount × price × contractSize × perQuote */
  | { kind: 'linear'; contractSize: number; perQuote: number }
  /** value = amount × contractSize (a contract is worth its size in USD) */
  | { kind: 'inverse'; contractSize: number }
  /** The quote's USD price is needed from `via` (a listed market of the quote against a dollar). */
  | { kind: 'unpriced'; quote: string; via: string | undefined };

/**
 * The markets to look a quote's dollar price up in, best first: the quote against a dollar
 * (BTC/USDT), else a dollar against the quote (USDT/TRY: Binance lists a lira's market that way
 * round), whose price is the quote's per dollar.
 */
function dollarMarkets(quote: string): { symbol: string; reversed: boolean }[] {
  const usds = ['USDT', 'USD', 'USDC'];
  return [
    ...usds.flatMap((usd) => [`${quote}/${usd}`, `${quote}/${usd}:${usd}`].map((symbol) => ({ symbol, reversed: false }))),
    ...usds.map((usd) => ({ symbol: `${usd}/${quote}`, reversed: true })),
  ];
}

/**
 * How `market`'s order values become USD. `listed` says whether a symbol is a market of the
 * exchange; `last` gives a held last price of one (fresh), or undefined.
 */
export function usdRate(market: ValuedMarket, listed: (symbol: string) => boolean, last: (symbol: string) => number | undefined): UsdRate {
  const contractSize = market.contractSize ?? 1;
  const quote = market.quote ?? 'USD';
  if (market.inverse === true && DOLLARS.has(quote)) return { kind: 'inverse', contractSize };
  if (DOLLARS.has(quote)) return { kind: 'linear', contractSize, perQuote: 1 };
  const found = dollarMarkets(quote).find((m) => listed(m.symbol));
  const via = found?.symbol;
  const price = via === undefined ? undefined : last(via);
  if (price === undefined || !(price > 0)) return { kind: 'unpriced', quote, via };
  return { kind: 'linear', contractSize, perQuote: found?.reversed === true ? 1 / price : price };
}

/** The USD value of `amount` at `price` (unused by an inverse contract). */
export function usdValue(rate: Exclude<UsdRate, { kind: 'unpriced' }>, amount: number, price: number): number {
  return rate.kind === 'inverse' ? amount * rate.contractSize : amount * price * rate.contractSize * rate.perQuote;
}

/** The largest amount worth at most `usd` at `price`. */
export function amountForUsd(rate: Exclude<UsdRate, { kind: 'unpriced' }>, usd: number, price: number): number {
  return rate.kind === 'inverse' ? usd / rate.contractSize : usd / (price * rate.contractSize * rate.perQuote);
}

/** Why an order on a market without a dollar quote cannot be valued. */
export function unpricedWhy(rate: Extract<UsdRate, { kind: 'unpriced' }>): string {
  return rate.via === undefined
    ? `its quote currency ${rate.quote} has no market against a dollar on this exchange to value it in USD`
    : `no fresh price of ${rate.via} to value its quote currency ${rate.quote} in USD`;
}
