import type { NotifyLevel } from '../core/notify-level.js';
import type { TaskStatus } from '../core/task-status.js';

/**
 * The contract between the engine and the status server: the engine implements
 * {@link StatusSource}; the HTTP layer only reads it. Everything here is plain JSON (no Dates,
 * Maps or class instances) so it can be sent as is, and it never carries credentials.
 */

/** Lifecycle of the whole updater. */
export type Phase = 'starting' | 'running' | 'stopping' | 'stopped' | 'faulted';

export type { TaskState, TaskStatus } from '../core/task-status.js';

/** Freshness of one state attribute (`watch_list`, `last_price`, …). */
export interface AttributeStatus {
  /** Epoch ms of the latest write; null when never written. */
  updatedAt: number | null;
  /** `now - updatedAt` at snapshot time; null when never written. */
  ageMs: number | null;
  /** Older than this is stale; null when the attribute never goes stale. */
  maxAgeMs: number | null;
  /** `ageMs > maxAgeMs`, or never written although it has a maximum age. */
  stale: boolean;
  /** The task (or `init`, `config`) that wrote it last. */
  source: string | null;
  /** Short human text for display, e.g. `27 symbols` or `10234.5`. Never the full value. */
  summary: string;
}

/** Order counts. The first four are current sizes; `failed`, `rejected` and `submitted` count since start. */
export interface OrderCounts {
  /** Queued intents not yet acknowledged by the exchange. */
  pending: number;
  /** Orders the exchange holds open. */
  open: number;
  /** Finished orders still in the recently-closed cache. */
  recentlyClosed: number;
  /** Orders not found N times and still polled. */
  lost: number;
  /** Orders that ended `failed` since start. Never decreases. */
  failed: number;
  /**
   * Orders that ended `rejected` since start (by the exchange, the market's rules, `orders.risk`
   * or `orders.require_fresh_price`). Never decreases.
   */
  rejected: number;
  /** Orders sent to the exchange since start. Never decreases. */
  submitted: number;
}

/** The per-account rate budget as seen at snapshot time. */
export interface BudgetStatus {
  /** Weight units allowed per window. */
  capacity: number;
  windowMs: number;
  /** Weight used in the current window. */
  usedInWindow: number;
  /** Requests waiting, by priority (`order`, `status`, `account`, `market`). */
  waiting: Record<string, number>;
  /** Epoch ms until which the lower classes are paused (429/418/Retry-After); null when not paused. */
  pausedUntil: number | null;
}

/** The exchange session. */
export interface ExchangeStatus {
  /** True while the session is being rebuilt. */
  restarting: boolean;
  /** Calls currently in flight. */
  inFlight: number;
  /** Completed restarts since start. Never decreases. */
  restarts: number;
  budget: BudgetStatus;
}

/** The engine's named readiness flags, each set by the part it describes. */
export interface ReadinessFlags {
  /** The config passed validation (always true once an updater exists). */
  config: boolean;
  /** The exchange session is open. */
  exchange: boolean;
  /** The journal is open and writable. */
  journal: boolean;
  /** The init update has finished. */
  init_update: boolean;
}

/**
 * At most this many last prices go into a snapshot (and so into `/status`, `/events` and
 * `misso_last_price`): every symbol of any real watch list, while a runaway `last_price` of
 * thousands of keys cannot bloat each snapshot. `pricesTotal` says how many there are, so a cut
 * is never silent.
 */
export const PRICES_SHOWN = 500;

/** Everything the status server shows, taken at one instant. */
export interface StatusSnapshot {
  /** The updater's name (config file name or library-given). */
  name: string;
  /** `sim` or the ccxt id. */
  exchangeId: string;
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms at which this snapshot was taken (the engine's clock). */
  now: number;
  phase: Phase;
  /** The engine's overall verdict. `/readyz` also requires every task to be up. */
  ready: boolean;
  /** Named readiness flags; `/readyz` wants every one true. */
  readiness: ReadinessFlags;
  /** Why a false flag is false, where the engine knows (`exchange: session restarting since …`). */
  readinessReasons?: Partial<Record<keyof ReadinessFlags, string>>;
  tasks: Record<string, TaskStatus>;
  attributes: Record<string, AttributeStatus>;
  orders: OrderCounts;
  exchange: ExchangeStatus;
  /**
   * Last prices by symbol: every one, up to {@link PRICES_SHOWN}; when
   * {@link StatusSnapshot.pricesTotal} is larger, the rest are left out.
   */
  prices: Record<string, number>;
  /** How many last prices the engine holds; more than the keys of `prices` when they were cut. Absent from older engines. */
  pricesTotal?: number;
  capital: { total: number | null; free: number | null };
  /** The engine's websocket streams (absent or empty when nothing streams). */
  streams?: StreamStatus[];
}

/** One websocket stream of the engine. */
export interface StreamStatus {
  /** `tickers`, `candles`, `orders`, `balance`, `positions`. */
  name: string;
  /** Connected, past its gap fill and not silent past its limit. */
  up: boolean;
  phase: 'connecting' | 'up' | 'stalled' | 'down';
  /** Time since the last delivery; null before the first. */
  lastMessageAgeMs: number | null;
  /**
   * How far behind the exchange's clock the last delivery arrived (its arrival less its event
   * time and the known clock offset); null for a stream whose deliveries carry no event time
   * (candles), or before the first.
   */
  lagMs: number | null;
  /** The largest {@link lagMs} of the last minute's deliveries; null when none came. */
  maxLagMs: number | null;
  messages: number;
  reconnects: number;
  stalls: number;
  stallAfterMs: number;
  /** Why the stream is not up (its last failure, or what showed its stall); null while up. */
  lastError: string | null;
}

/** Something that happened, pushed to live clients as it happens. */
export type StatusEvent =
  /** A task's status changed (a run ended, it entered backoff, it was marked down as stale, …). */
  | { type: 'task'; at: number; task: string; status: TaskStatus }
  /** An attribute was written or went stale. */
  | { type: 'attribute'; at: number; attribute: string; status: AttributeStatus }
  /**
   * An order changed status or filled: one event per change a client can see (one close the
   * exchange reports several times is one event). `reason` explains `failed`/`rejected`/`lost`.
   */
  | {
      type: 'order';
      at: number;
      clientOrderId: string;
      /**
       * What changed, as the journal names it: `queued`, `sending`, `sent:open`, `ws:closed`,
       * `poll:fill`, `amend:refused`, `rejected:stale_price`, … Absent from older engines.
       */
      kind?: string;
      /** The status before the change; null for a new order. Absent from older engines. */
      from?: string | null;
      id: string | null;
      symbol: string;
      side: string;
      status: string;
      reason: string | null;
      /** The limit price; null for market orders. Absent from older engines. */
      price?: number | null;
      amount?: number;
      /** Filled so far; a change of it is a fill. */
      filled?: number;
      /** Average fill price. */
      average?: number | null;
      /** When it was queued (engine clock, epoch ms). */
      createdAt?: number;
      /** When it was last sent to the exchange; null before. */
      submittedAt?: number | null;
    }
  /**
   * A chat command reached the interactor; `outcome` is ok, refused, unauthorized or error.
   * Unauthorized ones are folded: `count` commands from `chat` (a chat id, or 'other chats'),
   * `command` the last of them. Absent `count` means one.
   */
  | { type: 'command'; at: number; command: string; outcome: string; chat?: string; count?: number }
  /** New last prices (`last_price` written), for live charts. Not kept in the event history. */
  | { type: 'prices'; at: number; prices: Record<string, number> }
  /** A notification the engine sent (stale data, recovery, system status summary, …). */
  | { type: 'notification'; at: number; level: NotifyLevel; message: string }
  /** The updater changed phase. */
  | { type: 'phase'; at: number; phase: Phase }
  /** The exchange session started or finished a restart. */
  | { type: 'exchange'; at: number; restarting: boolean; restarts: number };

/** The type tags of {@link StatusEvent}. */
export type StatusEventType = StatusEvent['type'];

/** What the engine offers the status server. */
export interface StatusSource {
  /** The current status; cheap enough to call on every request and every second. */
  snapshot(): StatusSnapshot;
  /**
   * Calls `listener` for every event until the returned function is called. Listeners must not
   * be able to break the engine: the engine should catch what they throw.
   */
  subscribe(listener: (event: StatusEvent) => void): () => void;
  /** Reading orders, state, candles and positions, and acting on them: the `/api` routes. Absent: no `/api`. */
  operator?: OperatorSource;
}

/** One order as the control API shows it. */
export interface OrderView {
  clientOrderId: string;
  /** The exchange's id; null before it acknowledged the order. */
  id: string | null;
  symbol: string;
  side: string;
  type: string;
  price: number | null;
  amount: number;
  filled: number;
  remaining: number;
  average: number | null;
  status: string;
  /** Why it failed, was rejected or is lost; null otherwise. */
  reason: string | null;
  tag: string | null;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
}

/** `GET /api/orders?status=`: open (queued, in flight, resting), recent (finished lately), failed (failed, rejected, lost). */
export type OrderListKind = 'open' | 'recent' | 'failed';

/** One open position. */
export interface PositionView {
  symbol: string;
  side: 'long' | 'short' | null;
  /** Contracts held (always ≥ 0; `side` gives the direction). */
  size: number;
  entryPrice: number | null;
  markPrice: number | null;
  unrealizedPnl: number | null;
  notional: number | null;
  leverage: number | null;
}

/** A point of the capital curve. */
export interface CapitalPoint {
  at: number;
  total: number;
}

/** What `PATCH /api/orders/:clientOrderId` may change. */
export interface OrderChanges {
  price?: number;
  amount?: number;
}

/** Which orders `DELETE /api/orders` cancels: all of ours not finished, narrowed by symbol and side. */
export interface CancelFilter {
  symbol?: string;
  side?: 'buy' | 'sell';
}

/** How the cancel of one order of a `DELETE /api/orders` ended (the outcomes of `orders.cancel`). */
export interface CancelOutcomeView {
  order: OrderView;
  outcome: 'canceled' | 'unsent' | 'final' | 'failed' | 'aborted';
  reason: string | null;
}

/**
 * What the control API reads and does. The engine implements it; the HTTP layer knows nothing
 * of orders' internals. Refusals are thrown as `ControlRefusal` (control-refusal.ts), which
 * carries the HTTP status; anything else thrown is a 500.
 */
export interface OperatorSource {
  orders(kind: OrderListKind): OrderView[];
  /** Plain-JSON values of the named state attributes; names that do not exist are refused. */
  state(keys: readonly string[]): Record<string, unknown>;
  /** `[t, o, h, l, c, v]` rows, oldest first. */
  candles(symbol: string, timeframe: string, limit: number): Promise<number[][]>;
  positions(): PositionView[];
  /** Total capital over time since start, oldest first. */
  capital(): CapitalPoint[];
  /** Queues an order (`pending_orders.push`); returns it with its client id. */
  placeOrder(intent: Record<string, unknown>): OrderView;
  /** Resolves once the exchange confirmed the cancel. */
  cancelOrder(clientOrderId: string): Promise<OrderView>;
  /** Cancels every matching order; resolves once each cancel settled, with its outcome. */
  cancelOrders(filter: CancelFilter): Promise<CancelOutcomeView[]>;
  /** Resolves once the exchange confirmed the change. */
  amendOrder(clientOrderId: string, changes: OrderChanges): Promise<OrderView>;
  /** Stops the updater (gracefully, as SIGTERM does). */
  stop(reason: string): void;
  /** Rebuilds the exchange session; resolves when it is open again. */
  restartExchange(reason: string): Promise<void>;
}
