/**
 * A silent user stream is caught by the market: when the streamed price moves through one of our
 * resting limit orders and the stream then says nothing past its limit, the order is looked up by
 * REST, and a change of its status, fill, amount or price that the stream never sent proves it
 * stalled. Look-ups are bounded: a few per check, one batch at a time, backoff after failures.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Order, restoreOrder, transitionOrder, writeOrder } from '../../src/orders/order.js';
import type { PollResult } from '../../src/orders/tracker.js';
import { OwedEvents } from '../../src/streams/owed-events.js';
import { StreamCache } from '../../src/streams/stream-cache.js';
import type { StreamContext } from '../../src/streams/stream-context.js';

const LIMIT = 5_000;
const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';
const START = 1_700_000_000_000;

function resting(side: 'buy' | 'sell', price: number, params: Record<string, unknown> = {}): Order {
  const adopted = Order.adopt({ id: `x-${side}-${price}`, clientOrderId: `c-${side}-${price}`, symbol: BTC, side, type: 'limit', price, amount: 1 }, START);
  const o = new Order({ ...adopted.toJSON(), params });
  transitionOrder(o, 'open', START);
  return o;
}

/** What REST says: the order filled (a material change the stream owed). */
function filled(o: Order): PollResult {
  restoreOrder(o, { ...o.toJSON(), filled: o.amount, remaining: 0 });
  transitionOrder(o, 'closed', START);
  return 'updated';
}

type Answer = (o: Order) => PollResult | Promise<PollResult>;

function rig(orders: Order[], answer: Answer = () => 'unchanged') {
  const clock = new VirtualClock(START);
  const cache = new StreamCache();
  let healthy = true;
  let candlesHealthy = false;
  cache.tickersHealthy = () => healthy;
  cache.candlesHealthy = () => candlesHealthy;
  const polled: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
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
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          return await answer(o);
        } finally {
          inFlight--;
        }
      },
    },
  } as unknown as StreamContext;
  const owed = new OwedEvents(ctx);
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  /** Runs one watchdog check `ms` later and lets a look-up it started finish. */
  const checkAfter = async (ms: number): Promise<boolean> => {
    await clock.advance(ms);
    const first = owed.check(clock.now(), LIMIT);
    await settle();
    return first || owed.check(clock.now(), LIMIT);
  };
  /** The streamed last price moves to `last` now. */
  const price = async (last: number): Promise<void> => {
    await clock.advance(1);
    cache.setPrice(BTC, last, clock.now());
  };
  return { clock, cache, owed, polled, checkAfter, price, settle, maxInFlight: () => maxInFlight, setHealthy: (h: boolean) => (healthy = h), setCandlesHealthy: (h: boolean) => (candlesHealthy = h) };
}

describe('OwedEvents: the market proves a user stream silent', () => {
  it('a buy the price went through, the stream silent past its limit, and REST shows the fill: stalled', async () => {
    const buy = resting('buy', 100);
    const s = rig([buy], filled);
    await s.price(99.5);
    expect(await s.checkAfter(LIMIT - 100)).toBe(false);
    expect(s.polled).toEqual([]);
    expect(await s.checkAfter(200)).toBe(true);
    expect(s.polled).toEqual([buy.clientOrderId]);
    // Once proven, it stays so until the reconnection's gap fill resets it.
    expect(s.owed.check(s.clock.now(), LIMIT)).toBe(true);
    s.owed.reset(s.clock.now());
    expect(s.owed.check(s.clock.now(), LIMIT)).toBe(false);
  });

  it('a sell the price went through above, REST unchanged: not stalled; looked up again only on newer evidence, after a doubling wait', async () => {
    const sell = resting('sell', 100);
    const s = rig([sell]);
    await s.price(100.5);
    expect(await s.checkAfter(LIMIT + 100)).toBe(false);
    expect(s.polled).toHaveLength(1);
    // Nothing newer from the market: not looked up again, however long.
    expect(await s.checkAfter(LIMIT * 6)).toBe(false);
    expect(s.polled).toHaveLength(1);
    // A new trade through it: looked up again once the limit passed (the 5 s wait is over).
    await s.price(100.7);
    expect(await s.checkAfter(LIMIT + 100)).toBe(false);
    expect(s.polled).toHaveLength(2);
    // Another at once: the wait is 10 s now.
    await s.price(100.6);
    expect(await s.checkAfter(LIMIT + 100)).toBe(false);
    expect(s.polled).toHaveLength(2);
    expect(await s.checkAfter(5_000)).toBe(false);
    expect(s.polled).toHaveLength(3);
  });

  it("a wick between two ticker pushes: the forming candle's low through a resting buy proves it, the ticker never did", async () => {
    const buy = resting('buy', 100);
    const s = rig([buy], filled);
    s.setCandlesHealthy(true);
    const open = START - 30_000;
    await s.price(100.4);
    s.cache.noteCandle(BTC, '1m', [open, 100.5, 100.6, 100.2, 100.4, 1], s.clock.now());
    await s.clock.advance(250);
    // The low falls to 99.8 and the close comes back: a trade at 99.8 since the last delivery.
    s.cache.noteCandle(BTC, '1m', [open, 100.5, 100.6, 99.8, 100.3, 2], s.clock.now());
    await s.price(100.3);
    expect(await s.checkAfter(LIMIT + 100)).toBe(true);
    expect(s.polled).toEqual([buy.clientOrderId]);

    // A low made before the order's last change proves nothing.
    const late = resting('buy', 100);
    const t = rig([late], filled);
    t.setCandlesHealthy(true);
    t.cache.noteCandle(BTC, '1m', [open, 100.5, 100.6, 100.2, 100.4, 1], START - 500);
    t.cache.noteCandle(BTC, '1m', [open, 100.5, 100.6, 99.8, 100.4, 2], START - 200);
    expect(await t.checkAfter(LIMIT * 2)).toBe(false);
    // Nor does a candle stream that is not healthy.
    t.setCandlesHealthy(false);
    await t.clock.advance(10);
    t.cache.noteCandle(BTC, '1m', [open, 100.5, 100.6, 99.5, 100.4, 3], t.clock.now());
    expect(await t.checkAfter(LIMIT * 2)).toBe(false);
    expect(t.polled).toEqual([]);
  });

  it('nothing is owed: a price at the limit, a stream that spoke since, a price seen before the order changed, a trigger order, a lost order, an unhealthy ticker stream', async () => {
    const cases: { what: string; order: Order; before?: (s: ReturnType<typeof rig>, o: Order) => Promise<void>; last?: number }[] = [
      { what: 'at the limit', order: resting('buy', 100), last: 100 },
      {
        what: 'the stream spoke after the price went through',
        order: resting('buy', 100),
        before: async (s) => {
          await s.price(99);
          await s.clock.advance(10);
          s.owed.heard(s.clock.now());
        },
      },
      {
        what: 'the order changed after the price went through (the trade predates it)',
        order: resting('buy', 100),
        before: async (s, o) => {
          await s.price(99);
          writeOrder(o, { updatedAt: s.clock.now() + 1 });
        },
      },
      { what: 'a stop-limit waiting for its trigger', order: resting('buy', 100, { triggerPrice: 101 }) },
      {
        what: 'a lost order',
        order: resting('buy', 100),
        before: async (s, o) => {
          writeOrder(o, { lost: true });
          await s.price(99);
        },
      },
      { what: 'an unhealthy ticker stream', order: resting('buy', 100), before: async (s) => void s.setHealthy(false) },
    ];
    for (const c of cases) {
      const s = rig([c.order], filled);
      if (c.before) await c.before(s, c.order);
      else await s.price(c.last ?? 99);
      if (c.what === 'an unhealthy ticker stream') await s.price(99);
      expect({ what: c.what, stalled: await s.checkAfter(LIMIT * 2) }).toEqual({ what: c.what, stalled: false });
      expect({ what: c.what, polled: s.polled }).toEqual({ what: c.what, polled: [] });
    }
  });

  it('a change REST shows after the stream spoke again is not a stall; nor is one that touched only bookkeeping', async () => {
    const buy = resting('buy', 100);
    const s = rig([buy], (o) => {
      // The stream's own update lands while the look-up is on its way.
      s.owed.heard(s.clock.now());
      return filled(o);
    });
    await s.price(99);
    expect(await s.checkAfter(LIMIT + 100)).toBe(false);
    expect(s.polled).toEqual([buy.clientOrderId]);

    // "updated" for a reset not-found count: status, fill, amount and price unchanged.
    const other = resting('buy', 100);
    const b = rig([other], () => 'updated');
    await b.price(99);
    expect(await b.checkAfter(LIMIT + 100)).toBe(false);
    expect(await b.checkAfter(LIMIT * 4)).toBe(false);
    expect(b.polled).toEqual([other.clientOrderId]);
  });

  it('look-ups that settle nothing back off and leave the others their turn; a rejected one is caught', async () => {
    const orders = [100, 100.1, 100.2, 100.3].map((p) => resting('buy', p));
    const s = rig(orders, (o) => {
      if (o === orders[3]) return filled(o);
      if (o === orders[2]) return Promise.reject(new Error('socket hang up'));
      return o === orders[1] ? 'not_found' : 'error';
    });
    await s.price(99);
    // At most three per check: the first three, which settle nothing.
    await s.clock.advance(LIMIT + 100);
    expect(s.owed.check(s.clock.now(), LIMIT)).toBe(false);
    await s.settle();
    expect(s.polled).toEqual(orders.slice(0, 3).map((o) => o.clientOrderId));
    // The next check takes the one not tried yet, and its fill proves the stall.
    expect(await s.checkAfter(0)).toBe(true);
    expect(s.polled.at(-1)).toBe(orders[3]!.clientOrderId);
    expect(s.polled).toHaveLength(4);
  });

  it('failed look-ups of one order are retried with doubling waits, not at every check', async () => {
    const buy = resting('buy', 100);
    const s = rig([buy], () => 'error');
    await s.price(99);
    await s.checkAfter(LIMIT + 100);
    const at: number[] = [];
    let seen = s.polled.length;
    for (let t = 0; t < 40_000; t += 1_000) {
      await s.checkAfter(1_000);
      if (s.polled.length > seen) at.push(t + 1_000);
      seen = s.polled.length;
    }
    // 5 s, then 10 s, then 20 s after the first.
    expect(at).toEqual([5_000, 15_000, 35_000]);
  });

  it('one batch at a time, whatever the checks in between', async () => {
    const orders = [100, 100.1].map((p) => resting('buy', p));
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const s = rig(orders, async (): Promise<PollResult> => {
      await held;
      return 'unchanged';
    });
    await s.price(99);
    await s.checkAfter(LIMIT + 100);
    for (let i = 0; i < 5; i++) await s.checkAfter(1_000);
    expect(s.polled).toHaveLength(1);
    release();
    await s.settle();
    expect(s.polled).toHaveLength(2);
    expect(s.maxInFlight()).toBe(1);
  });

  it('a reconnection during a look-up makes its answers moot; a stream heard after the proof withdraws it', async () => {
    const orders = [100, 100.1].map((p) => resting('buy', p));
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const s = rig(orders, async (o): Promise<PollResult> => {
      if (o === orders[0]) {
        await held;
        return 'unchanged';
      }
      return filled(o);
    });
    await s.price(99);
    expect(await s.checkAfter(LIMIT + 100)).toBe(false);
    s.owed.reset(s.clock.now());
    release();
    await s.settle();
    expect(s.owed.check(s.clock.now(), LIMIT)).toBe(false);
    expect(s.polled).toEqual([orders[0]!.clientOrderId]);

    const buy = resting('buy', 100);
    const late = rig([buy], filled);
    await late.price(99);
    expect(await late.checkAfter(LIMIT + 100)).toBe(true);
    late.owed.heard(late.clock.now());
    expect(late.owed.check(late.clock.now(), LIMIT)).toBe(false);
  });

  it('evidence the stream answered is spent: a later trade through the order, with the stream silent since, is owed again', async () => {
    const buy = resting('buy', 100);
    const s = rig([buy], filled);
    await s.price(99.9);
    expect(await s.checkAfter(500)).toBe(false);
    // The stream speaks (about something else): it was alive after that trade.
    await s.clock.advance(100);
    s.owed.heard(s.clock.now());
    await s.price(100.5);
    expect(await s.checkAfter(500)).toBe(false);
    // Then the market goes through the order again, and the stream says nothing.
    await s.price(99);
    await s.price(98);
    let stalled = false;
    for (let i = 0; i < 20 && !stalled; i++) stalled = await s.checkAfter(500);
    expect(stalled).toBe(true);
    expect(s.polled).toEqual([buy.clientOrderId]);
  });

  it('an order that changed since its last look-up is looked up without the wait', async () => {
    const buy = resting('buy', 100);
    let answers = 0;
    const s = rig([buy], (o) => (++answers === 1 ? 'unchanged' : filled(o)));
    await s.price(99.5);
    expect(await s.checkAfter(LIMIT + 100)).toBe(false);
    expect(s.polled).toHaveLength(1);
    // A partial fill the stream told (the order changed), then the stream goes quiet and the
    // market goes through it again: looked up after the limit, not after the 5 s wait.
    await s.clock.advance(100);
    writeOrder(buy, { updatedAt: s.clock.now() });
    s.owed.heard(s.clock.now());
    await s.price(99.2);
    expect(await s.checkAfter(LIMIT + 100)).toBe(true);
    expect(s.polled).toHaveLength(2);
  });
});

describe('StreamCache candle extremes', () => {
  it("a delivery's rows share its time: a move among them traded after the delivery before, and the first delivery proves nothing", () => {
    const cache = new StreamCache();
    cache.candlesHealthy = () => true;
    const open = START - 60_000;
    // The first delivery: the closed candle, then the forming one with a lower low.
    cache.noteCandle(BTC, '1m', [open - 60_000, 100, 101, 99.5, 100, 1], START);
    cache.noteCandle(BTC, '1m', [open, 100, 100.5, 98, 100, 1], START);
    expect(cache.extremes(BTC)[0]!.lowMove?.after ?? Number.NEGATIVE_INFINITY).toBe(Number.NEGATIVE_INFINITY);
    // The next delivery carries two rows of the forming candle; both moves date from after START.
    cache.noteCandle(BTC, '1m', [open, 100, 100.5, 97.5, 100, 2], START + 250);
    cache.noteCandle(BTC, '1m', [open, 100, 100.5, 97, 100, 3], START + 250);
    expect(cache.extremes(BTC)[0]!.lowMove).toEqual({ at: START + 250, after: START, price: 97 });
    // A late row of an older candle changes nothing.
    cache.noteCandle(BTC, '1m', [open - 60_000, 100, 101, 90, 100, 1], START + 500);
    expect(cache.extremes(BTC)[0]!.lowMove).toEqual({ at: START + 250, after: START, price: 97 });
  });

  it('a candle delivery that does not carry a symbol says its candle had not moved: the next move dates from that delivery', () => {
    const cache = new StreamCache();
    cache.candlesHealthy = () => true;
    const open = START - 60_000;
    cache.candlesDelivered(START);
    cache.noteCandle(BTC, '1m', [open, 100, 100.5, 99, 100, 1], START);
    cache.noteCandle(ETH, '1m', [open, 10, 10.5, 9.9, 10, 1], START);
    // Deliveries of ETH alone: BTC's candle stayed where it was (unchanged rows are left out).
    for (const t of [START + 250, START + 500, START + 750]) {
      cache.candlesDelivered(t);
      cache.noteCandle(ETH, '1m', [open, 10, 10.5, 9.9, 10, 1], t);
    }
    cache.candlesDelivered(START + 1_000);
    cache.noteCandle(BTC, '1m', [open, 100, 100.5, 98, 99, 2], START + 1_000);
    // Traded after the delivery at START + 750, not after BTC's own previous row (START).
    expect(cache.extremes(BTC)[0]!.lowMove).toEqual({ at: START + 1_000, after: START + 750, price: 98 });
  });
});
