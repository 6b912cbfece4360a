import * as ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { attachKind, classifyError, errorKind, isAmbiguous, parseRetryAfter } from '../../src/exchange/classify.js';
import { loadCcxtCore } from '../../src/exchange/ccxt-lib.js';
import { instrumentHttpErrors } from '../../src/exchange/http-error-info.js';
import type { ErrorKind } from '../../src/exchange/types.js';
import { binanceFixture, hang, json, SYMBOL, type SeenRequest } from './binance-fixture.js';

const NOW = 1_700_000_000_000;

describe('classifyError on ccxt classes', () => {
  const table: [new (message: string) => Error, ErrorKind][] = [
    [ccxt.RequestTimeout, 'retryable'],
    [ccxt.NetworkError, 'retryable'],
    [ccxt.ExchangeNotAvailable, 'retryable'],
    [ccxt.OnMaintenance, 'retryable'],
    [ccxt.BadResponse, 'retryable'],
    [ccxt.NullResponse, 'retryable'],
    [ccxt.OperationFailed, 'retryable'],
    [ccxt.ChecksumError, 'retryable'],
    [ccxt.RateLimitExceeded, 'rate_limit'],
    [ccxt.DDoSProtection, 'rate_limit'],
    [ccxt.InvalidNonce, 'nonce'],
    [ccxt.AuthenticationError, 'auth'],
    [ccxt.PermissionDenied, 'auth'],
    [ccxt.AccountSuspended, 'auth'],
    [ccxt.AccountNotEnabled, 'auth'],
    [ccxt.OrderNotFound, 'not_found'],
    [ccxt.InsufficientFunds, 'insufficient_funds'],
    [ccxt.InvalidOrder, 'invalid_order'],
    [ccxt.DuplicateOrderId, 'invalid_order'],
    [ccxt.BadSymbol, 'invalid_order'],
    [ccxt.BadRequest, 'invalid_order'],
    [ccxt.ArgumentsRequired, 'invalid_order'],
    [ccxt.OperationRejected, 'invalid_order'],
    [ccxt.NotSupported, 'not_supported'],
    [ccxt.ExchangeError, 'unknown'],
    [TypeError, 'retryable'],
    [Error, 'unknown'],
  ];
  it.each(table)('%o → %s', (ErrorClass, kind) => {
    const err = new ErrorClass('boom');
    const c = classifyError(err, NOW);
    expect(c.kind).toBe(kind);
    expect(errorKind(err)).toBe(kind);
    expect(c.message).toBe('boom');
  });

  it('keeps RateLimitExceeded apart from DDoSProtection but classes both as rate_limit', () => {
    const err = new ccxt.RateLimitExceeded('x');
    expect(err).not.toBeInstanceOf(ccxt.DDoSProtection);
    expect(err).toBeInstanceOf(ccxt.NetworkError);
    expect(classifyError(err).name).toBe('RateLimitExceeded');
  });

  it("names Binance's post-only and trigger refusals the same on every host", () => {
    const postOnly = 'binanceusdm {"code":-5022,"msg":"Due to the order could not be executed as maker, the Post Only order will be rejected."}';
    // On fapi.binance.com ccxt raises OrderNotFillable; on any other host its generic table says InvalidOrder.
    for (const err of [new ccxt.OrderNotFillable(postOnly), new ccxt.InvalidOrder(postOnly)]) {
      expect(classifyError(err)).toMatchObject({ kind: 'invalid_order', name: 'OrderImmediatelyFillable' });
      expect(isAmbiguous(err)).toBe(false);
    }
    const trigger = new ccxt.ExchangeError('binanceusdm {"code":-2021,"msg":"Order would immediately trigger."}');
    expect(classifyError(trigger)).toMatchObject({ kind: 'invalid_order', name: 'OrderImmediatelyFillable' });
    expect(isAmbiguous(trigger)).toBe(false);
    const fok = new ccxt.InvalidOrder('binanceusdm {"code":-5021,"msg":"Due to the order could not be filled immediately, the FOK order has been rejected."}');
    expect(classifyError(fok).name).toBe('OrderNotFillable');
    expect(classifyError(new ccxt.InvalidOrder('binanceusdm {"code":-1013,"msg":"Filter failure: PRICE_FILTER"}')).name).toBe('InvalidOrder');
    // Text that only mentions a code in prose is no Binance body.
    expect(classifyError(new ccxt.ExchangeError('code -5022 somewhere')).kind).toBe('unknown');
  });

  it('marks DuplicateOrderId, and an InvalidOrder that says "duplicated", as duplicate', () => {
    expect(classifyError(new ccxt.DuplicateOrderId('x')).duplicate).toBe(true);
    expect(classifyError(new ccxt.InvalidOrder('binanceusdm {"code":-4116,"msg":"ClientOrderId is duplicated."}')).duplicate).toBe(true);
    expect(classifyError(new ccxt.InvalidOrder('price too low')).duplicate).toBeUndefined();
  });

  it('reads a ban end and a Retry-After from the message when nothing else says it', () => {
    const ban = classifyError(new ccxt.DDoSProtection('418 IP banned until 1700000090000'), NOW);
    expect(ban).toMatchObject({ kind: 'rate_limit', ban: true, retryAfterMs: 90_000 });
    expect(classifyError(new ccxt.RateLimitExceeded('slow down, retry after 3 seconds'), NOW).retryAfterMs).toBe(3000);
    expect(classifyError(new ccxt.RateLimitExceeded('retry-after: 250ms'), NOW).retryAfterMs).toBe(250);
    expect(classifyError(new ccxt.RateLimitExceeded('too many'), NOW).retryAfterMs).toBeUndefined();
  });

  it('classifies non-errors without throwing', () => {
    expect(classifyError('a string').kind).toBe('unknown');
    expect(classifyError(undefined).name).toBe('undefined');
  });

  it('attaches the kind without making it enumerable', () => {
    const err = new ccxt.ExchangeError('x');
    attachKind(err, 'retryable');
    expect(errorKind(err)).toBe('retryable');
    expect(Object.keys(err)).not.toContain('missoKind');
  });

  it('parses Retry-After seconds and HTTP dates', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter(new Date(NOW + 5000).toUTCString(), NOW)).toBe(5000);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });
});

describe('isAmbiguous', () => {
  it('is true where a write may have been applied, false where it was refused', () => {
    for (const E of [ccxt.RequestTimeout, ccxt.NetworkError, ccxt.ExchangeNotAvailable, ccxt.OperationFailed, TypeError]) {
      expect(isAmbiguous(new E('x')), E.name).toBe(true);
    }
    for (const E of [ccxt.RateLimitExceeded, ccxt.DDoSProtection, ccxt.InvalidNonce, ccxt.AuthenticationError, ccxt.InvalidOrder, ccxt.InsufficientFunds, ccxt.OrderNotFound]) {
      expect(isAmbiguous(new E('x')), E.name).toBe(false);
    }
  });
});

describe.each([
  ['on the Binance hosts', undefined],
  ['pointed at a local server', 'http://127.0.0.1:8555'],
])('classifyError on real errors from ccxt.binanceusdm %s', (_where, origin) => {
  const fixture = binanceFixture(origin ? { timeoutMs: 200, origin } : { timeoutMs: 200 });
  instrumentHttpErrors(fixture.exchange, () => NOW);
  // As the factory does: ccxt's classes are loaded before any error of theirs is built (the
  // HTML refusal builds a BadResponse), not left to whichever test file ran first in the thread.
  const loaded = loadCcxtCore().then(() => fixture.exchange.loadMarkets());

  async function failWith(response: (req: SeenRequest) => Response | Promise<Response>, call: 'fetchOrder' | 'createOrder' = 'fetchOrder'): Promise<unknown> {
    await loaded;
    fixture.handle = response;
    try {
      if (call === 'createOrder') await fixture.exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 40000, { clientOrderId: 'c1' });
      else await fixture.exchange.fetchOrder('1', SYMBOL);
    } catch (err: unknown) {
      return err;
    }
    throw new Error('expected the call to fail');
  }

  const cases: {
    name: string;
    response: () => Response;
    ccxtClass: new (m: string) => Error;
    kind: ErrorKind;
    extra?: Record<string, unknown>;
    ambiguous: boolean;
    /** ccxt maps some codes only on Binance's own hosts; elsewhere they arrive as ExchangeError. */
    elsewhere?: { ccxtClass: new (m: string) => Error; kind: ErrorKind };
  }[] = [
    { name: '-2013 unknown order', response: () => json({ code: -2013, msg: 'Order does not exist.' }, 400), ccxtClass: ccxt.OrderNotFound, kind: 'not_found', ambiguous: false },
    { name: '-2010 rejected for balance', response: () => json({ code: -2010, msg: 'Account has insufficient balance for requested action.' }, 400), ccxtClass: ccxt.InsufficientFunds, kind: 'insufficient_funds', ambiguous: false },
    { name: '-1003 too many requests', response: () => json({ code: -1003, msg: 'Too many requests.' }, 400), ccxtClass: ccxt.RateLimitExceeded, kind: 'rate_limit', ambiguous: false },
    { name: '-1021 timestamp outside recvWindow', response: () => json({ code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' }, 400), ccxtClass: ccxt.InvalidNonce, kind: 'nonce', ambiguous: false },
    { name: '-4116 duplicate client id', response: () => json({ code: -4116, msg: 'ClientOrderId is duplicated.' }, 400), ccxtClass: ccxt.InvalidOrder, kind: 'invalid_order', extra: { duplicate: true }, ambiguous: false, elsewhere: { ccxtClass: ccxt.ExchangeError, kind: 'invalid_order' } },
    { name: '-2010 "ClientOrderId is duplicated." (as misso sim-server says it)', response: () => json({ code: -2010, msg: 'ClientOrderId is duplicated.' }, 400), ccxtClass: ccxt.InvalidOrder, kind: 'invalid_order', extra: { duplicate: true }, ambiguous: false },
    { name: '-2022 reduce-only rejected', response: () => json({ code: -2022, msg: 'ReduceOnly Order is rejected.' }, 400), ccxtClass: ccxt.InvalidOrder, kind: 'invalid_order', ambiguous: false, elsewhere: { ccxtClass: ccxt.ExchangeError, kind: 'invalid_order' } },
    { name: '-2019 margin is insufficient', response: () => json({ code: -2019, msg: 'Margin is insufficient.' }, 400), ccxtClass: ccxt.InsufficientFunds, kind: 'insufficient_funds', ambiguous: false, elsewhere: { ccxtClass: ccxt.ExchangeError, kind: 'unknown' } },
    { name: '429 with Retry-After', response: () => json({ code: -1003, msg: 'Too many requests' }, 429, { 'Retry-After': '7' }), ccxtClass: ccxt.DDoSProtection, kind: 'rate_limit', extra: { retryAfterMs: 7000, httpStatus: 429 }, ambiguous: false },
    { name: '418 ban', response: () => json({ code: -1003, msg: 'Way too many requests; IP banned until 1700000120000.' }, 418, { 'Retry-After': '120' }), ccxtClass: ccxt.DDoSProtection, kind: 'rate_limit', extra: { ban: true, retryAfterMs: 120_000, httpStatus: 418 }, ambiguous: false },
    { name: '500 -1000 unknown error', response: () => json({ code: -1000, msg: 'An unknown error occured while processing the request.' }, 500), ccxtClass: ccxt.OperationFailed, kind: 'retryable', extra: { httpStatus: 500 }, ambiguous: true },
    { name: '503 empty body', response: () => new Response('', { status: 503 }), ccxtClass: ccxt.ExchangeNotAvailable, kind: 'retryable', extra: { httpStatus: 503 }, ambiguous: true },
    { name: '504 gateway timeout', response: () => new Response('', { status: 504 }), ccxtClass: ccxt.RequestTimeout, kind: 'retryable', ambiguous: true },
    { name: '401 unauthorised', response: () => new Response('', { status: 401 }), ccxtClass: ccxt.AuthenticationError, kind: 'auth', ambiguous: false },
    { name: '-2015 bad key', response: () => json({ code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' }, 401), ccxtClass: ccxt.AuthenticationError, kind: 'auth', ambiguous: false },
    { name: '200 with an HTML body (refused at the boundary as BadResponse)', response: () => new Response('<html><body>maintenance</body></html>', { status: 200, headers: { 'content-type': 'text/html' } }), ccxtClass: ccxt.BadResponse, kind: 'retryable', ambiguous: true },
  ];

  it.each(cases)('$name', async ({ response, ccxtClass, kind, extra, ambiguous, elsewhere }) => {
    const err = await failWith(response);
    const expected = origin && elsewhere ? elsewhere : { ccxtClass, kind };
    expect(err).toBeInstanceOf(expected.ccxtClass);
    const c = classifyError(err, NOW);
    expect(c.kind).toBe(expected.kind);
    if (extra) expect(c).toMatchObject(extra);
    expect(isAmbiguous(err)).toBe(ambiguous);
  });

  it('a createOrder refused for a duplicate client id says duplicate', async () => {
    const err = await failWith(() => json({ code: -4116, msg: 'ClientOrderId is duplicated.' }, 400), 'createOrder');
    expect(classifyError(err)).toMatchObject({ kind: 'invalid_order', duplicate: true });
  });

  it('a dropped connection is a retryable, ambiguous NetworkError', async () => {
    const err = await failWith(() => {
      throw new TypeError('fetch failed');
    }, 'createOrder');
    expect(err).toBeInstanceOf(ccxt.NetworkError);
    expect(classifyError(err).kind).toBe('retryable');
    expect(isAmbiguous(err)).toBe(true);
  });

  it('a hang past the client timeout is a RequestTimeout, ambiguous for a write', async () => {
    const err = await failWith(hang, 'createOrder');
    expect(err).toBeInstanceOf(ccxt.RequestTimeout);
    expect(classifyError(err).kind).toBe('retryable');
    expect(isAmbiguous(err)).toBe(true);
  });
});
