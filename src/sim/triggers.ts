import type { Account } from './account.js';
import { execute, type NextFillId } from './matching.js';
import type { PriceBar } from './price-path.js';
import type { SimMarket, SimOrder, SimOrderSide, SimTriggerKind } from './venue-types.js';

/**
 * Whether a price range `[low, high]` reaches a trigger: a stop fires when the price moves
 * against the side (buy: up to the trigger; sell: down to it), a take-profit when it moves in
 * favour (buy: down; sell: up).
 */
export function triggerReached(side: SimOrderSide, kind: SimTriggerKind, trigger: number, low: number, high: number): boolean {
  const up = (side === 'buy') === (kind === 'stop');
  return up ? high >= trigger : low <= trigger;
}

/**
 * Fires the triggers of one market's untriggered orders reached by a price step. A triggered
 * market order fills at once at its trigger price as taker (a reduce-only one capped at the
 * position, the rest expires); a triggered limit order then rests (or matches) as a plain limit.
 * Returns the orders whose state changed; `settle` records a final status, `onTrigger` is told of
 * each trigger before anything executes (the order as placed in the matching engine).
 */
export function fireTriggers(
  orders: readonly SimOrder[],
  market: SimMarket,
  bar: PriceBar,
  account: Account,
  timestamp: number,
  nextFillId: NextFillId,
  settle: (order: SimOrder, status: 'closed' | 'expired') => void,
  onTrigger?: (order: SimOrder) => void,
): SimOrder[] {
  const fired: SimOrder[] = [];
  for (const o of orders) {
    if (o.triggered || o.triggerPrice === undefined || o.triggerKind === undefined) continue;
    if (!triggerReached(o.side, o.triggerKind, o.triggerPrice, bar.low, bar.high)) continue;
    o.triggered = true;
    o.lastUpdateTimestamp = timestamp;
    fired.push(o);
    onTrigger?.(o);
    if (o.type === 'market') {
      execute(o, market, account, o.triggerPrice, o.remaining, false, timestamp, nextFillId);
      settle(o, o.remaining <= 0 ? 'closed' : 'expired');
    }
  }
  return fired;
}
