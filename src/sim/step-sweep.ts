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
}

/**
 * Walks the finished price steps `[from, upto)` through the resting orders: per step and market,
 * stop orders whose trigger the bar crossed fire (pushed as NEW), then resting limit orders the
 * bar reached fill (up to the step's liquidity). Every fill and settlement is pushed to the feed,
 * stamped with the step's end. Orders placed after a step began wait for the next one.
 */
export function sweepSteps(parts: SweepParts, from: number, upto: number): void {
  const { path, orders: store, account, feed, fillId } = parts;
  for (let step = from; step < upto; step++) {
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
    if (!store.hasOpen) break;
  }
}
