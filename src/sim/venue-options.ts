import type { Clock } from '../core/clock.js';
import type { MarketSpec } from './universe.js';

/** Options of {@link SimVenue}. */
export interface SimVenueOptions {
  /** Fixes markets, volumes, prices and ids. */
  seed: number;
  /** Drives the price path and matching; read on every access. */
  clock: Clock;
  /** Replaces the default universe (40 perpetuals, 4 spot markets). @defaultValue defaultUniverse() */
  markets?: readonly MarketSpec[];
  /** USD in the wallet at start. @defaultValue 10_000 */
  startingBalanceUsd?: number;
  /** Leverage of every swap market, capped by each market's maximum. @defaultValue 20 */
  leverage?: number;
  /** USD value a market can fill per 10 s price step, per side, shared by crossed orders. @defaultValue 100_000 */
  liquidityPerStepUsd?: number;
  /**
   * Market orders fill this much worse than each level of the book they take (the book moved
   * between sending and matching); the book's depth is their size's cost. @defaultValue 0
   */
  slippageBps?: number;
  /** Quoted spread around `last` (at least one tick each side). @defaultValue 2 */
  spreadBps?: number;
  /** A new order stays unknown to `getOrder`/`listOrders` for this long. @defaultValue 0 */
  visibilityDelayMs?: number;
  /**
   * Perpetuals carry a seeded funding rate per 8-hour funding time and open positions pay or
   * receive it (see `funding-charges.ts`); off, every rate is 0 and nothing is charged. @defaultValue false
   */
  funding?: boolean;
  /**
   * The account is liquidated when its margin balance falls to its positions' maintenance margin
   * (see `liquidation.ts`); off, equity may go negative and nothing is closed. @defaultValue true
   */
  liquidation?: boolean;
  /** Anchor of the price path (the day containing it opens at reference prices). @defaultValue clock.now() */
  startMs?: number;
}

/** What the venue counted, for tests and the `/metrics` of its faces. */
export interface SimVenueCounters {
  ordersPlaced: number;
  ordersRejected: number;
  fills: number;
  /** `getOrder`/`listOrders` answers that hid an order because of the visibility delay. */
  hiddenByVisibilityDelay: number;
}
