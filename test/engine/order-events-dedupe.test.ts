/**
 * Which order changes the dedupe of status events may drop: only the exchange's reports (an
 * answer, the stream, a poll) that show nothing new. An act of misso's or the strategy's (an
 * order marked lost, a second amend refused alike) is always published (review 27 of the diff #2).
 */
import { describe, expect, it } from 'vitest';
import { OrderEvents, type OrderChange } from '../../src/engine/order-events.js';
import type { Order } from '../../src/orders/order.js';

const view = { clientOrderId: 'c1', id: 'x1', symbol: 'BTC/USD:USD', side: 'buy', status: 'open', reason: null, price: 100, amount: 1, filled: 0, average: null as number | null, createdAt: 1, submittedAt: 2 };
const order = (over: Partial<typeof view> = {}): Order => ({ ...view, ...over }) as unknown as Order;
const observed = (kind: string): OrderChange => ({ kind, from: 'open', observed: true });

describe('order status events, deduplicated', () => {
  it("drops the exchange's repeated report of a close, not the first", () => {
    const ev = new OrderEvents();
    const closed = order({ status: 'closed', filled: 1, average: 100 });
    expect(ev.next(closed, observed('sent:closed'), 1)?.kind).toBe('sent:closed');
    expect(ev.next(closed, observed('ws:closed'), 2)).toBeNull();
    expect(ev.next(closed, observed('poll:closed'), 3)).toBeNull();
  });

  it('publishes an order marked lost, and a second amend refused for the same reason', () => {
    const ev = new OrderEvents();
    const o = order();
    expect(ev.next(o, observed('sent:open'), 1)?.kind).toBe('sent:open');
    expect(ev.next(o, { kind: 'lost', from: 'open' }, 2)?.kind).toBe('lost');
    const refused: OrderChange = { kind: 'amend:refused', from: 'open', reason: 'amend refused: x' };
    expect(ev.next(o, refused, 3)?.kind).toBe('amend:refused');
    expect(ev.next(o, refused, 4)?.kind).toBe('amend:refused');
  });

  it('an order forgotten (a change no client heard of) is published again in full at its next report', () => {
    const ev = new OrderEvents();
    const o = order();
    expect(ev.next(o, observed('sent:open'), 1)).not.toBeNull();
    ev.forget('c1');
    expect(ev.next(o, observed('poll:update'), 2)?.kind).toBe('poll:update');
  });
});
