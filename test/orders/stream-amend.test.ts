/**
 * A REST answer read before an amend must not undo the amend the user stream already brought:
 * the exchange's `lastUpdateTimestamp` orders them. In virtual time, on the in-process sim with
 * REST latency: the open-orders poll reads the venue, the order is amended on the venue (outside
 * misso) and pushed, then the poll's older answer arrives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Order } from '../../src/orders/order.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

describe('an amend learned from the stream', () => {
  it('is not reverted by an older REST answer that arrives after it', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const order = r.manager.queue.push([null, amount, restingBuy, 'buy', symbol]);
    await r.clock.advanceUntil(() => order.status === 'open', 30_000, 50);
    const kinds: string[] = [];
    r.manager.on('order', (_o: Order, change) => kinds.push(change.kind));

    // The user stream: a second face on the same venue, as the engine's watchOrders would be.
    const venue = r.sim.getVenue();
    const stream = createSimExchange({ seed: 7 }, { clock: r.clock, venue });
    const pushed = stream.watchOrders(symbol);

    r.sim.setKnobs({ latency_ms: 1_000 });
    const polled = r.manager.updateOpenOrders();
    // The venue answers the poll at half the latency; the answer travels the other half.
    await r.clock.advance(600);
    const newPrice = Number(r.sim.priceToPrecision(symbol, restingBuy * 0.9));
    const newAmount = Number(r.sim.amountToPrecision(symbol, amount * 2));
    venue.amendOrder({ id: order.id! }, { price: newPrice, amount: newAmount });
    const update = (await drive(r.clock, pushed)).find((o) => o.id === order.id);
    expect(update).toMatchObject({ price: newPrice, amount: newAmount });
    expect(r.manager.applyStreamOrder(update!)).toBe(true);
    expect(order).toMatchObject({ price: newPrice, amount: newAmount });

    const polledBefore = r.sim.counters().calls['fetchOpenOrders'] ?? 0;
    await drive(r.clock, polled);
    expect(polledBefore).toBeGreaterThan(0);
    expect(order).toMatchObject({ price: newPrice, amount: newAmount, remaining: newAmount, status: 'open' });
    expect(r.journal.get(order.clientOrderId)).toMatchObject({ price: newPrice, amount: newAmount });
    expect(kinds.filter((k) => k.endsWith(':edited'))).toEqual(['ws:edited']);

    // A fresh poll agrees with the stream.
    r.sim.setKnobs({ latency_ms: 0 });
    await drive(r.clock, r.manager.updateOpenOrders());
    expect(order).toMatchObject({ price: newPrice, amount: newAmount });
    await stream.close();
  });
});
