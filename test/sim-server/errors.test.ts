import {
  AuthenticationError,
  BadRequest,
  BadSymbol,
  ExchangeError,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  OrderNotFound,
  type binanceusdm,
} from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/exchange/classify.js';
import { signQuery } from '../../src/sim/http/binance-auth.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { rawRequest, simClient } from './fixtures/sim-client.js';
import { thrown } from '../support/thrown.js';

const SYMBOL = 'BTC/USD:USD';
let server: SimServer;
let ex: binanceusdm;

beforeAll(async () => {
  server = await startSimServer({ port: 0, seed: 3 });
  ex = simClient(server.url);
  await ex.loadMarkets();
});

afterAll(async () => {
  await server.close();
});


/** A client sharing the loaded markets (so only the signed request is sent). */
function variant(options: { apiKey?: string; secret?: string }): binanceusdm {
  const other = simClient(server.url, options);
  other.setMarkets(ex.markets);
  return other;
}

describe('authentication', () => {
  it('a wrong secret → -1022 → AuthenticationError, counted', async () => {
    const before = server.counters.snapshot().authFailures;
    const e = await thrown(() => variant({ secret: 'not-the-secret' }).fetchBalance());
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.message).toContain('-1022');
    expect(server.counters.snapshot().authFailures).toBe(before + 1);
  });

  it('an unknown API key → -2015 → AuthenticationError', async () => {
    const e = await thrown(() => variant({ apiKey: 'someone-else' }).fetchOpenOrders(SYMBOL));
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.message).toContain('-2015');
  });

  it('a missing key header → 401 -2014; a missing signature → -1102', async () => {
    const query = `timestamp=${Date.now()}`;
    const noKey = await rawRequest(`${server.url}/fapi/v3/account?${query}&signature=${signQuery(query, 'misso-sim-secret')}`);
    expect(noKey.status).toBe(401);
    expect(noKey.body).toMatchObject({ code: -2014 });
    const noSig = await rawRequest(`${server.url}/fapi/v3/account?${query}`, { headers: { 'X-MBX-APIKEY': 'misso-sim-key' } });
    expect(noSig.status).toBe(400);
    expect(noSig.body).toMatchObject({ code: -1102 });
  });

  it('a signed POST body is checked too: a tampered body is refused', async () => {
    const body = `symbol=BTCUSD&side=BUY&type=MARKET&quantity=0.001&timestamp=${Date.now()}`;
    const signature = signQuery(body, 'misso-sim-secret');
    const headers = { 'X-MBX-APIKEY': 'misso-sim-key', 'Content-Type': 'application/x-www-form-urlencoded' };
    const tampered = body.replace('0.001', '0.002');
    const bad = await rawRequest(`${server.url}/fapi/v1/order`, { method: 'POST', headers, body: `${tampered}&signature=${signature}` });
    expect(bad.body).toMatchObject({ code: -1022 });
    const good = await rawRequest(`${server.url}/fapi/v1/order`, { method: 'POST', headers, body: `${body}&signature=${signature}` });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ status: 'FILLED', origQty: '0.0010' });
  });

  it('a timestamp behind the recvWindow or ahead of the server → -1021 → InvalidNonce', async () => {
    const behind = variant({});
    behind.options['timeDifference'] = 60_000;
    const e1 = await thrown(() => behind.fetchBalance());
    expect(e1).toBeInstanceOf(InvalidNonce);
    expect(e1.message).toContain('recvWindow');
    const ahead = variant({});
    ahead.options['timeDifference'] = -5_000;
    const e2 = await thrown(() => ahead.fetchBalance());
    expect(e2).toBeInstanceOf(InvalidNonce);
    expect(e2.message).toContain('ahead');
  });
});

describe('venue refusals as Binance codes, classified by ccxt', () => {
  it('an unknown order id → -2013 → OrderNotFound; cancelling it → -2011 → OrderNotFound', async () => {
    const e1 = await thrown(() => ex.fetchOrder('123456789', SYMBOL));
    expect(e1).toBeInstanceOf(OrderNotFound);
    expect(e1.message).toContain('-2013');
    const e2 = await thrown(() => ex.fetchOrder('', SYMBOL, { clientOrderId: 'never-sent' }));
    expect(e2).toBeInstanceOf(OrderNotFound);
    const e3 = await thrown(() => ex.cancelOrder('123456789', SYMBOL));
    expect(e3).toBeInstanceOf(OrderNotFound);
    expect(e3.message).toContain('-2011');
  });

  it('cancelling an order twice → OrderNotFound the second time', async () => {
    const price = Number(ex.priceToPrecision(SYMBOL, server.venue.ticker(SYMBOL).last * 0.8));
    const order = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, price);
    await ex.cancelOrder(order.id!, SYMBOL);
    expect(await thrown(() => ex.cancelOrder(order.id!, SYMBOL))).toBeInstanceOf(OrderNotFound);
  });

  it('an order of another symbol is not found under this symbol', async () => {
    const price = Number(ex.priceToPrecision(SYMBOL, server.venue.ticker(SYMBOL).last * 0.8));
    const order = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, price);
    expect(await thrown(() => ex.fetchOrder(order.id!, 'ETH/USD:USD'))).toBeInstanceOf(OrderNotFound);
    expect(await thrown(() => ex.cancelOrder(order.id!, 'ETH/USD:USD'))).toBeInstanceOf(OrderNotFound);
    await ex.cancelOrder(order.id!, SYMBOL);
  });

  it('not enough margin → InsufficientFunds', async () => {
    const e = await thrown(() => ex.createOrder(SYMBOL, 'market', 'buy', 70));
    expect(e).toBeInstanceOf(InsufficientFunds);
    expect(server.counters.snapshot().errors['-2019']).toBeGreaterThanOrEqual(1);
  });

  it("an open order's client id → InvalidOrder; a finished order's may be used again, as on Binance (unique among open orders)", async () => {
    const resting = Number(ex.priceToPrecision(SYMBOL, server.venue.ticker(SYMBOL).last * 0.8));
    const first = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, resting, { clientOrderId: 'dup-1' });
    const e = await thrown(() => ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, resting, { clientOrderId: 'dup-1' }));
    expect(e).toBeInstanceOf(InvalidOrder);
    expect(e.message).toContain('duplicated');
    await ex.cancelOrder(first.id!, SYMBOL);
    // Finished: the id is free again, and a look-up by it finds the newest order that carries it.
    const second = await ex.createOrder(SYMBOL, 'market', 'buy', 0.001, undefined, { clientOrderId: 'dup-1' });
    expect(second.id).not.toBe(first.id);
    expect((await ex.fetchOrder('', SYMBOL, { clientOrderId: 'dup-1' })).id).toBe(second.id);
    const third = await ex.createOrder(SYMBOL, 'market', 'buy', 0.001, undefined, { clientOrderId: 'dup-1' });
    expect(third.id).not.toBe(second.id);
    expect(server.venue.listOrders().filter((o) => o.clientOrderId === 'dup-1')).toHaveLength(3);
  });

  it('a reduce-only order with no position to reduce → -2022 "ReduceOnly Order is rejected." as Binance says it, an invalid order to misso', async () => {
    const eth = 'ETH/USD:USD';
    expect(server.venue.positions([eth])).toEqual([]);
    const answer = await thrown(() => ex.fapiPrivatePostOrder({ symbol: 'ETHUSD', side: 'SELL', type: 'MARKET', quantity: '0.1', reduceOnly: 'true' }));
    expect(answer.message).toContain('{"code":-2022,"msg":"ReduceOnly Order is rejected."}');
    const e = await thrown(() => ex.createOrder(eth, 'market', 'buy', 0.1, undefined, { reduceOnly: true }));
    // ccxt maps -2022 only on Binance's own host (InvalidOrder there); over loopback it is an ExchangeError.
    expect(e).toBeInstanceOf(ExchangeError);
    expect(classifyError(e)).toMatchObject({ kind: 'invalid_order', name: 'InvalidOrder' });
    expect(server.counters.snapshot().errors['-2022']).toBe(2);
  });

  it('an unknown symbol sent to the server → -1121 → BadSymbol (ccxt refuses unknown unified symbols itself)', async () => {
    const e = await thrown(() => ex.fapiPublicGetTicker24hr({ symbol: 'NOPEUSD' }));
    expect(e).toBeInstanceOf(BadSymbol);
    expect(await thrown(() => ex.fetchTicker('NOPE/USD:USD'))).toBeInstanceOf(BadSymbol);
  });

  it('a price off the tick grid → PRICE_FILTER, a quantity off the lot grid → LOT_SIZE, both InvalidOrder', async () => {
    const base = { symbol: 'BTCUSD', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC' };
    const e1 = await thrown(() => ex.fapiPrivatePostOrder({ ...base, quantity: '0.01', price: '50000.05' }));
    expect(e1).toBeInstanceOf(InvalidOrder);
    expect(e1.message).toContain('PRICE_FILTER');
    const e2 = await thrown(() => ex.fapiPrivatePostOrder({ ...base, quantity: '0.00015', price: '50000' }));
    expect(e2).toBeInstanceOf(InvalidOrder);
    expect(e2.message).toContain('LOT_SIZE');
  });

  it('an order below the minimum notional → InvalidOrder', async () => {
    const e = await thrown(() => ex.createOrder(SYMBOL, 'limit', 'buy', 0.0001, 10_000));
    expect(e).toBeInstanceOf(InvalidOrder);
    expect(e.message).toContain('minimum');
  });

  it('a missing mandatory parameter → -1102 → BadRequest', async () => {
    const e = await thrown(() => ex.fapiPrivateGetOrder({ symbol: 'BTCUSD' }));
    expect(e).toBeInstanceOf(BadRequest);
  });

  it('a path the server does not serve → 404 with a clear message, counted', async () => {
    const before = server.counters.snapshot().unhandled;
    const e = await thrown(() => ex.fapiPublicGetIndexInfo({}));
    expect(e).toBeInstanceOf(ExchangeError);
    expect(e.message).toContain('not served by misso sim-server');
    expect(server.counters.snapshot().unhandled).toBe(before + 1);
    const raw = await rawRequest(`${server.url}/fapi/v1/nothing`);
    expect(raw.status).toBe(404);
  });
});
