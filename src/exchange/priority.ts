import { camelName } from './gated-methods.js';
import type { Priority } from './types.js';

const ORDER_WRITE = /^(create\w*Orders?\w*|cancel\w*|edit\w*|closePosition|closeAllPositions)$/;
const ORDER_STATUS = /^fetch\w*(Order|Orders|OrderTrades|OrderStatus)(ByStatus|ByIds?|ById|WithClientOrderId)?$|^fetch(My|Order)Trades$/;
const ACCOUNT_READ =
  /^fetch(Balance|Positions?\w*|Ledger\w*|Leverages?|MarginModes?|MarginAdjustmentHistory|Accounts|TradingFees?|Deposits?\w*|Withdrawals?|Transfers|Transactions|FundingHistory|MyLiquidations|PositionMode|BorrowInterest|DepositAddress\w*|Convert\w*History)$/;
const ACCOUNT_WRITE = /^(set|add|reduce|transfer|withdraw|borrow|repay|signIn)/;
// ccxt's implicit REST methods: `fapiPrivatePostOrder`, `fapiPublicGetKlines`, …
const IMPLICIT = /(Get|Post|Put|Delete|Patch)([A-Z0-9]\w*)$/;

const cache = new Map<string, Priority>();

/**
 * The budget class of an exchange method, from its name: placing, editing and cancelling orders
 * first, then reading order status and own trades, then account data (balance, positions,
 * settings), then everything else (market data). snake_case aliases map like their camelCase
 * names; ccxt's implicit REST methods (`fapiPrivatePostOrder`) are classed by verb and path.
 */
export function priorityOf(method: string): Priority {
  const known = cache.get(method);
  if (known) return known;
  const priority = classify(camelName(method));
  cache.set(method, priority);
  return priority;
}

function classify(name: string): Priority {
  if (ORDER_WRITE.test(name)) return 'order';
  if (ORDER_STATUS.test(name)) return 'status';
  if (ACCOUNT_READ.test(name) || ACCOUNT_WRITE.test(name)) return 'account';
  const implicit = IMPLICIT.exec(name);
  if (implicit) {
    const [, verb, path = ''] = implicit;
    if (/Order/.test(path)) return verb === 'Get' ? 'status' : 'order';
    if (/UserTrades|MyTrades/.test(path)) return 'status';
    if (/Private/.test(name)) return 'account';
  }
  return 'market';
}

/**
 * The budget weight of one call. ccxt knows each endpoint's cost, but not which endpoint a
 * unified method will hit until it runs, so this is a small table of the calls whose weight
 * differs from 1. The figures are Binance USD-M's request weights, the dialect misso emulates and
 * the strictest of the common venues; for other exchanges they err on the heavy side:
 *
 * | call | weight |
 * | --- | --- |
 * | fetchTickers (Binance always asks for every symbol and filters) | 40 |
 * | fetchOpenOrders without a symbol | 40 |
 * | fetchOHLCV by limit: ≤ 99 → 1, ≤ 499 → 2, ≤ 1000 → 5, more → 10; none (server default 500) | 2 |
 * | fetchOrderBook by limit: ≤ 50 → 2, ≤ 100 → 5, ≤ 500 → 10, more → 20; none (default 500) | 10 |
 * | fetchBalance, fetchPositions, fetchOrders, fetchClosedOrders, fetchMyTrades | 5 |
 * | fetchFundingRates | 10 |
 * | fetchFundingHistory (`GET /fapi/v1/income`) | 30 |
 * | fetchTrades: 20 (aggTrades, ccxt's default); 5 with `fetchTradesMethod` (or `method`) naming the recent-trades list (`…GetTrades`) | 20 |
 * | fetchTradingFee (`commissionRate`) | 20 |
 * | fetchLeverage(s), fetchMarginMode(s) (`symbolConfig`) | 5 |
 * | fetchPositionMode (`GET positionSide/dual`) | 30 |
 * | everything else (fetchOpenInterest, fetchFundingRateHistory, fetchStatus, setMarginMode, setPositionMode …) | 1 |
 *
 * @param args - the call's arguments, positional as in ccxt's unified signatures.
 */
export function weightOf(method: string, args: readonly unknown[] = []): number {
  switch (camelName(method)) {
    case 'fetchTickers':
      return 40;
    case 'fetchOpenOrders':
      return args[0] === undefined || args[0] === null ? 40 : 1;
    case 'fetchOHLCV':
      return byLimit(args[3], [[99, 1], [499, 2], [1000, 5]], 10, 2);
    case 'fetchOrderBook':
      return byLimit(args[1], [[50, 2], [100, 5], [500, 10]], 20, 10);
    case 'fetchBalance':
    case 'fetchPositions':
    case 'fetchOrders':
    case 'fetchClosedOrders':
    case 'fetchMyTrades':
      return 5;
    case 'fetchFundingRates':
      return 10;
    case 'fetchFundingHistory':
      return 30;
    case 'fetchTrades': {
      const params = (args[3] ?? {}) as { fetchTradesMethod?: unknown; method?: unknown };
      return /GetTrades$/.test(String(params.fetchTradesMethod ?? params.method ?? '')) ? 5 : 20;
    }
    case 'fetchTradingFee':
      return 20;
    case 'fetchLeverage':
    case 'fetchLeverages':
    case 'fetchMarginMode':
    case 'fetchMarginModes':
      return 5;
    case 'fetchPositionMode':
      return 30;
    default:
      return 1;
  }
}

function byLimit(limit: unknown, steps: readonly (readonly [number, number])[], above: number, none: number): number {
  if (typeof limit !== 'number' || !Number.isFinite(limit)) return none;
  for (const [max, weight] of steps) if (limit <= max) return weight;
  return above;
}
