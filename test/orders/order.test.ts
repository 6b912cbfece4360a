import { describe, expect, it } from 'vitest';
import { applyOrderUpdate, Order, transitionOrder, writeOrder } from '../../src/orders/order.js';
import {
  IllegalTransitionError,
  ORDER_STATUSES,
  canTransition,
  isFinalStatus,
  statusFromCcxt,
} from '../../src/orders/transitions.js';

const T0 = 1_700_000_000_000;

function intent(amount = 2, price: number | null = 100): Order {
  return Order.intent({ clientOrderId: 'acct-x-1', seq: 1, symbol: 'BTC/USD:USD', side: 'buy', type: 'limit', price, amount, now: T0 });
}

describe('transitions table', () => {
  it('allows the life cycle and forbids leaving a final status', () => {
    expect(canTransition('pending', 'open')).toBe(true);
    expect(canTransition('pending', 'failed')).toBe(true);
    expect(canTransition('open', 'closed')).toBe(true);
    expect(canTransition('open', 'failed')).toBe(false);
    expect(canTransition('open', 'pending')).toBe(false);
    for (const from of ORDER_STATUSES.filter(isFinalStatus)) {
      for (const to of ORDER_STATUSES) expect(canTransition(from, to)).toBe(from === to);
    }
  });

  it('throws IllegalTransitionError for an illegal move', () => {
    const o = intent();
    transitionOrder(o, 'open', T0 + 1);
    transitionOrder(o, 'closed', T0 + 2);
    expect(() => transitionOrder(o, 'canceled', T0 + 3)).toThrow(IllegalTransitionError);
    expect(() => transitionOrder(o, 'open', T0 + 3)).toThrow(/closed -> open/);
    expect(o.status).toBe('closed');
    expect(o.closedAt).toBe(T0 + 2);
  });

  it('maps ccxt and venue spellings', () => {
    expect(statusFromCcxt('cancelled')).toBe('canceled');
    expect(statusFromCcxt('FILLED')).toBe('closed');
    expect(statusFromCcxt('weird')).toBeUndefined();
    expect(statusFromCcxt(undefined)).toBeUndefined();
  });
});

describe('Order.parseUpdate', () => {
  it('applies status and fill from one answer together', () => {
    const o = intent(2);
    const r = applyOrderUpdate(o, { id: '77', status: 'closed', filled: 2, average: 99.5, fee: { cost: 0.1, currency: 'USD' } }, T0 + 10);
    expect(r).toMatchObject({ changed: true, from: 'pending', to: 'closed', filledDelta: 2 });
    expect(o.id).toBe('77');
    expect(o.filled).toBe(2);
    expect(o.remaining).toBe(0);
    expect(o.average).toBe(99.5);
    expect(o.fee).toEqual({ cost: 0.1, currency: 'USD' });
    expect(o.closedAt).toBe(T0 + 10);
  });

  it('keeps applying changes after the first (the seed froze)', () => {
    const o = intent(3);
    applyOrderUpdate(o, { id: '1', status: 'open', filled: 0 }, T0 + 1);
    expect(applyOrderUpdate(o, { status: 'open', filled: 1 }, T0 + 2).filledDelta).toBe(1);
    expect(applyOrderUpdate(o, { status: 'open', filled: 2 }, T0 + 3).filledDelta).toBe(1);
    expect(o.isPartiallyFilled).toBe(true);
    expect(applyOrderUpdate(o, { status: 'canceled', filled: 2 }, T0 + 4).to).toBe('canceled');
    expect(o.remaining).toBe(1);
  });

  it('never moves fills backwards and ignores an older "open" after a final status', () => {
    const o = intent(2);
    applyOrderUpdate(o, { id: '1', status: 'closed', filled: 2 }, T0 + 1);
    const r = applyOrderUpdate(o, { status: 'open', filled: 1 }, T0 + 2);
    expect(r).toMatchObject({ stale: true, changed: false, to: 'closed' });
    expect(o.filled).toBe(2);
  });

  it('throws on two contradicting final statuses without changing anything', () => {
    const o = intent(2);
    applyOrderUpdate(o, { id: '1', status: 'canceled', filled: 0 }, T0 + 1);
    expect(() => applyOrderUpdate(o, { id: '1', status: 'closed', filled: 2 }, T0 + 2)).toThrow(IllegalTransitionError);
    expect(o.filled).toBe(0);
    expect(o.status).toBe('canceled');
  });

  it('fills a closed answer without a filled field and resets the not-found counter', () => {
    const o = intent(2);
    writeOrder(o, { notFoundCount: 3, lost: true });
    applyOrderUpdate(o, { id: '5', status: 'closed' }, T0 + 1);
    expect(o.filled).toBe(2);
    expect(o.lost).toBe(false);
    expect(o.notFoundCount).toBe(0);
  });

  it('exposes size and value as the seed did, and serialises', () => {
    const o = intent(2, 50);
    expect(o.size).toBe(2);
    expect(o.value).toBe(100);
    const json = JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
    expect(json).toMatchObject({ clientOrderId: 'acct-x-1', size: 2, value: 100, status: 'pending', processed: false });
  });

  it('adopts an unknown exchange order', () => {
    const o = Order.adopt({ id: '9', symbol: 'ETH/USD:USD', side: 'sell', type: 'limit', price: 10, amount: 4, filled: 1, status: 'open' }, T0);
    expect(o).toMatchObject({ adopted: true, status: 'open', filled: 1, remaining: 3, clientOrderId: 'adopted-9' });
  });
});

describe('Order.parseUpdate: amends', () => {
  it('takes a newer answer’s price and amount and keeps them against an older one', () => {
    const o = intent(2, 100);
    applyOrderUpdate(o, { id: '9', status: 'open', price: 100, amount: 2, filled: 0, lastUpdateTimestamp: T0 + 10 }, T0 + 11);
    const r = applyOrderUpdate(o, { id: '9', status: 'open', price: 95, amount: 3, filled: 1, lastUpdateTimestamp: T0 + 20 }, T0 + 21);
    expect(r).toMatchObject({ changed: true, edited: true, filledDelta: 1 });
    expect(o).toMatchObject({ price: 95, amount: 3, filled: 1, remaining: 2, exchangeUpdatedAt: T0 + 20 });
    // An answer read before the amend keeps neither its price and amount nor its time; its fills still count.
    const stale = applyOrderUpdate(o, { id: '9', status: 'open', price: 100, amount: 2, filled: 1.5, lastUpdateTimestamp: T0 + 15 }, T0 + 22);
    expect(stale).toMatchObject({ edited: false, filledDelta: 0.5 });
    expect(o).toMatchObject({ price: 95, amount: 3, filled: 1.5, exchangeUpdatedAt: T0 + 20 });
    // Without a time an answer cannot prove it is newer than a timed one.
    expect(applyOrderUpdate(o, { id: '9', status: 'open', price: 90, amount: 4 }, T0 + 23).edited).toBe(false);
    expect(o).toMatchObject({ price: 95, amount: 3 });
  });

  it('without any times, the last answer wins; a market order’s price is never taken as an amend', () => {
    const o = intent(2, 100);
    applyOrderUpdate(o, { id: '9', status: 'open', price: 100, amount: 2 }, T0 + 1);
    expect(applyOrderUpdate(o, { id: '9', status: 'open', price: 98, amount: 2 }, T0 + 2)).toMatchObject({ edited: true });
    expect(o.price).toBe(98);
    const m = Order.intent({ clientOrderId: 'acct-x-2', seq: 2, symbol: 'BTC/USD:USD', side: 'buy', type: 'market', price: null, amount: 1, now: T0 });
    applyOrderUpdate(m, { id: '10', status: 'closed', price: 101, average: 101, amount: 1, filled: 1, lastUpdateTimestamp: T0 + 1 }, T0 + 1);
    expect(applyOrderUpdate(m, { id: '10', status: 'closed', price: 102, average: 101, amount: 1, filled: 1, lastUpdateTimestamp: T0 + 2 }, T0 + 2).edited).toBe(false);
    expect(m.price).toBe(101);
  });
});
