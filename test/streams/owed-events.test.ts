/**
 * A silent user stream is caught by the market: when the streamed price moves through one of our
 * resting limit orders and the stream then says nothing past its limit, the order is looked up by
 * REST, and a change the stream never sent proves it stalled.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Order } from '../../src/orders/order.js';
import type { PollResult } from '../../src/orders/tracker.js';
import { OwedEvents } from '../../src/streams/owed-events.js';
import { StreamCache } from '../../src/streams/stream-cache.js';
import type { StreamContext } from '../../src/streams/stream-context.js';

const LIMIT = 5_000;
const BTC = 'BTC/USD:USD';

function resting(clock: VirtualClock, side: 'buy' | 'sell', price: number, params: Record<string, unknown> = {}): Order {
  const o = Order.adopt({ id: `x-${side}-${price}`, clientOrderId: `c-${side}-${price}`, symbol: BTC, side, type: 'limit', price, amount: 1 }, clock.now());
  o.transition('open', clock.now());
  Object.assign(o.params, params);
  return o;
}

function rig(orders: Order[], answer: (o: Order) => PollResult = () => 'unchanged') {
  const clock = new VirtualClock();
  const cache = new StreamCache();
  let healthy = true;
  cache.tickersHealthy = () => healthy;
  const polled: string[] = [];
  const ctx = {
    clock,
    cache,
    logger: silentLogger(),
    orders: {
      get openOrders() {
        return { [BTC]: orders };
      },
      pollOrder: async (o: Order) => {
        polled.push(o.clientOrderId);
        return answer(o);
      },
    },
  } as unknown as StreamContext;
  const owed = new OwedEvents(ctx);
  /** Runs one watchdog check `ms` later and lets a look-up it started finish. */
  const checkAfter = async (ms: number): Promise<boolean> => {
    await clock.advance(ms);
    const first = owed.check(clock.now(), LIMIT);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    return first || owed.check(clock.now(), LIMIT);
  };
  return { clock, cache, owed, polled, checkAfter, setHealthy: (h: boolean) => (healthy = h) };
}

describe('OwedEvents: the market proves a user stream silent', () => {
  it('a buy the price went through, the stream silent past its limit, and REST shows the fill: stalled', async () => {
    const buy = resting(new VirtualClock(), 'buy', 100);
    const s = rig([buy], () => 'updated');
    await s.clock.advance(1);
    s.cache.setPrice(BTC, 99.5, s.clock.now());
    expect(await s.checkAfter(LIMIT - 100)).toBe(false);
    expect(s.polled).toEqual([]);
    expect(await s.checkAfter(200)).toBe(true);
    expect(s.polled).toEqual([buy.clientOrderId]);
    // Once proven, it stays so until the reconnection's gap fill resets it.
    expect(s.owed.check(s.clock.now(), LIMIT)).toBe(true);
    s.owed.reset(s.clock.now());
    expect(s.owed.check(s.clock.now(), LIMIT)).toBe(false);
  });

  it('a sell the price went through above, REST unchanged: not stalled, and not looked up again until the price moves through anew', async () => {
    const clock0 = new VirtualClock();
    const sell = resting(clock0, 'sell', 100);
    const s = rig([sell]);
    await s.clock.advance(1);
    s.cache.setPrice(BTC, 100.5, s.clock.now());
    expect(await s.checkAfter(LIMIT + 100)).toBe(false);
    expect(s.polled).toEqual([sell.clientOrderId]);
    expect(await s.checkAfter(LIMIT * 3)).toBe(false);
    // The same price again moves nothing; a new price through it is a new suspicion.
    s.cache.setPrice(BTC, 100.5, s.clock.now());
    expect(await s.checkAfter(LIMIT * 2)).toBe(false);
    expect(s.polled).toHaveLength(1);
    s.cache.setPrice(BTC, 100.7, s.clock.now());
    expect(await s.checkAfter(LIMIT + 100)).toBe(false);
    expect(s.polled).toHaveLength(2);
  });

  it('nothing is owed: a price at the limit, a stream that spoke since, a price seen before the order changed, a trigger order, an unhealthy ticker stream', async () => {
    const clock0 = new VirtualClock();
    // At the limit, not through it.
    const atLimit = rig([resting(clock0, 'buy', 100)], () => 'updated');
    await atLimit.clock.advance(1);
    atLimit.cache.setPrice(BTC, 100, atLimit.clock.now());
    expect(await atLimit.checkAfter(LIMIT * 2)).toBe(false);
    expect(atLimit.polled).toEqual([]);

    // The stream delivered after the price went through: it is talking.
    const spoke = rig([resting(clock0, 'buy', 100)], () => 'updated');
    await spoke.clock.advance(1);
    spoke.cache.setPrice(BTC, 99, spoke.clock.now());
    await spoke.clock.advance(10);
    spoke.owed.heard(spoke.clock.now());
    expect(await spoke.checkAfter(LIMIT * 2)).toBe(false);
    expect(spoke.polled).toEqual([]);

    // The price moved through before the order's last change (the trade predates it).
    const amended = resting(clock0, 'buy', 100);
    const before = rig([amended], () => 'updated');
    await before.clock.advance(1);
    before.cache.setPrice(BTC, 99, before.clock.now());
    amended.updatedAt = before.clock.now() + 1;
    expect(await before.checkAfter(LIMIT * 2)).toBe(false);
    expect(before.polled).toEqual([]);

    // A stop-limit order waiting for its trigger is not on the book.
    const trigger = rig([resting(clock0, 'buy', 100, { triggerPrice: 101 })], () => 'updated');
    await trigger.clock.advance(1);
    trigger.cache.setPrice(BTC, 99, trigger.clock.now());
    expect(await trigger.checkAfter(LIMIT * 2)).toBe(false);
    expect(trigger.polled).toEqual([]);

    // A ticker stream that is not healthy says nothing about the market.
    const stale = rig([resting(clock0, 'buy', 100)], () => 'updated');
    stale.setHealthy(false);
    await stale.clock.advance(1);
    stale.cache.setPrice(BTC, 99, stale.clock.now());
    expect(await stale.checkAfter(LIMIT * 2)).toBe(false);
    expect(stale.polled).toEqual([]);
  });

  it('a change REST shows after the stream spoke again is not a stall', async () => {
    const clock0 = new VirtualClock();
    const buy = resting(clock0, 'buy', 100);
    const s = rig([buy], () => {
      // The stream's own update lands while the look-up is on its way.
      s.owed.heard(s.clock.now());
      return 'updated';
    });
    await s.clock.advance(1);
    s.cache.setPrice(BTC, 99, s.clock.now());
    expect(await s.checkAfter(LIMIT + 100)).toBe(false);
    expect(s.polled).toEqual([buy.clientOrderId]);
  });
});
