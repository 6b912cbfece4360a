import type { Exchange } from 'ccxt';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { StateStore } from '../state/state-store.js';
import type { OrderManager } from '../orders/manager.js';
import type { StreamCache } from './stream-cache.js';
import { STREAM_SOURCE } from '../state/streamed-mark.js';

/** What the stream sources need from the engine. */
export interface StreamContext {
  readonly state: StateStore;
  readonly orders: OrderManager;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly cache: StreamCache;
  /** Runs one REST pass of the named task now (gap fills). */
  runTask(name: string): Promise<void>;
  /**
   * Asks for the named task's REST pass at its next `freq` tick even while its streams are
   * healthy: a push said something changed that it could not carry in full.
   */
  restSoon(name: string): void;
  /** Waits for the next stream delivery opportunity when there is nothing to watch yet. */
  idle(signal?: AbortSignal): Promise<void>;
  /** Sleeps `ms` while the streams run: false once they stopped (or before they started). */
  sleep(ms: number): Promise<boolean>;
  /** Whether the exchange lists `symbol` (true before its markets are loaded). */
  lists(symbol: string): boolean;
  /** The exchange's markets table as loaded: another object once they are reloaded (a session rebuild). */
  marketsTable(): unknown;
  /** This machine's clock minus the exchange's, ms, when known, else 0 (see `clockOffsetOf`): an event time + this is its local time. */
  clockOffsetMs(): number;
}

/** The watch* methods the engine uses, as optional members (an exchange may lack any). */
export type WatchingExchange = Exchange & Partial<Record<'watchTickers' | 'watchOHLCVForSymbols' | 'watchOrders' | 'watchBalance' | 'watchPositions', unknown>>;

/** Where a value came from, in state meta: a stream delivery. */
export const WS_SOURCE = STREAM_SOURCE;
