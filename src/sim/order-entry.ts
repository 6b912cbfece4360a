import { checkFunds, checkOrderShape, onGrid } from './order-rules.js';
import { triggerReached } from './triggers.js';
import type { OrderStore } from './order-store.js';
import { SimError } from './sim-error.js';
import { plannedAmount, takeFromBook, takerPlan, type TakerDeps } from './taker.js';
import type { Touch } from './ticker.js';
import { cleanNumber } from './universe.js';
import type { PlaceOrderRequest, SimBalance, SimMarket, SimOrder } from './venue-types.js';

/** What placing and amending orders needs from the venue. */
export interface OrderEntryDeps extends TakerDeps {
  orders: OrderStore;
  touch: (market: SimMarket) => Touch;
  balance: () => SimBalance;
  /** Expires reduce-only orders left with nothing to reduce. */
  expireIdleReduceOnly: (symbol: string) => void;
}

/**
 * Places an order. Market orders and limit orders at or through the touch take from the book
 * at once as taker, level by level (a limit order no further than its price): what a market or
 * IOC order cannot take expires, a FOK order that cannot be filled whole expires untouched, and
 * the rest of a GTC limit order rests at its price. Other limit orders rest until the price path
 * crosses them. Throws `invalid_order`, `duplicate_client_order_id` or `insufficient_funds`.
 */
export function placeOrder(deps: OrderEntryDeps, market: SimMarket, request: PlaceOrderRequest): SimOrder {
  const { side, type, amount } = request;
  const reduceOnly = request.reduceOnly ?? false;
  checkOrderShape(market, request, reduceOnly);
  if (request.clientOrderId !== undefined) deps.orders.checkClientId(request.clientOrderId);
  if (reduceOnly) {
    const pos = deps.account.signedContracts(market.symbol);
    if ((side === 'buy' ? -pos : pos) <= 0) {
      throw new SimError('invalid_order', `reduce-only ${side} on ${market.symbol} has no position to reduce`, 'reduce_only_rejected');
    }
  }
  const touch = deps.touch(market);
  const tif = request.timeInForce ?? 'GTC';
  const trigger = checkTrigger(market, request, touch.last);
  const crosses = type === 'market' || (side === 'buy' ? request.price! >= touch.ask : request.price! <= touch.bid);
  // A trigger order does nothing until its trigger is reached.
  const marketable = crosses && trigger === undefined;
  if (tif === 'PO' && marketable) {
    throw new SimError('post_only_would_take', `post-only ${side} at ${request.price} would take liquidity (touch ${touch.bid}/${touch.ask})`);
  }
  if (type === 'market' && !reduceOnly && amount * touch.last < market.minNotional) {
    throw new SimError('invalid_order', `order value ${amount * touch.last} USD is below the minimum ${market.minNotional} USD`);
  }
  // What a taker order would take; a reduce-only one no more than the position it reduces.
  const want = reduceOnly ? Math.min(amount, reducibleBy(deps, market.symbol, side)) : amount;
  const plan = marketable ? takerPlan(deps.book.levels(market.symbol, side), side, want, market, type === 'market' ? undefined : request.price) : [];
  const worst = plan.at(-1)?.[0] ?? (side === 'buy' ? touch.ask : touch.bid);
  // Margin for what fills at the worst level it takes, and for a resting rest at its price.
  const rests = marketable && type === 'limit' && tif === 'GTC' && plannedAmount(plan) < want;
  const reservePrice = marketable && !rests ? worst : (request.price ?? trigger ?? worst);
  checkFunds(deps.account, market, { side, amount, price: reservePrice, reduceOnly, taker: marketable }, deps.balance);

  const now = deps.now;
  const order = deps.orders.addNew(
    {
      clientOrderId: request.clientOrderId ?? `sim-${deps.orders.peekId()}`,
      symbol: market.symbol,
      side,
      type,
      price: type === 'limit' ? request.price : undefined,
      amount,
      reduceOnly,
      timeInForce: tif,
      triggerPrice: trigger,
      triggerKind: trigger === undefined ? undefined : request.triggerKind,
    },
    now,
  );
  if (trigger !== undefined) return order;
  if (!marketable) {
    // IOC and FOK never rest: nothing to take now means expired at once.
    if (tif === 'IOC' || tif === 'FOK') deps.orders.settle(order, 'expired', now);
    return order;
  }
  if (tif === 'FOK' && plannedAmount(plan) + 1e-12 < amount) {
    deps.orders.settle(order, 'expired', now);
    return order;
  }
  takeFromBook(deps, market, order, plan);
  // What the book could not take: a GTC limit order rests at its price; any other expires.
  // (A reduce-only rest with nothing left to reduce expires just below.)
  if (order.remaining <= 0) deps.orders.settle(order, 'closed', now);
  else if (type !== 'limit' || tif !== 'GTC') deps.orders.settle(order, 'expired', now);
  deps.expireIdleReduceOnly(market.symbol);
  return order;
}

/**
 * Modifies an open limit order in place, as Binance's `PUT /fapi/v1/order` does: same id and
 * client id, new price and/or total amount, reported as an `AMENDMENT` order event. A new amount at or below what already filled
 * cancels the order; a new price at or through the touch takes what the book holds up to it at once as
 * taker and the rest keeps resting, except for a post-only (GTX) order, which Binance cancels
 * instead: it never takes. Only LIMIT orders can be modified on Binance USD-M, so a stop or
 * take-profit order still waiting for its trigger (an algo order there) is refused, never filled.
 * Throws `order_not_open`, `invalid_order`, or `insufficient_funds` when the amended order needs more margin than is free besides what it holds.
 */
export function amendOrder(deps: OrderEntryDeps, market: SimMarket, order: SimOrder, change: { price?: number; amount?: number }): SimOrder {
  if (order.status !== 'open') throw new SimError('order_not_open', `order ${order.id} is already ${order.status}`);
  if (order.type !== 'limit') throw new SimError('invalid_order', `order ${order.id} is a ${order.type} order; only limit orders can be modified`);
  if (order.triggerPrice !== undefined && !order.triggered) {
    throw new SimError(
      'invalid_order',
      `order ${order.id} is a ${order.triggerKind ?? 'trigger'} limit order waiting for its trigger ${order.triggerPrice}; only limit orders can be modified (cancel it and place a new one)`,
    );
  }
  const price = change.price ?? order.price!;
  const amount = change.amount ?? order.amount;
  checkOrderShape(market, { symbol: market.symbol, side: order.side, type: 'limit', amount, price }, order.reduceOnly);
  const now = deps.now;
  if (amount <= order.filled + 1e-12) {
    deps.orders.settle(order, 'canceled', now);
    return order;
  }
  const remaining = cleanNumber(amount - order.filled);
  const touch = deps.touch(market);
  const crossing = order.side === 'buy' ? price >= touch.ask : price <= touch.bid;
  if (crossing && order.timeInForce === 'PO') {
    // Binance: "the order will be cancelled by the amendment when the order is GTX and the new
    // price will cause it to be executed immediately". Unchanged, it never paid taker fees.
    deps.orders.settle(order, 'canceled', now);
    return order;
  }
  const plan = crossing ? takerPlan(deps.book.levels(market.symbol, order.side), order.side, remaining, market, price) : [];
  // The amended order must be paid for as a new one would, less the margin it holds now.
  const rests = plannedAmount(plan) < remaining;
  const held = deps.account.orderMargin(market, order, order.price!);
  const withHeld = (): SimBalance => {
    const b = deps.balance();
    return { ...b, free: b.free + held };
  };
  checkFunds(deps.account, market, { side: order.side, amount: remaining, price: rests ? price : plan.at(-1)![0], reduceOnly: order.reduceOnly, taker: crossing }, withHeld);
  order.price = price;
  order.amount = amount;
  order.remaining = remaining;
  // Binance pushes the modification (execution type AMENDMENT) before any fill it causes.
  deps.orders.amended(order, now);
  if (crossing) {
    takeFromBook(deps, market, order, plan);
    if (order.remaining <= 0) deps.orders.settle(order, 'closed', now);
    deps.expireIdleReduceOnly(market.symbol);
  }
  return order;
}

function reducibleBy(deps: OrderEntryDeps, symbol: string, side: SimOrder['side']): number {
  const pos = deps.account.signedContracts(symbol);
  return side === 'buy' ? Math.max(0, -pos) : Math.max(0, pos);
}

/** Checks a trigger price: on the tick grid, and not already reached (Binance -2021). */
function checkTrigger(market: SimMarket, request: PlaceOrderRequest, last: number): number | undefined {
  const { triggerPrice, triggerKind, side } = request;
  if (triggerPrice === undefined) return undefined;
  if (triggerKind === undefined) throw new SimError('invalid_order', 'a trigger price needs a trigger kind (stop or take_profit)');
  if (!Number.isFinite(triggerPrice) || triggerPrice < market.minPrice || triggerPrice > market.maxPrice || !onGrid(triggerPrice, market.tickSize)) {
    throw new SimError('invalid_order', `trigger price ${triggerPrice} is off the price grid of ${market.symbol}`);
  }
  if (triggerReached(side, triggerKind, triggerPrice, last, last)) {
    throw new SimError('would_trigger_now', `${triggerKind} ${side} at ${triggerPrice} would trigger at once (last ${last})`);
  }
  return triggerPrice;
}
