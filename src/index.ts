/**
 * misso's library API. Start with {@link Updater}: `Updater.fromFile(path)` or
 * `Updater.fromConfig(obj)`, then `start()`, read `state`, push to `pendingOrders`, `stop()`.
 */
export { Updater, type UpdaterOptions, type UpdaterSnapshot, type UpdaterPhase, type UpdaterEvents } from './engine/updater.js';
export { StateStore, type AttributeMeta, type StateChange } from './engine/state.js';
export type { TaskKind, TaskRuntime, TaskStatus, TaskMode, EngineControl } from './engine/task-kind.js';
export { SystemClock, VirtualClock, type Clock } from './core/clock.js';
export { UserError, StoppedError, coerceError } from './core/errors.js';
export { ConfigError, type ConfigProblem } from './config/config-error.js';
export type { MissoConfig, TaskConfig, SubtaskConfig, ExchangeConfig, OrdersConfig } from './config/types.js';
export { Order } from './orders/order.js';
export type { OrderStatus } from './orders/transitions.js';
export { OrderManager } from './orders/manager.js';
export { PendingOrderQueue } from './orders/queue.js';
export { classifyError, isAmbiguous, errorKind } from './exchange/classify.js';
export type { ErrorKind, Priority, ExchangeSession } from './exchange/types.js';
export { RateBudget } from './exchange/budget.js';
export { SimExchange, createSimExchange } from './sim/sim-exchange.js';
export { SimVenue } from './sim/venue.js';
export { startSimServer, type SimServer } from './sim/http/binance-server.js';
export { startStatusServer } from './http/status-server.js';
export type { StatusSnapshot, StatusEvent, StatusSource } from './http/types.js';
