/**
 * `misso/http`: the status server (`/status`, `/events`, `/metrics`, `/healthz`, `/readyz` and
 * the dashboard) for any {@link StatusSource}, such as `updater.statusSource()`.
 */
export { startStatusServer, type StatusServer, type StatusServerOptions } from './status-server.js';
export { renderDashboard, type DashboardOptions } from './dashboard.js';
export type {
  StatusSnapshot,
  StatusEvent,
  StatusEventType,
  StatusSource,
  TaskStatus,
  AttributeStatus,
  OrderCounts,
  BudgetStatus,
  ExchangeStatus,
  Phase,
  TaskState,
  ReadinessFlags,
  StreamStatus,
  OperatorSource,
  OrderView,
  OrderListKind,
  PositionView,
  CapitalPoint,
  OrderChanges,
  CancelFilter,
  CancelOutcomeView,
} from './types.js';
