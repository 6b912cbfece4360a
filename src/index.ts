/**
 * `misso`: what a strategy author needs. Start with {@link Updater}: `Updater.fromFile(path)` or
 * `Updater.fromConfig(obj)`, then `start()`, read `state`, push to `pendingOrders`, `stop()`.
 * The simulator is in `misso/sim`, the status server in `misso/http`, test helpers in
 * `misso/testing`.
 */
export { Updater, type UpdaterOptions, type UpdaterSnapshot, type UpdaterPhase, type UpdaterEvents } from './engine/updater.js';
export type { StateStore, AttributeMeta, StateChange } from './state/state-store.js';
export type { DeepReadonly } from './state/frozen.js';
export type { TaskKind, TaskRuntime, TaskMode, EngineControl } from './tasks/contract.js';
export { SubtaskError, type BoundSubtask } from './tasks/subtask.js';
export { MissingReferenceError } from './tasks/args.js';
export { WatchListShapeError } from './state/watch-list-guard.js';
export type { TaskOptionType } from './config/context.js';
export type { RegisteredTaskOptions } from './engine/task-kinds.js';
export type { StreamStats, StreamPhase } from './streams/stream-loop.js';
export type { Redactor } from './core/redact.js';
export type { TaskStatus, TaskHealth } from './core/task-status.js';
export { SystemClock, type Clock } from './core/clock.js';
export { UserError, StoppedError, StartupError, NotStartedError, AlreadyStartedError } from './core/errors.js';
export { FifoQueue, QueueEmptyError, QueueFullError } from './engine/fifo-queue.js';
export { ConfigError, type ConfigProblem } from './config/config-error.js';
export type { MissoConfigInput } from './config/schema.js';
export type {
  MissoConfig,
  TaskConfig,
  SubtaskConfig,
  SharedAttributeConfig,
  ExchangeConfig,
  RateBudgetConfig,
  OrdersConfig,
  RiskConfig,
  StorageConfig,
  LoggingConfig,
  NotifyConfig,
  TelegramConfig,
  HttpConfig,
  ProcessConfig,
  SourcePos,
} from './config/types.js';
export { Order, type OrderData, type OrderSide, type OrderType, type OrderFee, type CcxtOrderLike, type UpdateResult } from './orders/order.js';
export { IntentError, type OrderIntent } from './orders/intent.js';
export { StorageWriteError, type StorageProblem } from './storage/storage-error.js';
export type { OrderStatus } from './orders/transitions.js';
export type { OrderManager, OrderStats, StopReport } from './orders/manager.js';
export type { CancelResult, CancelOutcome } from './orders/cancel.js';
export { CancelFilterError, type CancelAllFilter } from './orders/cancel-filter.js';
export type { CancelReport } from './orders/cancel-all.js';
export type { ReconcileReport } from './orders/reconcile.js';
export type { PollResult } from './orders/tracker.js';
export { AmendError, type AmendChanges, type AmendOptions, type AmendResult, type AmendMethod } from './orders/amend.js';
export { OrderRefError } from './orders/order-ref.js';
export type { Fill } from './orders/fill-store.js';
export type { ClosedTrade, ApplyFillResult, CcxtTradeLike } from './orders/fills.js';
export type { OrderManagerEvents, IsOpenOrders } from './orders/order-book.js';
export type { PendingOrderQueue } from './orders/pending-orders.js';
export type { Durability, OrderJournal, JournalEvent } from './orders/journal.js';
export type { ExchangeSession, ErrorKind, Priority, SessionHealth } from './exchange/types.js';
export type { Notifier, NotifyLevel, NotifyMessage } from './notify/types.js';
export type { Logger } from './core/logger.js';
