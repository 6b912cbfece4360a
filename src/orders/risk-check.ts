import { errorText } from '../core/error-text.js';
import { coerceError } from '../core/errors.js';
import { gate, type OrdersContext } from './context.js';
import type { Order } from './order.js';
import type { RiskProbe } from './risk.js';

/**
 * Runs the risk guard on an order about to be sent for the first time, or (with `amended`: the
 * order as an amend would leave it) on an amend about to go out; the reason when it is refused,
 * null when it passes (or there is no guard). The last price is the strategy's fresh
 * `last_price` when known, else one ticker request.
 */
export async function riskRefusal(ctx: OrdersContext, order: Order, amended?: RiskProbe): Promise<string | null> {
  const guard = ctx.risk;
  if (!guard) return null;
  let last = ctx.lastPrice?.(order.symbol);
  let noPriceWhy: string | undefined;
  if (last === undefined && guard.needsPrice(amended ?? order) && (await gate(ctx))) {
    try {
      const t = (await ctx.session.exchange.fetchTicker(order.symbol)) as { last?: number };
      last = typeof t.last === 'number' ? t.last : undefined;
      if (last === undefined) noPriceWhy = 'the ticker has no last price';
    } catch (error: unknown) {
      noPriceWhy = `the ticker request failed: ${errorText(error)}`;
      ctx.logger.warn({ symbol: order.symbol, err: coerceError(error).message }, 'no last price for the risk checks');
    }
  }
  let contractSize = 1;
  try {
    contractSize = ctx.session.exchange.market(order.symbol).contractSize ?? 1;
  } catch {
    // Unknown market: the exchange refuses the order itself.
  }
  const priced = noPriceWhy === undefined ? { last } : { last, noPriceWhy };
  if (amended) return guard.limits(amended, { ...priced, contractSize, liveOnSymbol: 0 });
  const liveOnSymbol = ctx.book
    .all()
    .filter((o) => o !== order && o.symbol === order.symbol && (o.status === 'open' || (o.status === 'pending' && o.attempts > 0))).length;
  return guard.check(order, { ...priced, contractSize, liveOnSymbol }, ctx.clock.now());
}
