import { roundFee, type Account } from './account.js';
import { cleanNumber } from './universe.js';
import type { PriceBar } from './price-path.js';
import type { SimFill, SimMarket, SimOrder } from './venue-types.js';

/** Hands out trade ids. */
export type NextFillId = () => string;

/** Rounds an amount down to the market's lot. */
export function floorToLot(amount: number, market: SimMarket): number {
  return cleanNumber(Math.floor(amount / market.lotSize + 1e-9) * market.lotSize);
}

/**
 * Executes `amount` of `order` at `price`: updates the order, the account and the order's fills.
 * A reduce-only order is capped at the position it reduces.
 */
export function execute(
  order: SimOrder,
  market: SimMarket,
  account: Account,
  price: number,
  amount: number,
  maker: boolean,
  timestamp: number,
  nextFillId: NextFillId,
): SimFill | undefined {
  let qty = Math.min(amount, order.remaining);
  if (order.reduceOnly) {
    const pos = account.signedContracts(market.symbol);
    const reducible = order.side === 'buy' ? Math.max(0, -pos) : Math.max(0, pos);
    qty = Math.min(qty, reducible);
  }
  qty = cleanNumber(qty);
  if (qty <= 0) return undefined;
  const feeRate = maker ? market.makerFee : market.takerFee;
  const effect = account.applyFill(market, order.side, price, qty, feeRate);
  const fill: SimFill = {
    id: nextFillId(),
    orderId: order.id,
    symbol: order.symbol,
    side: order.side,
    price,
    amount: qty,
    fee: effect.fee,
    feeCurrency: effect.feeCurrency,
    feeRate,
    maker,
    realizedPnl: effect.realizedPnl,
    timestamp,
  };
  order.fills.push(fill);
  order.cost += price * qty;
  order.filled = cleanNumber(order.filled + qty);
  order.remaining = cleanNumber(order.amount - order.filled);
  // The mean of the fill prices, without the float noise of cost / filled (one fill: its price).
  order.average = order.fills.every((f) => f.price === price) ? price : cleanNumber(order.cost / order.filled);
  order.fee = roundFee(order.fee + effect.fee);
  order.lastTradeTimestamp = timestamp;
  order.lastUpdateTimestamp = timestamp;
  if (order.type === 'market') order.price = order.average;
  return fill;
}

/**
 * One price step for the resting orders of one market. A buy rests until a step trades at or
 * below its price (`low <= price`), a sell until one trades at or above it; it then fills at its
 * own price as maker. The step's liquidity is shared by the crossed orders, best price first, so
 * large orders fill over several steps. Returns the orders touched.
 */
export function matchStep(
  orders: readonly SimOrder[],
  market: SimMarket,
  bar: PriceBar,
  liquidityUsd: number,
  account: Account,
  timestamp: number,
  nextFillId: NextFillId,
): SimOrder[] {
  const crossed = orders.filter(
    (o) => o.price !== undefined && (o.side === 'buy' ? bar.low <= o.price : bar.high >= o.price),
  );
  if (crossed.length === 0) return [];
  // Buys and sells draw on separate budgets, so one key (best price first) orders both.
  const key = (o: SimOrder): number => (o.side === 'buy' ? -o.price! : o.price!);
  crossed.sort((a, b) => key(a) - key(b) || a.timestamp - b.timestamp);
  const touched: SimOrder[] = [];
  const budget = { buy: liquidityUsd / bar.close, sell: liquidityUsd / bar.close };
  for (const o of crossed) {
    // At least one lot per step, so tiny liquidity settings still make progress.
    const room = Math.max(market.lotSize, floorToLot(budget[o.side], market));
    const fill = execute(o, market, account, o.price!, Math.min(room, o.remaining), true, timestamp, nextFillId);
    if (fill) {
      budget[o.side] -= fill.amount;
      touched.push(o);
    } else if (o.reduceOnly) {
      touched.push(o);
    }
  }
  return touched;
}
