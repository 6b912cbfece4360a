/**
 * `misso/sim`: the simulated exchange (in process, ccxt's unified API) and `misso sim-server`,
 * which serves it over the Binance USD-M REST and websocket dialects (`pointAtSimServer` moves
 * an unmodified ccxt client onto it).
 */
export { SimExchange, type SimExchangeOptions, type SimExchangeCounters, type SimKnobs } from './sim-exchange.js';
export { createSimExchange } from './create-sim-exchange.js';
export { SimVenue, type SimVenueOptions, type SimVenueCounters } from './venue.js';
export { SimError, type SimErrorCode, type SimErrorDetail } from './sim-error.js';
export type {
  SimMarket,
  SimMarketType,
  SimTicker,
  SimCandle,
  SimBalance,
  SimPosition,
  SimOrder,
  SimOrderSide,
  SimOrderType,
  SimOrderStatus,
  SimTimeInForce,
  SimTriggerKind,
  SimFill,
  PlaceOrderRequest,
  ListOrdersQuery,
  OrderRef as SimOrderRef,
} from './venue-types.js';
export type {
  VenueFeed,
  SimExecution,
  SimOrderEvent,
  SimOrderListener,
  SimWalletEvent,
  SimWalletListener,
  SimWalletReason,
} from './venue-feed.js';
export type { PublicTape as SimPublicTape, SimPublicTrade, TradeQuery as SimTradeQuery } from './trade-tape.js';
export type { MarketSpec } from './universe.js';
export type { SimStreamName } from './sim-streams.js';
export type { RealismCounters, RealismSettings } from './realism.js';
export type { FaultKind as SimFaultKind, FaultRule as SimFaultRule } from './sim-knobs.js';
export {
  startSimServer,
  describeFaultSyntax,
  DEFAULT_SIM_API_KEY,
  DEFAULT_SIM_SECRET,
  DEFAULT_SIM_PORT,
  DEFAULT_SIM_SEED,
  type SimServer,
  type SimServerOptions,
} from './http/binance-server.js';
export { pointAtSimServer } from './http/point-at-sim-server.js';
