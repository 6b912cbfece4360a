import type { Exchange } from 'ccxt';

/**
 * Request classes of the per-account rate budget, most urgent first: order placement and
 * cancel, then order status, then account data, then market data, then the operator's reads
 * (the dashboard's and the control API's candles: an operator's browser tabs never hold the
 * strategy's own calls back).
 */
export type Priority = 'order' | 'status' | 'account' | 'market' | 'operator';

/** Priorities in the order they are served. */
export const PRIORITIES: readonly Priority[] = ['order', 'status', 'account', 'market', 'operator'];

/**
 * The small set of kinds every exchange error is classified into, once, at the exchange
 * boundary (see classify.ts). Callers steer on these, never on ccxt class names.
 */
export type ErrorKind =
  /** Network trouble, 5xx, timeouts: try again after a backoff. */
  | 'retryable'
  /** 429 / 418 / DDoS protection: pause the lower classes, then try again. */
  | 'rate_limit'
  /** Clock skew (`InvalidNonce`, "outside recvWindow"): resync the time offset, then retry. */
  | 'nonce'
  /** Bad or missing credentials: stop the task and alert, never hammer. */
  | 'auth'
  /** The order was refused for good (`InvalidOrder`, `BadSymbol`, …). */
  | 'invalid_order'
  /** Not enough margin for the order: final for that order. */
  | 'insufficient_funds'
  /** `OrderNotFound`. */
  | 'not_found'
  /** The exchange does not support the call. */
  | 'not_supported'
  /**
   * A config or usage mistake inside a task (a timeframe the exchange does not offer, arguments
   * it refuses): retrying cannot help until the config changes. Set by the engine for tasks.
   */
  | 'usage'
  /** Anything else: treated as retryable by loops, but logged with its class. */
  | 'unknown';

/**
 * What an exchange session knows of its own health: a restart under way (and its failed
 * rebuilds), and exchange calls failing in a row. Errors are named by class and HTTP status
 * only, never by message (a message may quote a signed URL).
 */
export interface SessionHealth {
  /** Epoch ms at which the restart under way began; null when none is. */
  restartingSince: number | null;
  /** Rebuild attempts of the restart under way that failed. */
  failedRebuilds: number;
  /** The last failed rebuild's error (`ExchangeNotAvailable (HTTP 503)`); null when none failed. */
  lastRebuildError: string | null;
  /**
   * Exchange calls in a row that failed with network-class errors (network, 5xx, timeouts) since
   * the exchange last answered one (a success, or a refusal of another kind), or was rebuilt.
   */
  failedCalls: number;
  /** Epoch ms of the first of those failures; null when there are none. */
  failingSince: number | null;
  /** The last of those failures, named as {@link SessionHealth.lastRebuildError}; null when there are none. */
  lastCallError: string | null;
}

/**
 * One exchange account as the engine sees it: a ccxt `Exchange` (the simulator or a real
 * class) behind the account's rate budget and the restart gate.
 */
export interface ExchangeSession {
  /**
   * The exchange every task and helper calls (`self.aftx`). It is a stable proxy: after a
   * restart it points at the new instance. Each async unified method goes through the gate
   * and the budget with the priority of its method name.
   */
  readonly exchange: Exchange;
  /** True while the session is being rebuilt (the seed's `restart_exchange`). */
  readonly restarting: boolean;
  /** Calls currently in flight through the proxy. */
  readonly inFlight: number;
  /** A restart under way and its failed rebuilds, and exchange calls failing in a row (for readiness). */
  health(): SessionHealth;
  /** Resolves when the gate is open (immediately when not restarting). Resolves early on abort. */
  waitOpen(signal?: AbortSignal): Promise<void>;
  /**
   * Closes the gate, waits for the calls in flight to drain (up to `drainTimeoutMs`), closes the
   * old instance, builds a new one, runs the `onReopen` hooks (reconciliation) and reopens.
   */
  restart(options?: { drainTimeoutMs?: number; signal?: AbortSignal }): Promise<void>;
  /**
   * Calls `method` of {@link exchange} at `priority` instead of the class its name gives (the
   * operator's reads go last). Optional: a session without it is called through `exchange`.
   */
  callAt?(priority: Priority, method: string, args: readonly unknown[]): Promise<unknown>;
  /** Hooks run after a rebuild, before the gate opens again. */
  onReopen(hook: () => Promise<void>): void;
  /**
   * Closes the exchange, letting writes already sent (orders, cancels: their answers are
   * journaled) finish for up to `drainTimeoutMs`; reads in flight are abandoned, their answers of
   * no use any more (a stop while starting passes 0: nothing it sent is worth waiting for).
   * Idempotent.
   */
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}
