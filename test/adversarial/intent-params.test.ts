import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { clientIdKeysOf } from '../../src/orders/client-id-keys.js';
import { IntentError, MAX_TAG_LENGTH, parseIntent } from '../../src/orders/intent.js';
import { PARAMS_LIMITS } from '../../src/orders/intent-params.js';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

const base = { symbol: 'BTC/USD:USD', side: 'buy', amount: 1, price: 100 };

/** The IntentError a call throws (fails the test when it throws something else or nothing). */
function intentError(fn: () => unknown): IntentError {
  try {
    fn();
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(IntentError);
    return error as IntentError;
  }
  throw new Error('expected an IntentError');
}

describe('client-id parameters (issue 8 item 5)', () => {
  it.each(['clientOrderId', 'newClientOrderId', 'origClientOrderId', 'clOrdId', 'orderLinkId', 'client_oid', 'text', 'client_order_id', 'ClientOrderID'])(
    'refuses params.%s with an IntentError naming the key',
    (key) => {
      const err = intentError(() => parseIntent({ ...base, params: { [key]: 'mine-1' } }));
      expect(err.message).toContain(`params.${key}`);
      expect(err.message).toMatch(/client order id/);
    },
  );

  it('reads the names the exchange in use maps from its ccxt class', () => {
    expect([...clientIdKeysOf(new ccxt.binanceusdm())]).toEqual(expect.arrayContaining(['newclientorderid', 'clientorderid']));
    expect([...clientIdKeysOf(new ccxt.gate())]).toContain('text');
    expect([...clientIdKeysOf(new ccxt.bybit())]).toContain('orderlinkid');
    expect([...clientIdKeysOf(new ccxt.okx())]).toContain('clordid');
    expect([...clientIdKeysOf(new ccxt.kucoin())]).toContain('clientoid');
    // A name only one exchange reads is refused once that exchange's names are given.
    const keys = new Set(['myvenueref']);
    expect(() => parseIntent({ ...base, params: { myVenueRef: 'x' } })).not.toThrow();
    expect(intentError(() => parseIntent({ ...base, params: { myVenueRef: 'x' } }, { clientIdKeys: keys })).message).toContain('params.myVenueRef');
  });

  it('keeps the order under misso\'s id: a queued newClientOrderId never reaches the exchange', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const before = r.journal.sequence;
    const err = intentError(() => r.manager.queue.push({ symbol, side: 'buy', amount, price: restingBuy, params: { newClientOrderId: 'user-1' } }));
    expect(err.message).toContain('params.newClientOrderId');
    expect(r.journal.sequence).toBe(before);
    expect(r.manager.queue.size).toBe(0);
    // Ordinary params still pass.
    const ok = r.manager.queue.push({ symbol, side: 'buy', amount, price: restingBuy, params: { reduceOnly: false, timeInForce: 'GTC' } });
    expect(ok.params).toEqual({ reduceOnly: false, timeInForce: 'GTC' });
  });
});

describe('params are plain JSON within limits (issue 8 item 7)', () => {
  it('refuses a hostile depth with an IntentError, not a RangeError', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 200_000; i++) {
      const next: Record<string, unknown> = {};
      deep['a'] = next;
      deep = next;
    }
    expect(intentError(() => parseIntent({ ...base, params: root })).message).toMatch(/nest deeper than/);
  });

  it.each([
    ['a function', { f: () => 1 }, /is a function/],
    ['a bigint', { n: 10n }, /is a bigint/],
    ['a cycle', (() => { const o: Record<string, unknown> = {}; o['self'] = o; return { o }; })(), /refers back to itself/],
    ['a class instance', { d: new Date(0) }, /not a plain object/],
    ['NaN', { x: Number.NaN }, /finite number/],
    ['too many entries', { list: Array.from({ length: PARAMS_LIMITS.maxEntries + 1 }, (_, i) => i) }, /more than \d+ entries/],
    ['too much text', { s: 'x'.repeat(PARAMS_LIMITS.maxJsonChars + 1) }, /characters of JSON/],
  ])('refuses %s', (_what, params, message) => {
    expect(intentError(() => parseIntent({ ...base, params })).message).toMatch(message);
  });

  it('takes a sparse array as JSON writes it, its holes as null (review 25-B F13: a raw TypeError)', () => {
    expect(parseIntent({ ...base, params: { a: [1, , 3], b: new Array(2) } }).params).toEqual({ a: [1, null, 3], b: [null, null] });
    expect(intentError(() => parseIntent({ ...base, params: { a: [1, , Number.NaN] } })).message).toMatch(/params\.a\[2\] must be a finite number/);
  });

  it('refuses a getter that throws without running into it', () => {
    const params = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new RangeError('boom'); } });
    expect(intentError(() => parseIntent({ ...base, params })).message).toMatch(/plain object/);
  });

  it('caps the tag in both forms', () => {
    const long = 'x'.repeat(MAX_TAG_LENGTH + 1);
    expect(intentError(() => parseIntent({ ...base, tag: long })).message).toMatch(/tag is longer than 64/);
    expect(intentError(() => parseIntent([long, 1, 100, 'buy', 'BTC/USD:USD'])).message).toMatch(/tag is longer than 64/);
    expect(parseIntent({ ...base, tag: 'x'.repeat(MAX_TAG_LENGTH) }).tag).toHaveLength(MAX_TAG_LENGTH);
  });
});
