import type { Exchange } from 'ccxt';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { StreamNoticeDeps } from './stream-notices.js';

/** Where a stream is: dialling, delivering, silent past its limit, or failed and backing off. */
export type StreamPhase = 'connecting' | 'up' | 'stalled' | 'down';

/** What one stream does: its watch call, what it does with the data, and how it recovers. */
export interface StreamSpec<T> {
  /** `tickers`, `candles`, `orders`, … */
  readonly name: string;
  /** One ccxt.pro watch call; resolves with what arrived since the previous call. */
  watch(exchange: Exchange): Promise<T>;
  /** Applies a delivery to state. */
  apply(data: T): void;
  /**
   * The newest exchange event time (epoch ms, on the exchange's clock) a delivery carries, or
   * undefined when it carries none. With it the stream's lag is measured (receipt − event − the
   * known clock offset) and its silence counts from the event, not from the receipt: a feed
   * that is behind by more than the limit is as good as silent (see `StreamLoop`).
   */
  eventTime?(data: T): number | undefined;
  /**
   * Folds deliveries queued while the loop was busy into one, oldest first, applied together
   * (a user stream: one journal transaction for the lot); without it each is applied in turn.
   */
  merge?(deliveries: readonly T[]): T;
  /**
   * Fills what may have been missed while the stream was away, by REST, before the stream
   * counts as fresh again. Called after every (re)connection's first delivery.
   */
  gapFill?(exchange: Exchange): Promise<void>;
  /** Whether a ccxt websocket client (by URL and subscription keys) carries this stream. */
  ownsClient(url: string, subscriptions: readonly string[]): boolean;
  /**
   * When the stream counts as stalled. Market streams: silent longer than `stallAfterMs`.
   * A user stream has no heartbeat, so it decides itself (see the orders stream); it is also
   * stalled when its last delivery arrived behind by more than the limit (see {@link eventTime}).
   */
  isStalled?(lastMessageAt: number, now: number, stallAfterMs: number): boolean;
  /** What made {@link isStalled} say so last, for the operator (default: the silence). */
  stallCause?(): string | undefined;
  /**
   * A user stream may stay silent for hours: it counts as up (and is gap filled) once its
   * connection is open, without waiting for a first delivery.
   */
  readyWithoutData?: boolean;
  /** Called after the stream failed, before it reconnects (e.g. to drop a dead listenKey). */
  onError?(exchange: Exchange): void;
  /**
   * A failed watch call may leave its connection open with the subscription still registered in
   * ccxt (a refused SUBSCRIBE): the loop then drops the connection before it resubscribes. For
   * streams on a connection of their own (market data); not the user streams, which share one.
   */
  dropConnectionOnFailure?: boolean;
}

/** The metrics of one stream. */
export interface StreamStats {
  name: string;
  phase: StreamPhase;
  /** Up and past its gap fill: its data can be trusted. */
  fresh: boolean;
  lastMessageAt: number | null;
  messages: number;
  reconnects: number;
  stalls: number;
  stallAfterMs: number;
  lastError: string | null;
  /**
   * How far behind the exchange the last delivery that carried an event time was, ms: when it
   * arrived, less the event's time and the known clock offset, at least 0. Null for a stream
   * whose deliveries carry no event time (candles), or before the first.
   */
  lagMs: number | null;
  /** The largest {@link lagMs} of the deliveries of the last minute; null when none came. */
  maxLagMs: number | null;
  /** No problem the operator was told of is still open (its recovery was told, or there was none). */
  held?: boolean;
}

/** Hooks of a {@link StreamLoop} into the engine. */
export interface StreamLoopDeps {
  clock: Clock;
  logger: Logger;
  /** The exchange instance to watch on now (it changes when the session is rebuilt). */
  exchange: () => Exchange;
  /** See {@link StreamNoticeDeps}. */
  notify: StreamNoticeDeps['notify'];
  /**
   * Drops the stream's connection, before it resubscribes: a stalled stream, or one whose watch
   * call failed (the connection may live on with the failed subscription still registered).
   */
  teardown: (exchange: Exchange, spec: StreamSpec<unknown>, reason: string) => Promise<void>;
  /** Whether the stream's connection is open (for streams that are ready without data). */
  isConnected: (exchange: Exchange, spec: StreamSpec<unknown>) => boolean;
  /**
   * Whether the stream's source is still starting (a market-data thread loading): silence is
   * counted from when it is up, not from the watch call, so a slow start is no stall.
   */
  starting?: () => boolean;
  /**
   * Whether a failed watch call was ended by misso itself: the session rebuilt the instance the
   * stream ran on (a restart misso started), or renewed the market-data thread for it. The
   * stream then reconnects with an info line instead of a failure. `begunAt`: what
   * `retirements()` said as the failed attempt began. @defaultValue never
   */
  endedByMisso?: (error: Error, exchange: Exchange, begunAt: number) => boolean;
  /** A count of the session's instance retirements, noted as each watch attempt begins (see endedByMisso). */
  retirements?: () => number;
  /**
   * This machine's clock minus the exchange's, ms, when known (ccxt's `options.timeDifference`),
   * else 0: taken off each lag, so a skewed clock is not reported as the stream being behind.
   */
  clockOffsetMs?: () => number;
  /** @defaultValue 500 */
  baseBackoffMs?: number;
  /** @defaultValue 30_000 */
  maxBackoffMs?: number;
}
