import type { binanceusdm } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { simClient } from './fixtures/sim-client.js';

const SYMBOL = 'BTC/USD:USD';
let server: SimServer;
let ex: binanceusdm;

beforeAll(async () => {
  server = await startSimServer({ port: 0, seed: 11 });
  ex = simClient(server.url);
  await ex.loadMarkets();
});

afterAll(async () => {
  await server.close();
});

describe('an unmodified ccxt.binanceusdm against misso sim-server', () => {
  it('loads the venue perpetuals as BASE/USD:USD linear swaps with their filters', () => {
    const swaps = server.venue.listMarkets().filter((m) => m.type === 'swap');
    expect(ex.symbols.sort()).toEqual(swaps.map((m) => m.symbol).sort());
    const btc = ex.market(SYMBOL);
    const sim = swaps.find((m) => m.symbol === SYMBOL)!;
    expect(btc).toMatchObject({ id: 'BTCUSD', base: 'BTC', quote: 'USD', settle: 'USD', type: 'swap', linear: true, active: true });
    expect(btc.precision).toMatchObject({ price: sim.tickSize, amount: sim.lotSize });
    expect(btc.limits.amount).toEqual({ min: sim.minAmount, max: sim.maxAmount });
    expect(btc.limits.price).toEqual({ min: sim.minPrice, max: sim.maxPrice });
    expect(btc.limits.cost?.min).toBe(sim.minNotional);
    expect(btc.info['volumeUsd24h']).toBe(sim.volumeUsd24h);
  });

  it('fetches one ticker and all tickers with the venue prices', async () => {
    // The price moves every 10 s step: the answer must be the venue's last on either side of the call.
    const before = server.venue.ticker(SYMBOL).last;
    const t = await ex.fetchTicker(SYMBOL);
    const after = server.venue.ticker(SYMBOL).last;
    expect(t.symbol).toBe(SYMBOL);
    expect([before, after]).toContain(t.last);
    expect(t.high).toBeGreaterThanOrEqual(t.low!);
    expect(typeof t.timestamp).toBe('number');
    const all = await ex.fetchTickers();
    expect(Object.keys(all).sort()).toEqual([...ex.symbols].sort());
    const some = await ex.fetchTickers([SYMBOL, 'ETH/USD:USD']);
    expect(Object.keys(some).sort()).toEqual(['BTC/USD:USD', 'ETH/USD:USD']);
  });

  it('fetches OHLCV: latest rows without since, rows from since with a limit', async () => {
    const started = Date.now();
    const latest = await ex.fetchOHLCV(SYMBOL, '1m', undefined, 5);
    const now = Date.now();
    expect(latest).toHaveLength(5);
    expect([started, now].map((ms) => Math.floor(ms / 60_000) * 60_000)).toContain(latest[4]![0]);
    for (let i = 1; i < latest.length; i++) expect(latest[i]![0]! - latest[i - 1]![0]!).toBe(60_000);

    const since = Math.floor(now / 3_600_000) * 3_600_000 - 10 * 3_600_000 + 1;
    const rows = await ex.fetchOHLCV(SYMBOL, '1h', since, 3);
    expect(rows.map((r) => r[0])).toEqual([1, 2, 3].map((k) => since - 1 + k * 3_600_000));
    const sim = server.venue.candles(SYMBOL, '1h', since, 3);
    expect(rows).toEqual(sim);
    for (const [, o, h, l, c, v] of rows) {
      expect(h).toBeGreaterThanOrEqual(Math.max(o!, c!));
      expect(l).toBeLessThanOrEqual(Math.min(o!, c!));
      expect(v).toBeGreaterThanOrEqual(0);
    }
  });

  it('fetches the USD balance', async () => {
    const b = await ex.fetchBalance();
    const sim = server.venue.balance();
    expect(b['USD']).toEqual({ free: sim.free, used: sim.used, total: sim.total });
  });

  it('creates a limit order with a client order id and finds it by id and by client id', async () => {
    const price = ex.priceToPrecision(SYMBOL, server.venue.ticker(SYMBOL).last * 0.8);
    const order = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, Number(price), { clientOrderId: 'calls-limit-1' });
    expect(order).toMatchObject({ symbol: SYMBOL, type: 'limit', side: 'buy', amount: 0.01, price: Number(price), status: 'open', clientOrderId: 'calls-limit-1' });
    const byId = await ex.fetchOrder(order.id!, SYMBOL);
    expect(byId).toMatchObject({ id: order.id, clientOrderId: 'calls-limit-1', status: 'open', filled: 0, remaining: 0.01 });
    const byClientId = await ex.fetchOrder('', SYMBOL, { origClientOrderId: 'calls-limit-1' });
    expect(byClientId.id).toBe(order.id);
    const alsoByClientId = await ex.fetchOrder('', SYMBOL, { clientOrderId: 'calls-limit-1' });
    expect(alsoByClientId.id).toBe(order.id);
    expect(server.venue.getOrder({ clientOrderId: 'calls-limit-1' }).id).toBe(order.id);
  });

  it('sends ccxt\'s newClientOrderId param through unchanged', async () => {
    const order = await ex.createOrder(SYMBOL, 'market', 'buy', 0.002, undefined, { newClientOrderId: 'calls-mkt-1' });
    expect(order).toMatchObject({ clientOrderId: 'calls-mkt-1', type: 'market', status: 'closed', filled: 0.002 });
    expect(order.average).toBeGreaterThan(0);
    expect(server.venue.getOrder({ id: order.id! }).clientOrderId).toBe('calls-mkt-1');
  });

  it('lists open orders with and without a symbol, and all orders of a symbol', async () => {
    const eth = 'ETH/USD:USD';
    const ethPrice = Number(ex.priceToPrecision(eth, server.venue.ticker(eth).last * 0.7));
    const ethOrder = await ex.createOrder(eth, 'limit', 'buy', 0.1, ethPrice);
    const openBtc = await ex.fetchOpenOrders(SYMBOL);
    const openAll = await ex.fetchOpenOrders();
    expect(openBtc.every((o) => o.symbol === SYMBOL && o.status === 'open')).toBe(true);
    expect(openAll.map((o) => o.id)).toContain(ethOrder.id);
    expect(openAll.length).toBe(openBtc.length + 1);
    const all = await ex.fetchOrders(SYMBOL);
    expect(all.map((o) => o.clientOrderId)).toEqual(expect.arrayContaining(['calls-limit-1', 'calls-mkt-1']));
    const lastOne = await ex.fetchOrders(SYMBOL, undefined, 1);
    expect(lastOne).toHaveLength(1);
    expect(lastOne[0]!.id).toBe(all[all.length - 1]!.id);
    const fromStart = await ex.fetchOrders(SYMBOL, all[0]!.timestamp, 1);
    expect(fromStart[0]!.id).toBe(all[0]!.id);
  });

  it('cancels an order', async () => {
    const open = await ex.fetchOpenOrders(SYMBOL);
    const target = open[0]!;
    const canceled = await ex.cancelOrder(target.id!, SYMBOL);
    expect(canceled).toMatchObject({ id: target.id, status: 'canceled' });
    expect(server.venue.getOrder({ id: target.id! }).status).toBe('canceled');
    expect((await ex.fetchOpenOrders(SYMBOL)).map((o) => o.id)).not.toContain(target.id);
  });

  it('cancels an order by its client order id', async () => {
    const price = Number(ex.priceToPrecision(SYMBOL, server.venue.ticker(SYMBOL).last * 0.8));
    const order = await ex.createOrder(SYMBOL, 'limit', 'sell', 0.001, price * 2, { clientOrderId: 'calls-cancel-cid' });
    const canceled = await ex.cancelOrder('', SYMBOL, { clientOrderId: 'calls-cancel-cid' });
    expect(canceled).toMatchObject({ id: order.id, clientOrderId: 'calls-cancel-cid', status: 'canceled' });
  });

  it('fetches positions with size, side, entry price and margin mode', async () => {
    const positions = await ex.fetchPositions();
    const sim = server.venue.positions();
    expect(positions.map((p) => p.symbol).sort()).toEqual(sim.map((p) => p.symbol).sort());
    const btc = positions.find((p) => p.symbol === SYMBOL)!;
    const simBtc = sim.find((p) => p.symbol === SYMBOL)!;
    expect(btc).toMatchObject({ side: 'long', contracts: simBtc.contracts, marginMode: 'cross', hedged: false });
    expect(btc.entryPrice).toBeCloseTo(simBtc.entryPrice, 6);
    expect(await ex.fetchPositions(['ETH/USD:USD'])).toEqual([]);
  });

  it('answers /fapi/v1/time for ccxt\'s clock sync and counts requests per endpoint', async () => {
    const before = Date.now();
    const t = await ex.fetchTime();
    expect(t).toBeGreaterThanOrEqual(before - 5);
    expect(t).toBeLessThanOrEqual(Date.now() + 5);
    const requests = server.counters.snapshot().requests;
    expect(requests['GET /fapi/v1/exchangeInfo']).toBe(1);
    expect(requests['POST /fapi/v1/order']).toBeGreaterThanOrEqual(3);
    expect(requests['GET /fapi/v1/time']).toBe(1);
    expect(server.counters.snapshot().unhandled).toBe(0);
  });
});
