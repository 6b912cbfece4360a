import type { RiskConfig } from '../config/types.js';
import type { Order } from './order.js';
import { ceilSignificant, floorSignificant, onStep } from './significant.js';
import { amountForUsd, unpricedWhy, usdValue, type UsdRate } from './usd-value.js';

/** What a risk check needs to know about the market right now. */
export interface RiskView {
  /** The fresh last price, or undefined when there is none. */
  last: number | undefined;
  /** Why there is no last price (a failed ticker request), said in the refusal. */
  noPriceWhy?: string;
  /** How the market's order values become USD (see `usdRate`: contract size, quote currency). */
  rate: UsdRate;
  /** The market's amount and price steps, so a figure a refusal quotes is one the market takes. @defaultValue figures to significant digits */
  amountStep?: number | undefined;
  priceStep?: number | undefined;
  /** Our orders of the symbol that are open or may be (sent, unresolved). */
  liveOnSymbol: number;
}

/** What the checks read of an order: an amend checks the order as it would be after it. */
export type RiskProbe = Pick<Order, 'symbol' | 'type' | 'price' | 'amount' | 'params'>;

/**
 * The price the order trades at when it names one: a limit order's. A market order trades at the
 * market's, whatever price it carries (ccxt passes one on for exchanges that want it to size a
 * market buy): valued at that price, a token one would let any size past max_notional_usd.
 */
function limitPrice(order: RiskProbe): number | null {
  return order.type === 'market' ? null : order.price;
}

/** A limit an order is over: which one, and the reason naming it with the next step. */
export interface RiskBreach {
  limit: 'max_notional_usd' | 'price_band_pct';
  reason: string;
}

/**
 * A reduce-only order can only shrink a position: the exposure limits (`max_notional_usd`,
 * `max_open_orders`) must never stop a strategy closing one, as NautilusTrader's risk engine lets
 * reducing orders through. The fat-finger band and the order rate still apply to it.
 */
function reducesOnly(order: RiskProbe): boolean {
  return order.params['reduceOnly'] === true;
}

/**
 * Pre-trade checks in the manner of NautilusTrader's risk engine: an order over a limit is
 * refused before it is sent, with the limit named. The per-second count covers orders that
 * passed, in a sliding one-second window.
 */
export class RiskGuard {
  readonly #config: RiskConfig;
  #sent: number[] = [];

  constructor(config: RiskConfig) {
    this.#config = config;
  }

  /** Whether any check needs a last price (for a market order's value or the price band). */
  needsPrice(order: RiskProbe, rate?: UsdRate): boolean {
    // An inverse contract's value needs no price.
    return this.#config.pricePct !== null || (this.needsValue(order) && limitPrice(order) === null && rate?.kind !== 'inverse');
  }

  /** Whether the value limit applies to the order (`max_notional_usd` set, and not reduce-only). */
  needsValue(order: RiskProbe): boolean {
    return this.#config.maxNotionalUsd !== null && !reducesOnly(order);
  }

  /** Null when the order passes; else the reason, naming the limit. Passing counts towards the rate. */
  check(order: RiskProbe, view: RiskView, now: number): string | null {
    const c = this.#config;
    const limit = this.limits(order, view);
    if (limit !== null) return limit;
    if (c.maxOpenOrders !== null && !reducesOnly(order) && view.liveOnSymbol >= c.maxOpenOrders) {
      return `${view.liveOnSymbol} orders already open on ${order.symbol}: orders.risk.max_open_orders is ${c.maxOpenOrders}`;
    }
    if (c.maxOrdersPerSec !== null) {
      this.#sent = this.#sent.filter((t) => t > now - 1000);
      if (this.#sent.length >= c.maxOrdersPerSec) {
        return `${this.#sent.length} orders sent in the last second: orders.risk.max_orders_per_sec is ${c.maxOrdersPerSec}`;
      }
      this.#sent.push(now);
    }
    return null;
  }

  /**
   * The order's value and price alone (a reduce-only order's value is not limited): what an amend must pass, since it changes an order
   * without adding one (the open count and the order rate stay as they are).
   */
  limits(order: RiskProbe, view: RiskView): string | null {
    return this.#limits(order, view, true)?.reason ?? null;
  }

  /**
   * {@link limits} as far as `view` can judge them, for an order being taken (the control API):
   * the value of a limit order, and the price band when `view` holds a last price. What needs a
   * price `view` lacks (a market order's value at the price it goes out at, the band without a
   * fresh last price) is left to {@link check} when the order is sent, which fetches one.
   */
  judgeable(order: RiskProbe, view: Pick<RiskView, 'last' | 'rate' | 'amountStep' | 'priceStep'>): RiskBreach | null {
    return this.#limits(order, view, false);
  }

  /** `refuseUnpriced`: a check that needs a price `view` lacks refuses the order (fails closed); else it is passed over. */
  #limits(order: RiskProbe, view: Omit<RiskView, 'liveOnSymbol'>, refuseUnpriced: boolean): RiskBreach | null {
    const c = this.#config;
    const own = limitPrice(order);
    const price = own ?? (refuseUnpriced ? view.last : undefined);
    const rate = view.rate;
    if (c.maxNotionalUsd !== null && !reducesOnly(order)) {
      if (rate.kind === 'unpriced') {
        if (refuseUnpriced) return { limit: 'max_notional_usd', reason: `cannot value the order against orders.risk.max_notional_usd: ${unpricedWhy(rate)}${refusedUnchecked(view)}` };
      } else if (price === undefined && rate.kind === 'linear') {
        if (refuseUnpriced) return { limit: 'max_notional_usd', reason: `no fresh price to value the order against orders.risk.max_notional_usd${refusedUnchecked(view)}` };
      } else {
        const notional = usdValue(rate, order.amount, price ?? 0);
        if (notional > c.maxNotionalUsd) {
          const most = inward(amountForUsd(rate, c.maxNotionalUsd, price ?? 0), 'down', view.amountStep);
          // An inverse contract's value does not depend on the price.
          const at = rate.kind === 'inverse' ? '' : ` at ${own === null ? 'the last price' : 'price'} ${price}`;
          if (!(most > 0) && view.amountStep !== undefined) {
            // Below one step: no amount the market takes passes, and "at most 0" is no advice.
            const step = round(usdValue(rate, view.amountStep, price ?? 0));
            return { limit: 'max_notional_usd', reason: `order value ${round(notional)} USD is over orders.risk.max_notional_usd (${c.maxNotionalUsd}), and one amount step (${view.amountStep}) is worth ${step} USD${at}: no amount passes; raise the limit` };
          }
          return { limit: 'max_notional_usd', reason: `order value ${round(notional)} USD is over orders.risk.max_notional_usd (${c.maxNotionalUsd}); give an amount of at most ${most}${at}` };
        }
      }
    }
    if (c.pricePct !== null && own !== null) {
      if (view.last === undefined) {
        return refuseUnpriced ? { limit: 'price_band_pct', reason: `no fresh last price for ${order.symbol} to check orders.risk.price_band_pct${refusedUnchecked(view)}` } : null;
      }
      const off = (Math.abs(own - view.last) / view.last) * 100;
      if (off > c.pricePct) {
        // Rounded inward, so any price quoted is inside the band.
        const low = inward(view.last * (1 - c.pricePct / 100), 'up', view.priceStep, BAND_DIGITS);
        const high = inward(view.last * (1 + c.pricePct / 100), 'down', view.priceStep, BAND_DIGITS);
        // A band narrower than a tick holds no price of the market: saying "between 105 and 100" is no advice.
        const advice = low > high ? `no price on the market's tick (${view.priceStep}) is within it: widen the band` : `give a price ${low > 0 ? `between ${low} and ${high}` : `of at most ${high}`}`;
        return {
          limit: 'price_band_pct',
          reason: `price ${own} is ${round(off)}% from the last price ${view.last}: over orders.risk.price_band_pct (${c.pricePct}); ${advice}`,
        };
      }
    }
    return null;
  }
}

// Enough digits that the band's bounds quoted stay near the limit at any price.
const BAND_DIGITS = 6;

/** A bound quoted in a refusal, rounded inward: to the market's step when known (ccxt rounds to it when sending), else to `digits` significant digits. */
function inward(x: number, dir: 'up' | 'down', step: number | undefined, digits = 3): number {
  if (step !== undefined) return onStep(x, step, dir);
  return dir === 'up' ? ceilSignificant(x, digits) : floorSignificant(x, digits);
}

/**
 * The tail of a refusal for want of a price: an order the limits cannot check is refused, not
 * sent unchecked (the guard fails closed), and the failed ticker request is named.
 */
function refusedUnchecked(view: Pick<RiskView, 'noPriceWhy'>): string {
  return `${view.noPriceWhy ? ` (${view.noPriceWhy})` : ''}: refused rather than sent unchecked`;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
