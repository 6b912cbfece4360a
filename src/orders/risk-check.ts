import { errorText } from '../core/error-text.js';
import { coerceError } from '../core/errors.js';
import { gate, type OrdersContext } from './context.js';
import type { Order } from './order.js';
import type { RiskProbe, RiskView } from './risk.js';
import { marketStep, type StepExchange } from './significant.js';
import { isListed } from './intent-market.js';
import { usdRate, type UsdRate } from './usd-value.js';

/** A risk limit an order is over when it is taken: the field to change, and the reason with the limit and the next step. */
export interface IntakeRefusal {
  field: 'amount' | 'price';
  reason: string;
}

/**
 * Runs the risk guard on an order about to be sent for the first time, or (with `amended`: the
 * order as an amend would leave it) on an amend about to go out; the reason when it is refused,
 * null when it passes (or there is no guard). The last price is the strategy's fresh
 * `last_price` when known, else one ticker request.
 */
export async function riskRefusal(ctx: OrdersContext, order: Order, amended?: RiskProbe): Promise<string | null> {
  const guard = ctx.risk;
  if (!guard) return null;
  let noPriceWhy: string | undefined;
  /** The held fresh last price of `symbol`, else one ticker request's (a failure is said in the refusal). */
  const lastOf = async (symbol: string): Promise<number | undefined> => {
    const held = ctx.lastPrice?.(symbol);
    if (held !== undefined || !(await gate(ctx))) return held;
    const ticker = symbol === order.symbol ? 'the ticker' : `the ${symbol} ticker`;
    try {
      const t = (await ctx.session.exchange.fetchTicker(symbol)) as { last?: number };
      if (typeof t.last === 'number') return t.last;
      noPriceWhy = `${ticker} has no last price`;
    } catch (error: unknown) {
      noPriceWhy = `${ticker} request failed: ${errorText(error)}`;
      ctx.logger.warn({ symbol, err: coerceError(error).message }, 'no last price for the risk checks');
    }
    return undefined;
  };
  // Unknown market: the exchange refuses the order itself.
  let market = marketOf(ctx, order.symbol) ?? { rate: AT_PAR };
  const last = guard.needsPrice(amended ?? order, market.rate) ? await lastOf(order.symbol) : ctx.lastPrice?.(order.symbol);
  // A quote that is no dollar is valued through its market against one, asked for if not held.
  if (market.rate?.kind === 'unpriced' && market.rate.via !== undefined && guard.needsValue(amended ?? order)) {
    const via = await lastOf(market.rate.via);
    if (via !== undefined) market = marketOf(ctx, order.symbol, { [market.rate.via]: via }) ?? market;
  }
  const priced = noPriceWhy === undefined ? { last } : { last, noPriceWhy };
  if (amended) return guard.limits(amended, { ...priced, ...market, liveOnSymbol: 0 });
  const liveOnSymbol = ctx.book
    .all()
    .filter((o) => o !== order && o.symbol === order.symbol && (o.status === 'open' || (o.status === 'pending' && o.attempts > 0))).length;
  return guard.check(order, { ...priced, ...market, liveOnSymbol }, ctx.clock.now());
}

/**
 * The risk limits an order (or the order as an amend would leave it) can be judged against when
 * it is taken, by the guard's own rules and figures (see
 * `RiskGuard.judgeable`): a limit order's value, and the price band against a fresh last price
 * misso already holds. Nothing is asked of the exchange; what cannot be judged now (no fresh price
 * held, the markets not loaded yet) is left to the check when the order is sent, as are the
 * open-order count and the order rate, which may differ by then. The send-time check stays the
 * authority. `priceOnly`: an amend of the price alone, whose value over the limit is named for the
 * price.
 */
export function intakeRiskRefusal(ctx: Pick<OrdersContext, 'risk' | 'lastPrice' | 'session'>, probe: RiskProbe, priceOnly = false): IntakeRefusal | null {
  const guard = ctx.risk;
  if (!guard) return null;
  const market = marketOf(ctx, probe.symbol);
  if (market === undefined) return null;
  const breach = guard.judgeable(probe, { last: ctx.lastPrice?.(probe.symbol), ...market });
  if (breach === null) return null;
  return { field: breach.limit === 'price_band_pct' || priceOnly ? 'price' : 'amount', reason: breach.reason };
}

/** An unknown market's valuation (the exchange refuses the order itself): one contract, quoted in USD. */
const AT_PAR: UsdRate = { kind: 'linear', contractSize: 1, perQuote: 1 };

/**
 * How the market's values become USD (its contract size and quote) and its amount
 * and price steps; undefined when the market is not known (not listed, or the markets not loaded
 * yet). `prices`: last prices fetched for this check, beside the held ones.
 */
function marketOf(ctx: Pick<OrdersContext, 'session' | 'lastPrice'>, symbol: string, prices: Record<string, number> = {}): Pick<RiskView, 'rate' | 'amountStep' | 'priceStep'> | undefined {
  const exchange = ctx.session.exchange;
  try {
    const market = exchange.market(symbol);
    return {
      rate: usdRate(market, (s) => isListed(exchange, s), (s) => prices[s] ?? ctx.lastPrice?.(s)),
      amountStep: marketStep(exchange as unknown as StepExchange, symbol, 'amount'),
      priceStep: marketStep(exchange as unknown as StepExchange, symbol, 'price'),
    };
  } catch {
    return undefined;
  }
}
