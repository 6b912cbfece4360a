import { coerceError } from '../core/errors.js';
import { AmendError, amendValue, readAmendChanges, type AmendChanges, type AmendOptions } from './amend-changes.js';
import type { OrdersContext } from './context.js';
import { IntentError } from './intent.js';
import { checkIntentForMarket } from './intent-market.js';
import type { Order } from './order.js';
import { intakeRiskRefusal } from './risk-check.js';

/** An amend whose price and amount are the order's already: nothing to send. */
export class NothingToAmend extends AmendError {}

const EPS = 1e-12;

/**
 * The change a market check's refusal is about. The order value below the market's minimum is
 * named for the amount; after a new price alone it is the price that made it (the amount the
 * order has already passed its own limits).
 */
function amendField(error: unknown, amount: number | null): string | null {
  const field = error instanceof IntentError ? error.field : null;
  return field === 'amount' && amount === null ? 'price' : field;
}

/**
 * Checks and rounds an amend's changes: the order as the amend leaves it must pass the market's
 * checks a new intent passes (precision, amount, price and cost limits). Throws
 * {@link AmendError} for impossible changes, before anything is journaled or sent; with
 * `refuseOverLimits`, also for a risk limit the order as amended can be judged over already
 * (`intakeRiskRefusal`). A finished order's changes are read but not checked: the amend
 * settles `amended: false`, `order already <status>`, when it runs. `busy`: another amend of
 * the order is under way, so its figures are not final and an unchanged target is no mistake.
 */
export function checkAmend(
  ctx: OrdersContext,
  order: Order,
  changes: AmendChanges,
  options: AmendOptions,
  busy: boolean,
): { price: number | null; amount: number | null } {
  const given = readAmendChanges(changes);
  let price = amendValue('price', given.price);
  let amount = amendValue('amount', given.amount);
  if (price === null && amount === null) throw new AmendError('amend needs a price or an amount');
  if (price !== null && order.type === 'market') throw new AmendError(`order ${order.clientOrderId} is a market order; it has no price to amend`, 'price');
  // A finished order is not amended whatever the change (its market may be gone, its fill
  // above the new amount): the amend settles `order already <status>` (see Amender).
  if (order.isFinal) return { price, amount };
  let fitted;
  try {
    fitted = checkIntentForMarket(
      { tag: order.tag, symbol: order.symbol, side: order.side, type: order.type, price: price ?? order.price, amount: amount ?? order.amount, params: order.params },
      ctx.session.exchange,
    );
  } catch (error: unknown) {
    throw new AmendError(`amend of ${order.clientOrderId}: ${coerceError(error).message.replace(/^invalid order /, 'order ')}`, amendField(error, amount));
  }
  // The order's own symbol gone from the markets is no field of the amend's.
  if (fitted.rejected !== null) throw new AmendError(`amend of ${order.clientOrderId}: ${fitted.rejected}`, fitted.field === 'symbol' ? null : fitted.field);
  if (price !== null) price = fitted.intent.price;
  if (amount !== null) amount = fitted.intent.amount;
  if (amount !== null && amount <= order.filled + EPS) {
    // Binance cancels an order modified to a total at or below its filled amount.
    throw new AmendError(`amount ${amount} is at or below the ${order.filled} already filled (amount is the new total); cancel the order to stop it`, 'amount');
  }
  // Sent anyway, it costs a request (and, by cancel-then-replace, the order's place in the queue).
  const unchanged = (price === null || price === order.price) && (amount === null || amount === order.amount);
  if (unchanged && !busy) {
    throw new NothingToAmend(`amend of ${order.clientOrderId} changes nothing: its price is ${String(order.price)} and its amount ${order.amount} already (after rounding)`);
  }
  if (options.refuseOverLimits === true) {
    const over = intakeRiskRefusal(ctx, { symbol: order.symbol, type: order.type, price: price ?? order.price, amount: amount ?? order.amount, params: order.params }, amount === null);
    if (over !== null) throw new AmendError(`amend of ${order.clientOrderId} not made: ${over.reason} (the order stays as it was)`, over.field);
  }
  return { price, amount };
}
