import { describe, expect, it } from 'vitest';
import { CLIENT_ID_PATTERN, IntentError, clientIdPrefix, makeClientOrderId, parseIntent } from '../../src/orders/intent.js';
import { parseQueueAction } from '../../src/orders/queue-action.js';

describe('parseIntent', () => {
  it('reads the seed list form [id, size, price, side, symbol] as a limit order', () => {
    expect(parseIntent([null, 0.5, 20000, 'BUY', 'BTC/USD:USD'])).toEqual({
      tag: null, symbol: 'BTC/USD:USD', side: 'buy', type: 'limit', price: 20000, amount: 0.5, params: {},
    });
    expect(parseIntent(['s-1', 1, 2, 'sell', 'ETH/USD:USD']).tag).toBe('s-1');
  });

  it('reads the object form, defaulting the type from the price', () => {
    expect(parseIntent({ symbol: 'ETH/USD:USD', side: 'sell', amount: 2 })).toMatchObject({ type: 'market', price: null });
    expect(parseIntent({ symbol: 'ETH/USD:USD', side: 'sell', amount: 2, price: null, type: 'market' })).toMatchObject({ type: 'market', price: null });
    expect(parseIntent({ symbol: 'ETH/USD:USD', side: 'buy', size: 2, price: 3, params: { reduceOnly: true } })).toMatchObject({
      type: 'limit', amount: 2, params: { reduceOnly: true },
    });
  });

  it.each([
    [[1, 2, 3], /\[id, size, price, side, symbol\].*3 element/],
    [[null, -1, 5, 'buy', 'X/USD'], /size \(element 1\) must be > 0/],
    [[null, 1, 5, 'hold', 'X/USD'], /side \(element 3\) must be buy or sell, got "hold"/],
    [{ symbol: 'X/USD', side: 'buy', amount: 1, type: 'limit' }, /a limit order needs a price/],
    [{ symbol: 'X/USD', side: 'bye', amount: 1 }, /side must be buy or sell, got "bye"/],
    [{ symbol: 'X/USD', side: 'buy', amount: 1, type: 'stop' }, /type must be limit or market, got "stop"/],
    [{ symbol: 'X/USD', side: 'buy' }, /amount is required/],
    // A price look-up that missed is not a market order.
    [{ symbol: 'X/USD', side: 'buy', amount: 1, price: undefined }, /price is undefined; give a price, or type: 'market' for a market order/],
    [{ symbol: 'X/USD', side: 'buy', amount: 1, price: null }, /price is null; give a price, or type: 'market'/],
    [{ symbol: 'X/USD', side: 'buy', amount: 1, colour: 'red' }, /unknown key\(s\): colour/],
    [{ symbol: 'X/USD', side: 'buy', amount: 1, params: { clientOrderId: 'x' } }, /assigned by misso/],
    ['BTC', /expected \[id, size, price, side, symbol\] or \{symbol, side, amount, price\}/],
    // A BigInt is named as one, not as the number it looks like ('must be a number, got 1').
    [{ symbol: 'X/USD', side: 'buy', amount: 1n, price: 5 }, /\{"symbol":"X\/USD","side":"buy","amount":1n,"price":5\}: amount must be a number, got the bigint 1n/],
    [[null, 2n, 5, 'buy', 'X/USD'], /size \(element 1\) must be a number, got the bigint 2n/],
  ])('refuses %s', (entry, message) => {
    expect(() => parseIntent(entry)).toThrow(IntentError);
    expect(() => parseIntent(entry)).toThrow(message);
  });
});

describe('IntentError.field (review 25-B F3)', () => {
  const S = 'BTC/USD:USD';
  it.each([
    [[null, Number.NaN, 40000, 'buy', S], 'size', 'size (element 1) must be a number, got NaN'],
    [[null, 0.01, -1, 'buy', S], 'price', 'price (element 2) must be > 0'],
    [[null, 0.01, 40000, 'hold', S], 'side', 'side (element 3) must be buy or sell, got "hold"'],
    [[null, 0.01, 40000, 'buy', ''], 'symbol', 'symbol (element 4) is empty'],
    [['x'.repeat(65), 0.01, 40000, 'buy', S], 'id', 'id (element 0): tag is longer than 64 characters'],
    [{ symbol: S, side: 'buy', amount: 1, price: 5, params: { triggerPrice: Number.NaN } }, 'params.triggerPrice', 'params.triggerPrice must be a finite number'],
    [{ symbol: S, side: 'buy', amount: 1, price: 5, params: { a: [1, 2, Number.POSITIVE_INFINITY] } }, 'params.a[2]', 'params.a[2] must be a finite number'],
    [{ symbol: S, side: 'buy', amount: 1, price: 5, params: { clientOrderId: 'x' } }, 'params.clientOrderId', 'params.clientOrderId would set'],
    [{ symbol: S, side: 'buy', amount: 1, price: 5, params: { f: () => 1 } }, 'params.f', 'params.f is a function'],
    [{ symbol: S, side: 'buy', amount: 1, price: 5, params: 'x' }, 'params', 'params must be a plain object'],
  ])('%j: field %s', (entry, field, message) => {
    let error: unknown;
    try {
      parseIntent(entry);
    } catch (e: unknown) {
      error = e;
    }
    expect(error).toBeInstanceOf(IntentError);
    expect((error as IntentError).message).toContain(message);
    expect((error as IntentError).field).toBe(field);
  });
});

describe('IntentError.field of the queue\'s cancel and amend forms', () => {
  it.each([
    [['cancel', ''], 'clientOrderId'],
    [['amend', 'x-1', Number.NaN, null], 'size'],
    [['amend', 'x-1', null, 'high'], 'price'],
  ])('%j: field %s', (entry, field) => {
    expect(() => parseQueueAction(entry)).toThrow(expect.objectContaining({ name: 'IntentError', field }));
  });
});

describe('client order ids', () => {
  it('are deterministic, distinct per sequence and within Binance limits', () => {
    const prefix = clientIdPrefix('test_strategy/main account!');
    expect(prefix).toBe('teststrategy');
    const tag = (1_900_000_000_000).toString(36);
    const ids = new Set<string>();
    for (const seq of [1, 2, 35, 36, 1_000_000, 2 ** 40]) {
      const id = makeClientOrderId(prefix, tag, seq);
      expect(id).toMatch(CLIENT_ID_PATTERN);
      expect(id.length).toBeLessThanOrEqual(36);
      ids.add(id);
    }
    expect(ids.size).toBe(6);
    expect(makeClientOrderId(prefix, tag, 7)).toBe(makeClientOrderId(prefix, tag, 7));
    expect(clientIdPrefix('***')).toBe('misso');
  });
});
