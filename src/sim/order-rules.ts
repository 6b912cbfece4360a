import { SimError } from './sim-error.js';
import type { Account } from './account.js';
import type { PlaceOrderRequest, SimBalance, SimMarket, SimOrderSide } from './venue-types.js';

/** Checks side, type, amount and price against the market's rules. */
export function checkOrderShape(market: SimMarket, request: PlaceOrderRequest, reduceOnly: boolean): void {
  const { side, type, amount, price } = request;
  if (side !== 'buy' && side !== 'sell') throw new SimError('invalid_order', `side must be buy or sell, got ${String(side)}`);
  if (type !== 'limit' && type !== 'market') {
    throw new SimError('invalid_order', `type must be limit or market, got ${String(type)}`);
  }
  if (reduceOnly && market.type !== 'swap') throw new SimError('invalid_order', `reduce-only is for swaps, not ${market.symbol}`);
  if (!Number.isFinite(amount) || amount < market.minAmount || amount > market.maxAmount) {
    throw new SimError('invalid_order', `amount ${amount} is outside ${market.minAmount}..${market.maxAmount} for ${market.symbol}`);
  }
  if (!onGrid(amount, market.lotSize)) {
    throw new SimError('invalid_order', `amount ${amount} is not a multiple of the lot size ${market.lotSize}`);
  }
  if (type === 'market') {
    if (price !== undefined && !Number.isFinite(price)) throw new SimError('invalid_order', `price ${price} is not a number`);
    return;
  }
  if (price === undefined || !Number.isFinite(price) || price < market.minPrice || price > market.maxPrice) {
    throw new SimError('invalid_order', `limit price ${price} is outside ${market.minPrice}..${market.maxPrice} for ${market.symbol}`);
  }
  if (!onGrid(price, market.tickSize)) {
    throw new SimError('invalid_order', `price ${price} is not a multiple of the tick size ${market.tickSize}`);
  }
  if (!reduceOnly && amount * price < market.minNotional) {
    throw new SimError('invalid_order', `order value ${amount * price} USD is below the minimum ${market.minNotional} USD`);
  }
}

/** Whether `x` is a whole multiple of `step` (within float noise). */
export function onGrid(x: number, step: number): boolean {
  const units = x / step;
  return Math.abs(units - Math.round(units)) < 1e-6;
}

/** The margin question of a new order: what it reserves and whether it pays a taker fee now. */
export interface FundsCheck {
  side: SimOrderSide;
  amount: number;
  price: number;
  reduceOnly: boolean;
  taker: boolean;
}

/** Refuses (`insufficient_funds`) an order the account cannot carry. */
export function checkFunds(account: Account, market: SimMarket, order: FundsCheck, balance: () => SimBalance): void {
  const { side, amount, price, reduceOnly, taker } = order;
  if (market.type === 'spot' && side === 'sell') {
    const free = balance().assets[market.base]?.free ?? 0;
    if (amount > free + 1e-12) {
      throw new SimError('insufficient_funds', `selling ${amount} ${market.base} needs that much free, have ${free}`);
    }
    return;
  }
  const needed = account.newOrderMargin(market, side, amount, price, reduceOnly);
  if (needed <= 0) return;
  const fee = taker && market.type === 'swap' ? amount * price * market.takerFee : 0;
  const free = balance().free;
  if (needed + fee > free + 1e-9) {
    const what = market.type === 'spot' ? `buying ${amount} ${market.base} needs ${needed.toFixed(2)} USD` : `order needs ${(needed + fee).toFixed(2)} USD of margin`;
    throw new SimError('insufficient_funds', `insufficient balance: ${what}, ${Math.max(0, free).toFixed(2)} USD free`);
  }
}
