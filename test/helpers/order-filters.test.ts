import { describe, expect, it } from 'vitest';
import {
  findOrdersByStatus,
  findProcessedOrders,
  orderInIsOpenOrders,
  parseIsOpenOrders,
} from '../../src/helpers/order-filters.js';

/** A class with private state and extra fields, standing in for the engine's Order. */
class TestOrder {
  #history: string[] = [];
  constructor(
    readonly id: string,
    readonly symbol: string,
    readonly side: 'buy' | 'sell',
    public status: 'pending' | 'open' | 'closed' | 'canceled' | 'rejected' | 'expired' | 'failed',
    public processed = false,
    readonly clientOrderId: string | null = null,
  ) {}
  get history(): string[] {
    return this.#history;
  }
}

const o = (id: string, symbol: string, side: 'buy' | 'sell', status: TestOrder['status'], processed = false) =>
  new TestOrder(id, symbol, side, status, processed);

describe('parseIsOpenOrders', () => {
  it('groups by symbol into buys and sells, keeping order', () => {
    const orders = [
      { id: '1', symbol: 'BTC/USD:USD', side: 'buy' },
      { id: '2', symbol: 'ETH/USD:USD', side: 'sell' },
      { id: '3', symbol: 'BTC/USD:USD', side: 'sell' },
      { id: '4', symbol: 'BTC/USD:USD', side: 'buy' },
      { id: '5', symbol: 'SOL/USD:USD', side: undefined },
    ];
    const parsed = parseIsOpenOrders(orders);
    expect(Object.keys(parsed)).toEqual(['BTC/USD:USD', 'ETH/USD:USD', 'SOL/USD:USD']);
    expect(parsed['BTC/USD:USD']?.buys.map((x) => x.id)).toEqual(['1', '4']);
    expect(parsed['BTC/USD:USD']?.sells.map((x) => x.id)).toEqual(['3']);
    expect(parsed['ETH/USD:USD']).toEqual({ buys: [], sells: [orders[1]] });
    expect(parsed['SOL/USD:USD']).toEqual({ buys: [], sells: [] });
  });

  it('accepts nothing', () => {
    expect(parseIsOpenOrders(null)).toEqual({});
    expect(parseIsOpenOrders([])).toEqual({});
  });
});

describe('findOrdersByStatus', () => {
  const books = {
    'BTC/USD:USD': [o('1', 'BTC/USD:USD', 'buy', 'open'), o('2', 'BTC/USD:USD', 'sell', 'closed')],
    'ETH/USD:USD': [o('3', 'ETH/USD:USD', 'buy', 'open')],
    'XRP/USD:USD': [],
  };

  it('flattens the orders with the status, class instances included', () => {
    const open = findOrdersByStatus(books, 'open');
    expect(open.map((x) => x.id)).toEqual(['1', '3']);
    expect(open[0]).toBeInstanceOf(TestOrder);
    expect(findOrdersByStatus(books, ['closed', 'open']).map((x) => x.id)).toEqual(['1', '2', '3']);
    expect(findOrdersByStatus(books, 'canceled')).toEqual([]);
  });

  it("skips the seed's list entries and tolerates empty books", () => {
    const mixed = { 'BTC/USD:USD': [['9', 1, 100, 'buy', 'BTC/USD:USD'], { id: '8', symbol: 'BTC/USD:USD', status: 'open' }] };
    expect(findOrdersByStatus(mixed as never, 'open')).toEqual([{ id: '8', symbol: 'BTC/USD:USD', status: 'open' }]);
    expect(findOrdersByStatus(null, 'open')).toEqual([]);
  });
});

describe('orderInIsOpenOrders', () => {
  const isOpen = parseIsOpenOrders([
    { id: 'a', symbol: 'BTC/USD:USD', side: 'buy', clientOrderId: 'c-a' },
    { id: 'b', symbol: 'BTC/USD:USD', side: 'sell' },
  ]);

  it('finds an order by exchange id on either side', () => {
    expect(orderInIsOpenOrders({ id: 'a', symbol: 'BTC/USD:USD' }, isOpen)).toBe(true);
    expect(orderInIsOpenOrders({ id: 'b', symbol: 'BTC/USD:USD', side: 'buy' }, isOpen)).toBe(true);
  });

  it('finds it by client order id when the exchange id is not known yet', () => {
    expect(orderInIsOpenOrders({ id: null, clientOrderId: 'c-a', symbol: 'BTC/USD:USD' }, isOpen)).toBe(true);
    expect(orderInIsOpenOrders({ id: null, clientOrderId: 'c-x', symbol: 'BTC/USD:USD' }, isOpen)).toBe(false);
  });

  it('does not match across symbols, missing ids, or missing books', () => {
    expect(orderInIsOpenOrders({ id: 'a', symbol: 'ETH/USD:USD' }, isOpen)).toBe(false);
    expect(orderInIsOpenOrders({ id: 'z', symbol: 'BTC/USD:USD' }, isOpen)).toBe(false);
    expect(orderInIsOpenOrders({ id: '', symbol: 'BTC/USD:USD' }, { 'BTC/USD:USD': { buys: [{ id: '', symbol: 'BTC/USD:USD' }], sells: [] } })).toBe(false);
    expect(orderInIsOpenOrders({ id: 'a', symbol: 'BTC/USD:USD' }, null)).toBe(false);
  });
});

describe('findProcessedOrders', () => {
  it('returns finished orders that are marked processed, in either spelling', () => {
    const books = {
      'BTC/USD:USD': [
        o('1', 'BTC/USD:USD', 'buy', 'closed', true),
        o('2', 'BTC/USD:USD', 'buy', 'closed', false),
        o('3', 'BTC/USD:USD', 'buy', 'open', true),
        o('4', 'BTC/USD:USD', 'sell', 'canceled', true),
      ],
      'ETH/USD:USD': [
        o('5', 'ETH/USD:USD', 'buy', 'rejected', true),
        o('6', 'ETH/USD:USD', 'buy', 'expired', true),
        o('7', 'ETH/USD:USD', 'buy', 'failed', true),
        o('8', 'ETH/USD:USD', 'buy', 'pending', true),
      ],
    };
    expect(findProcessedOrders(books).map((x) => x.id)).toEqual(['1', '4', '5', '6', '7']);
    const seedStyle = { 'X/USD:USD': [{ id: '9', symbol: 'X/USD:USD', status: 'closed', is_processed: true }] };
    expect(findProcessedOrders(seedStyle).map((x) => x.id)).toEqual(['9']);
  });
});
