import type { Account } from './account.js';
import { execute, floorToLot, type NextFillId } from './matching.js';
import { cleanNumber } from './universe.js';
import type { SimFill, SimMarket, SimOrder } from './venue-types.js';

/** A price level of the book: `[price, amount]`. */
export type TakerLevel = readonly [price: number, amount: number];

/** The book as a taker order sees it. */
export interface TakerBook {
  /** The levels a taker on `side` takes from (a buy: the asks), best price first. */
  levels(symbol: string, side: SimOrder['side']): TakerLevel[];
  /** A taker on `side` took `fills` (`[price, amount]` per level): each is that much thinner until redrawn. */
  take(symbol: string, side: SimOrder['side'], fills: readonly TakerLevel[]): void;
}

/** What taking from the book needs from the venue. */
export interface TakerDeps {
  account: Account;
  now: number;
  /** How much worse than each level it takes a market order fills (see {@link slipped}). */
  slippageBps: number;
  /** The order book a taker order walks ({@link DepthBooks}). */
  book: TakerBook;
  nextFillId: NextFillId;
  /** Told every fill (the venue's event feed). */
  onFill: (order: SimOrder, fill: SimFill) => void;
}

/**
 * The part of the book's other side (`levels`, best price first) a taker order of `amount`
 * takes: level by level, each taken whole or for what is left of the order, in lots; none past
 * `limit` (a buy takes no level above it, a sell none below; a market order has none).
 */
export function takerPlan(levels: readonly TakerLevel[], side: SimOrder['side'], amount: number, market: SimMarket, limit?: number): TakerLevel[] {
  const out: TakerLevel[] = [];
  let left = amount;
  for (const [price, size] of levels) {
    if (left < market.lotSize - 1e-12) break;
    if (limit !== undefined && (side === 'buy' ? price > limit + 1e-12 : price < limit - 1e-12)) break;
    const qty = floorToLot(Math.min(size, left), market);
    if (qty <= 0) continue;
    out.push([price, qty]);
    left = cleanNumber(left - qty);
  }
  return out;
}

/** What a plan fills in all. */
export function plannedAmount(plan: readonly TakerLevel[]): number {
  return cleanNumber(plan.reduce((sum, [, qty]) => sum + qty, 0));
}

/**
 * A market order's price at one level: `slippageBps` worse than the level (the book moved
 * between the order's sending and its match), on the tick grid.
 */
export function slipped(price: number, side: SimOrder['side'], slippageBps: number, market: SimMarket): number {
  if (slippageBps <= 0) return price;
  const raw = side === 'buy' ? price * (1 + slippageBps / 10_000) : price * (1 - slippageBps / 10_000);
  const ticks = side === 'buy' ? Math.ceil(raw / market.tickSize - 1e-9) : Math.floor(raw / market.tickSize + 1e-9);
  return cleanNumber(Math.max(1, ticks) * market.tickSize);
}

/**
 * Executes `plan` for `order` as taker, a fill per level, each told to the feed and taken off the
 * book; stops early where a reduce-only order has nothing left to reduce.
 */
export function takeFromBook(deps: TakerDeps, market: SimMarket, order: SimOrder, plan: readonly TakerLevel[]): void {
  const fills: SimFill[] = [];
  const taken: TakerLevel[] = [];
  for (const [price, qty] of plan) {
    const at = order.type === 'market' ? slipped(price, order.side, deps.slippageBps, market) : price;
    const fill = execute(order, market, deps.account, at, qty, false, deps.now, deps.nextFillId);
    if (!fill) break;
    fills.push(fill);
    taken.push([price, fill.amount]);
  }
  // The book is thinner before anyone hears of the fills.
  deps.book.take(market.symbol, order.side, taken);
  for (const fill of fills) deps.onFill(order, fill);
}
