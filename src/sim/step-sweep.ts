import type { Account } from './account.js';
import { matchStep, type NextFillId } from './matching.js';
import type { OrderStore } from './order-store.js';
import { STEP_MS, type PricePath } from './price-path.js';
import { fireTriggers } from './triggers.js';
import type { VenueFeed } from './venue-feed.js';
import type { SimMarket, SimOrder } from './venue-types.js';

/** The venue's parts a sweep moves. */
export interface SweepParts {
  path: PricePath;
  orders: OrderStore;
  account: Account;
  bySymbol: ReadonlyMap<string, SimMarket>;
  /** A market's row in the price path, by symbol. */
  index: ReadonlyMap<string, number>;
  /** USD per market, side and step (the venue's knob may change between sweeps). */
  liquidityPerStepUsd: () => number;
  feed: VenueFeed;
  fillId: NextFillId;
  /** Expires reduce-only orders of `symbol` with nothing left to reduce. */
  expireIdleReduceOnly: (symbol: string, at: number) => void;
  /** What comes after a step's matching: its funding charge (at a funding time), then its liquidation check. */
  afterStep: (step: number) => void;
  /**
   * With no order open, the first step in `[from, upto)` that still needs {@link afterStep} (a
   * funding time, or a close that may reach maintenance); `upto` when none does.
   */
  nextDueStep: (from: number, upto: number) => number;
}

/**
 * Walks the finished price steps `[from, upto)`: per step, {@link matchOrders}, then the step's
 * funding and liquidation check ({@link SweepParts.afterStep}). While no order is open, only
 * the steps {@link SweepParts.nextDueStep} names are visited, so a long jump with a position
 * open costs a few bars, and one with nothing open costs nothing.
 */
export function sweepSteps(parts: SweepParts, from: number, upto: number): void {
  for (let step = from; step < upto; step++) {
    if (parts.orders.hasOpen) matchOrders(parts, step);
    parts.afterStep(step);
    if (!parts.orders.hasOpen) step = parts.nextDueStep(step + 1, upto) - 1;
  }
}

/**
 * One price step through the resting orders: per market, stop orders whose trigger the bar
 * crossed fire (pushed as NEW), then resting limit orders the bar reached fill (up to the step's
 * liquidity). Every fill and settlement is pushed to the feed, stamped with the step's end.
 * Orders placed after the step began wait for the next one.
 */
function matchOrders(parts: SweepParts, step: number): void {
  const { path, orders: store, account, feed, fillId } = parts;
  const start = step * STEP_MS;
  const end = start + STEP_MS;
  const bySymbol = new Map<string, SimOrder[]>();
  for (const o of store.open()) {
    if (o.timestamp > start) continue;
    const list = bySymbol.get(o.symbol);
    if (list) list.push(o);
    else bySymbol.set(o.symbol, [o]);
  }
  for (const [symbol, orders] of bySymbol) {
    const market = parts.bySymbol.get(symbol)!;
    const bar = path.bar(parts.index.get(symbol)!, STEP_MS, step);
    const before = new Map(orders.map((o) => [o, o.fills.length]));
    const settle = (o: SimOrder, st: 'closed' | 'expired'): void => store.settle(o, st, end);
    // A triggered order enters the matching engine: a NEW event, like Binance's new regular order.
    const fired = fireTriggers(orders, market, bar, account, end, fillId, settle, (o) => feed.emit('NEW', o, end));
    const resting = orders.filter((o) => o.status === 'open' && o.type === 'limit' && (o.triggerPrice === undefined || o.triggered));
    const touched = [...fired, ...matchStep(resting, market, bar, parts.liquidityPerStepUsd(), account, end, fillId)];
    for (const o of touched) {
      const fill = o.fills.length > (before.get(o) ?? 0) ? o.fills.at(-1) : undefined;
      if (fill) feed.emit('TRADE', o, end, fill);
      if (o.remaining <= 0) store.settle(o, 'closed', end);
    }
    if (touched.length > 0) parts.expireIdleReduceOnly(symbol, end);
  }
}

/** Binance expires reduce-only orders as soon as there is nothing left for them to reduce. */
export function expireIdleReduceOnly(account: Account, store: OrderStore, symbol: string, now: number): void {
  const pos = account.signedContracts(symbol);
  for (const o of store.open()) {
    if (o.symbol !== symbol || !o.reduceOnly) continue;
    if ((o.side === 'buy' ? -pos : pos) <= 0) store.settle(o, 'expired', now);
  }
}
