import { maintMargin, maintMarginRatio } from './margin-rules.js';
import { cleanNumber } from './universe.js';
import type { SimBalance, SimMarket, SimOrder, SimOrderSide, SimPosition } from './venue-types.js';

/** A swap position in one-way mode: signed size and average entry. */
interface Holding {
  contracts: number;
  entryPrice: number;
}

/** The effect of one fill on the account. */
export interface FillEffect {
  /** In `feeCurrency`, rounded to {@link FEE_DECIMALS}. */
  fee: number;
  feeCurrency: string;
  realizedPnl: number;
}

/** Decimals of a charged fee: Binance's commissions (USD-M and spot assets alike) carry 8. */
export const FEE_DECIMALS = 8;

/** Rounds a fee to {@link FEE_DECIMALS}, as the venue charges it (no `3.9825250000000003`). */
export function roundFee(fee: number): number {
  return Math.round(fee * 10 ** FEE_DECIMALS) / 10 ** FEE_DECIMALS;
}

/** Looks up the current mark price of a symbol. */
export type MarkPriceOf = (symbol: string) => number;

const EPS = 1e-12;

/**
 * The single account of the venue: USD wallet, one-way cross-margin swap positions and spot
 * holdings. Margin of open orders is derived from the open orders on demand, so it can never
 * drift from them. Each position carries a maintenance margin (`margin-rules.ts`); the venue
 * liquidates the account when its margin balance falls to their sum (see `liquidation.ts`), so
 * with the `liquidation` knob on (the default) the wallet never stays below 0. With it off there
 * is no liquidation: equity can go negative and then every new order that needs margin is
 * refused.
 */
export class Account {
  #wallet: number;
  readonly #positions = new Map<string, Holding>();
  readonly #assets = new Map<string, number>();
  /** Realised PnL (before fees) per swap symbol since the start, as Binance's `cr`. */
  readonly #realized = new Map<string, number>();
  readonly #leverage: number;
  /** Leverage set per swap symbol (Binance's initial leverage); the others use `#leverage`. */
  readonly #leverageOf = new Map<string, number>();

  /** @param leverage - applied to every swap market, capped by the market's maximum, until set per symbol. */
  constructor(startingBalanceUsd: number, leverage: number) {
    this.#wallet = startingBalanceUsd;
    this.#leverage = leverage;
  }

  /** The leverage used for `market`. */
  leverageOf(market: SimMarket): number {
    if (market.type !== 'swap') return 1;
    return this.#leverageOf.get(market.symbol) ?? Math.min(this.#leverage, market.maxLeverage);
  }

  /** Sets a swap symbol's leverage (checked by the caller against the market's maximum). */
  setLeverage(symbol: string, leverage: number): void {
    this.#leverageOf.set(symbol, leverage);
  }

  /** Whether any swap position is open. */
  get hasPositions(): boolean {
    return this.#positions.size > 0;
  }

  /** Every open swap position as `[symbol, signed contracts, entry price]`, without valuing it. */
  holdings(): [string, number, number][] {
    return [...this.#positions].map(([symbol, h]) => [symbol, h.contracts, h.entryPrice]);
  }

  /** Signed position size of a swap symbol (positive long, negative short, 0 flat). */
  signedContracts(symbol: string): number {
    return this.#positions.get(symbol)?.contracts ?? 0;
  }

  /** Spot holding of an asset. */
  assetOf(base: string): number {
    return this.#assets.get(base) ?? 0;
  }

  /**
   * Margin (or USD, for spot buys: their fee is taken from the asset bought) an order ties up for
   * its remaining amount. Reduce-only orders and spot sells tie up no USD.
   */
  orderMargin(market: SimMarket, order: Pick<SimOrder, 'side' | 'remaining' | 'price' | 'reduceOnly'>, price: number): number {
    if (order.reduceOnly) return 0;
    if (market.type === 'spot') return order.side === 'buy' ? order.remaining * price : 0;
    return (order.remaining * price) / this.leverageOf(market);
  }

  /**
   * Margin a new swap order needs: only the part that increases exposure beyond the opposite
   * position it first closes.
   */
  newOrderMargin(market: SimMarket, side: SimOrderSide, amount: number, price: number, reduceOnly: boolean): number {
    if (reduceOnly) return 0;
    if (market.type === 'spot') return side === 'buy' ? amount * price : 0;
    const pos = this.signedContracts(market.symbol);
    const opposite = side === 'buy' ? Math.max(0, -pos) : Math.max(0, pos);
    return (Math.max(0, amount - opposite) * price) / this.leverageOf(market);
  }

  /**
   * Applies a fill: fee, realised PnL, position or spot holdings. A spot buy pays its fee in the
   * asset bought (Binance spot, without BNB fee discounts); everything else pays in USD.
   */
  applyFill(market: SimMarket, side: SimOrderSide, price: number, amount: number, feeRate: number): FillEffect {
    if (market.type === 'spot') {
      const inBase = side === 'buy';
      const fee = roundFee(inBase ? amount * feeRate : price * amount * feeRate);
      const delta = inBase ? amount - fee : -amount;
      this.#wallet -= (inBase ? amount : -amount) * price + (inBase ? 0 : fee);
      const held = cleanNumber(this.assetOf(market.base) + delta);
      if (Math.abs(held) < EPS) this.#assets.delete(market.base);
      else this.#assets.set(market.base, held);
      return { fee, feeCurrency: inBase ? market.base : 'USD', realizedPnl: 0 };
    }
    const fee = roundFee(price * amount * feeRate);
    this.#wallet -= fee;
    const signed = side === 'buy' ? amount : -amount;
    const h = this.#positions.get(market.symbol) ?? { contracts: 0, entryPrice: 0 };
    let realizedPnl = 0;
    if (h.contracts === 0 || Math.sign(h.contracts) === Math.sign(signed)) {
      const size = Math.abs(h.contracts) + amount;
      h.entryPrice = (Math.abs(h.contracts) * h.entryPrice + amount * price) / size;
      // Sums of lots drift in binary (50 fills of 1 made 49.999999999999986): kept to 12 digits, as the orders' are.
      h.contracts = cleanNumber(h.contracts + signed);
    } else {
      const closing = Math.min(Math.abs(h.contracts), amount);
      realizedPnl = closing * (price - h.entryPrice) * Math.sign(h.contracts);
      h.contracts = cleanNumber(h.contracts + signed);
      if (Math.abs(h.contracts) < EPS) h.contracts = 0;
      else if (Math.sign(h.contracts) === Math.sign(signed)) h.entryPrice = price;
    }
    this.#wallet += realizedPnl;
    this.#realized.set(market.symbol, (this.#realized.get(market.symbol) ?? 0) + realizedPnl);
    if (h.contracts === 0) this.#positions.delete(market.symbol);
    else this.#positions.set(market.symbol, h);
    return { fee, feeCurrency: 'USD', realizedPnl };
  }

  /** Realised PnL (before fees) of a swap symbol since the start; 0 if it never closed any. */
  realizedPnlOf(symbol: string): number {
    return this.#realized.get(symbol) ?? 0;
  }

  /** The USD wallet balance (without unrealised PnL). */
  get wallet(): number {
    return this.#wallet;
  }

  /** Moves the wallet by `delta` USD without any order (funding, a transfer). */
  adjustWallet(delta: number): void {
    this.#wallet += delta;
  }

  /** Open positions valued at the current marks. */
  positions(markets: ReadonlyMap<string, SimMarket>, markOf: MarkPriceOf, now: number): SimPosition[] {
    const out: SimPosition[] = [];
    for (const [symbol, h] of this.#positions) {
      const market = markets.get(symbol);
      if (!market) continue;
      const mark = markOf(symbol);
      const contracts = Math.abs(h.contracts);
      const leverage = this.leverageOf(market);
      const notional = contracts * mark;
      out.push({
        symbol,
        side: h.contracts > 0 ? 'long' : 'short',
        contracts,
        contractSize: market.contractSize,
        entryPrice: h.entryPrice,
        markPrice: mark,
        notional,
        unrealizedPnl: contracts * (mark - h.entryPrice) * Math.sign(h.contracts),
        leverage,
        initialMargin: notional / leverage,
        maintenanceMargin: maintMargin(market, notional),
        liquidationPrice: 0,
        marginMode: 'cross',
        timestamp: now,
      });
    }
    this.#setLiquidationPrices(out, markets);
    return out.sort((a, b) => a.symbol.localeCompare(b.symbol));
  }

  /**
   * Each position's liquidation price: the mark at which, the other positions at their marks,
   * the margin balance (wallet + unrealised PnL) meets the maintenance margin. With contracts
   * `c` (negative short), entry `e` and ratio `r`, the rest's cushion `W` (wallet + their PnL less
   * their maintenance): `W + c(p − e) − |c|·p·r = 0`, so `p = (c·e − W) / (c − |c|·r)`; 0 when
   * no positive price reaches it (as Binance says none).
   */
  #setLiquidationPrices(positions: SimPosition[], markets: ReadonlyMap<string, SimMarket>): void {
    const cushion = positions.reduce((s, p) => s + p.unrealizedPnl - p.maintenanceMargin, this.#wallet);
    for (const p of positions) {
      const c = p.side === 'long' ? p.contracts : -p.contracts;
      const rest = cushion - (p.unrealizedPnl - p.maintenanceMargin);
      const price = (c * p.entryPrice - rest) / (c - p.contracts * maintMarginRatio(markets.get(p.symbol)!));
      p.liquidationPrice = Number.isFinite(price) && price > 0 ? price : 0;
    }
  }

  /** The balance, given the open orders (for their margin) and the marks. */
  balance(
    markets: ReadonlyMap<string, SimMarket>,
    openOrders: readonly SimOrder[],
    markOf: MarkPriceOf,
    now: number,
  ): SimBalance {
    const positions = this.positions(markets, markOf, now);
    const unrealizedPnl = positions.reduce((s, p) => s + p.unrealizedPnl, 0);
    let used = positions.reduce((s, p) => s + p.initialMargin, 0);
    const reserved = new Map<string, number>();
    for (const o of openOrders) {
      const market = markets.get(o.symbol);
      if (!market) continue;
      used += this.orderMargin(market, o, o.price ?? markOf(o.symbol));
      if (market.type === 'spot' && o.side === 'sell') {
        reserved.set(market.base, (reserved.get(market.base) ?? 0) + o.remaining);
      }
    }
    const total = this.#wallet + unrealizedPnl;
    const assets: SimBalance['assets'] = {};
    for (const [base, held] of this.#assets) {
      const r = reserved.get(base) ?? 0;
      assets[base] = { total: held, used: r, free: held - r };
    }
    return { timestamp: now, total, used, free: total - used, wallet: this.#wallet, unrealizedPnl, assets };
  }
}
