/**
 * Plain-data shapes of the simulated venue. Numbers are numbers (not ccxt strings) so both faces,
 * the in-process ccxt subclass and the Binance-dialect HTTP server, format them their own way.
 */

/** `swap` is a linear USD-settled perpetual (`BASE/USD:USD`), `spot` a cash market (`BASE/USD`). */
export type SimMarketType = 'swap' | 'spot';

/** A candle timeframe the venue serves. */
export type SimTimeframe = '1m' | '5m' | '15m' | '1h' | '4h' | '1d';

/** Every timeframe with its length in milliseconds, coarsest first. */
export const SIM_TIMEFRAMES: Readonly<Record<SimTimeframe, number>> = {
  '1d': 86_400_000,
  '4h': 14_400_000,
  '1h': 3_600_000,
  '15m': 900_000,
  '5m': 300_000,
  '1m': 60_000,
};

/** The most candles one candle request answers (`misso check` refuses a larger `limit` for the simulator). */
export const SIM_MAX_CANDLE_LIMIT = 1500;

/**
 * Whether `name` is one of {@link SIM_TIMEFRAMES}. Its own keys only: `in` also finds what every
 * object inherits (`constructor`, `toString`), which a client can send as an interval.
 */
export function isSimTimeframe(name: string): name is SimTimeframe {
  return Object.hasOwn(SIM_TIMEFRAMES, name);
}

/** One listed market. */
export interface SimMarket {
  /** Exchange id without separators: `BTCUSD` (swap) or `BTC_USD` (spot). */
  id: string;
  /** ccxt unified symbol: `BTC/USD:USD` (swap) or `BTC/USD` (spot). */
  symbol: string;
  base: string;
  quote: 'USD';
  /** `USD` for swaps, undefined for spot. */
  settle: 'USD' | undefined;
  type: SimMarketType;
  /** Always 1: one contract is one unit of the base asset. */
  contractSize: number;
  /** Price step (a power of ten). */
  tickSize: number;
  /** Amount step (a power of ten). */
  lotSize: number;
  minAmount: number;
  maxAmount: number;
  minPrice: number;
  maxPrice: number;
  /** Minimum order value in USD (not applied to reduce-only orders). */
  minNotional: number;
  /** Fee rates as fractions (0.0002 = 2 bp). */
  makerFee: number;
  takerFee: number;
  /** Quoted 24 h volume in USD, fixed per market and seed; the seed's watch-list filter reads it. */
  volumeUsd24h: number;
  /** 1 for spot. */
  maxLeverage: number;
  /** Daily volatility of the log price (0.03 = 3 %), for documentation and tests. */
  dailyVolatility: number;
}

/** A 24 h ticker. The 24 h window is the current hour plus the 23 before it. */
export interface SimTicker {
  symbol: string;
  /** `clock.now()` when asked. */
  timestamp: number;
  /** Close of the last finished price step; equals the current candles' close. */
  last: number;
  /** Strictly below `last`. */
  bid: number;
  /** Strictly above `last`. */
  ask: number;
  bidVolume: number;
  askVolume: number;
  open: number;
  high: number;
  low: number;
  /** Base-asset volume of the window. */
  baseVolume: number;
  /** USD volume of the window. */
  quoteVolume: number;
  /** Equals `last` (no separate mark/index prices). */
  markPrice: number;
}

/** `[timestamp, open, high, low, close, volume]`, like ccxt's OHLCV rows. */
export type SimCandle = [number, number, number, number, number, number];

export type SimOrderSide = 'buy' | 'sell';
/** `liquidation`: an order the venue made to close a position it liquidated (see `liquidation.ts`), never the account's. */
export type SimOrderType = 'limit' | 'market' | 'liquidation';
/** `open` includes partially filled orders still resting. */
export type SimOrderStatus = 'open' | 'closed' | 'canceled' | 'expired';

/** One execution of an order. */
export interface SimFill {
  /** Trade id, numeric-looking, unique within the venue. */
  id: string;
  orderId: string;
  symbol: string;
  side: SimOrderSide;
  price: number;
  amount: number;
  /** Fee in {@link SimFill.feeCurrency}, rounded to 8 decimals as Binance's commission is. */
  fee: number;
  /** USD, or the base asset for a spot buy (Binance spot charges the asset received). */
  feeCurrency: string;
  /** The fee rate the fill paid (the market's maker or taker fee). */
  feeRate: number;
  /** True when the order rested on the book (maker fee). */
  maker: boolean;
  /** Realised PnL of this fill in USD (swap only; 0 when opening). */
  realizedPnl: number;
  timestamp: number;
}

/** An order as the venue keeps it. Objects returned by the venue are copies. */
export interface SimOrder {
  /** Numeric-looking string, unique within the venue. */
  id: string;
  /** The caller's id, or a generated `sim-…` id when none was given. */
  clientOrderId: string;
  symbol: string;
  side: SimOrderSide;
  type: SimOrderType;
  /** Limit price; for market orders the average fill price (undefined before any fill). */
  price: number | undefined;
  amount: number;
  filled: number;
  remaining: number;
  /** Average fill price, undefined before the first fill. */
  average: number | undefined;
  /** Filled value in USD (sum of price × amount over fills). */
  cost: number;
  /** Fees paid so far, in its fills' fee currency (the base asset for a spot buy, else USD). */
  fee: number;
  status: SimOrderStatus;
  reduceOnly: boolean;
  /** GTC rests, IOC takes what it can and expires the rest, FOK fills whole or expires, PO only rests. */
  timeInForce: SimTimeInForce;
  /** Stop or take-profit trigger; the order does nothing until the price reaches it. */
  triggerPrice: number | undefined;
  triggerKind: SimTriggerKind | undefined;
  /** A trigger order whose trigger was reached (then it acts as its plain type). */
  triggered: boolean;
  /** When the venue accepted the order. */
  timestamp: number;
  /** Why the venue expired the order, when it was not the order's own rule: `liquidation` (Binance's `er` 5). */
  expiredBy?: 'liquidation';
  /** Last change (fill, cancel, expiry). */
  lastUpdateTimestamp: number;
  /** Last fill time, undefined before any fill. */
  lastTradeTimestamp: number | undefined;
  fills: SimFill[];
}

/** How long an order may rest; `PO` is post-only (Binance's GTX). */
export type SimTimeInForce = 'GTC' | 'IOC' | 'FOK' | 'PO';

/**
 * `stop` fires when the price moves against the side (a buy at or above the trigger, a sell at
 * or below); `take_profit` when it moves in favour (a buy at or below, a sell at or above).
 */
export type SimTriggerKind = 'stop' | 'take_profit';

/** A new order. */
export interface PlaceOrderRequest {
  symbol: string;
  side: SimOrderSide;
  type: SimOrderType;
  amount: number;
  /** Required for limit orders. */
  price?: number;
  /** Only reduce an existing swap position. @defaultValue false */
  reduceOnly?: boolean;
  /** Must be unused within the account; generated when absent. */
  clientOrderId?: string;
  /** @defaultValue 'GTC' */
  timeInForce?: SimTimeInForce;
  /** With `triggerKind`: a stop or take-profit order. */
  triggerPrice?: number;
  triggerKind?: SimTriggerKind;
}

/** Identifies an order by its venue id or by its client order id. */
export type OrderRef = { id: string } | { clientOrderId: string };

/** Filter for {@link SimVenue.listOrders}. */
export interface ListOrdersQuery {
  symbol?: string;
  /** One status or several; all when absent. */
  status?: SimOrderStatus | readonly SimOrderStatus[];
  /** Only orders created at or after this time. */
  since?: number;
  /** At most this many: the first ones after `since` when given, otherwise the most recent. */
  limit?: number;
}

/** The USD account balance. Spot holdings of other assets are in `assets`. */
export interface SimBalance {
  timestamp: number;
  /** Wallet balance plus unrealised PnL (equity), USD. */
  total: number;
  /** Margin of open orders and positions plus USD reserved by spot buy orders. */
  used: number;
  /** `total - used`; may go negative when losses exceed the margin. */
  free: number;
  /** Deposits plus realised PnL minus fees, USD. */
  wallet: number;
  unrealizedPnl: number;
  /** Spot holdings other than USD: `{BTC: {total, used, free}}`. */
  assets: Record<string, { total: number; used: number; free: number }>;
}

/** An open swap position (one-way mode, cross margin). */
export interface SimPosition {
  symbol: string;
  side: 'long' | 'short';
  /** Always positive. */
  contracts: number;
  contractSize: number;
  entryPrice: number;
  markPrice: number;
  /** `contracts × markPrice`, positive. */
  notional: number;
  unrealizedPnl: number;
  leverage: number;
  /** `notional / leverage`. */
  initialMargin: number;
  /** `notional × maintMarginRatio` (see `margin-rules.ts`): the venue liquidates when the margin balance falls to the sum of these. */
  maintenanceMargin: number;
  /** The mark at which, the other positions as they are, the account reaches maintenance (see `Account`); 0 when none does. */
  liquidationPrice: number;
  marginMode: 'cross';
  timestamp: number;
}
