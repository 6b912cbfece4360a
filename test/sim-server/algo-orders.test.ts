/**
 * An unmodified `ccxt.binanceusdm` sends every conditional order on a linear swap to Binance's
 * algo-order API; these tests drive that API on misso sim-server through ccxt's own calls
 * (`trigger: true` where ccxt needs it) and check the shapes ccxt parses.
 */
import { ExchangeError, InvalidOrder, OrderNotFound, type binanceusdm } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { loadCcxtCore } from '../../src/exchange/ccxt-lib.js';
import { classifyError } from '../../src/exchange/classify.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { ALGO_ID_OFFSET } from '../../src/sim/http/binance-algo-format.js';
import { jumpUntil, jumpVenue, type JumpClock } from './fixtures/jump-clock.js';
import { simClient, simProClient } from './fixtures/sim-client.js';
import { Probe } from './fixtures/ws-probe.js';
import { ALGO_ID_PREFIX, foldAlgoOrders, foldAlgoStreamOrder } from '../../src/exchange/algo-orders.js';
import { thrown } from '../support/thrown.js';

const SYMBOL = 'BTC/USD:USD';
let server: SimServer;
let venueClock: JumpClock;
let ex: binanceusdm;

beforeAll(async () => {
  const { venue, clock } = jumpVenue(33);
  venueClock = clock;
  server = await startSimServer({ port: 0, seed: 33, venue, clock: new SystemClock() });
  ex = simClient(server.url);
  await ex.loadMarkets();
});

afterAll(async () => {
  await server.close();
});

function prices(): { last: number; amount: number; px: (f: number) => number } {
  const last = server.venue.ticker(SYMBOL).last;
  return { last, amount: Number(ex.amountToPrecision(SYMBOL, 60 / last)), px: (f) => Number(ex.priceToPrecision(SYMBOL, last * f)) };
}

const requests = (key: string): number => server.counters.snapshot().requests[key] ?? 0;

describe('ccxt.binanceusdm conditional orders → misso sim-server algo-order API', () => {
  it('places a stop-market order as an algo order (POST /fapi/v1/algoOrder) that ccxt parses as an open trigger order', async () => {
    const { amount, px } = prices();
    const before = requests('POST /fapi/v1/algoOrder');
    const o = await ex.createOrder(SYMBOL, 'market', 'sell', amount, undefined, { stopLossPrice: px(0.97), clientOrderId: 'algo-sm-1' });
    expect(requests('POST /fapi/v1/algoOrder')).toBe(before + 1);
    expect(Number(o.id)).toBeGreaterThan(ALGO_ID_OFFSET);
    expect(o).toMatchObject({ clientOrderId: 'algo-sm-1', status: 'open', type: 'market', side: 'sell', amount, triggerPrice: px(0.97), symbol: SYMBOL });
    expect(o.info).toMatchObject({ algoType: 'CONDITIONAL', orderType: 'STOP_MARKET', algoStatus: 'NEW', actualOrderId: '' });
  });

  it('finds it by algo id and by client algo id (GET /fapi/v1/algoOrder), but not among regular orders', async () => {
    const { amount, px } = prices();
    const placed = await ex.createOrder(SYMBOL, 'limit', 'sell', amount, px(1.04), { takeProfitPrice: px(1.03), clientOrderId: 'algo-tp-1' });
    expect(placed).toMatchObject({ type: 'limit', price: px(1.04), triggerPrice: px(1.03) });
    expect(placed.info['orderType']).toBe('TAKE_PROFIT');
    const byId = await ex.fetchOrder(placed.id!, SYMBOL, { trigger: true });
    const byClientId = await ex.fetchOrder('', SYMBOL, { trigger: true, clientOrderId: 'algo-tp-1' });
    for (const o of [byId, byClientId]) expect(o).toMatchObject({ id: placed.id, clientOrderId: 'algo-tp-1', status: 'open' });
    await expect(ex.fetchOrder('', SYMBOL, { clientOrderId: 'algo-tp-1' })).rejects.toThrow(OrderNotFound);
    expect((await ex.fetchOpenOrders(SYMBOL)).map((o) => o.clientOrderId)).not.toContain('algo-tp-1');
    const openAlgo = await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true });
    expect(openAlgo.map((o) => o.clientOrderId)).toEqual(expect.arrayContaining(['algo-sm-1', 'algo-tp-1']));
    expect(openAlgo.every((o) => o.status === 'open')).toBe(true);
    await expect(ex.fetchOrder(String(ALGO_ID_OFFSET - 1), SYMBOL, { trigger: true })).rejects.toThrow(OrderNotFound);
  });

  it('cancels it (DELETE /fapi/v1/algoOrder); a second cancel is OrderNotFound; allAlgoOrders lists every algo order', async () => {
    const { amount, px } = prices();
    const placed = await ex.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { triggerPrice: px(1.05), clientOrderId: 'algo-cx-1' });
    const canceled = await ex.cancelOrder(placed.id!, SYMBOL, { trigger: true });
    expect(canceled).toMatchObject({ id: placed.id, clientOrderId: 'algo-cx-1' });
    expect(canceled.info).toMatchObject({ code: '200', msg: 'success' });
    expect(await ex.fetchOrder(placed.id!, SYMBOL, { trigger: true })).toMatchObject({ status: 'canceled', clientOrderId: 'algo-cx-1' });
    await expect(ex.cancelOrder(placed.id!, SYMBOL, { trigger: true })).rejects.toThrow(OrderNotFound);
    const all = await ex.fetchOrders(SYMBOL, undefined, undefined, { trigger: true });
    const byCid = new Map(all.map((o) => [o.clientOrderId, o.status]));
    expect(byCid.get('algo-cx-1')).toBe('canceled');
    expect(byCid.get('algo-sm-1')).toBe('open');
    expect((await ex.fetchOrders(SYMBOL)).map((o) => o.clientOrderId)).not.toContain('algo-cx-1');
  });

  it('a stop-limit order that triggers becomes a regular order with the same client id (actualOrderId), which fills', async () => {
    const { amount, px } = prices();
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, px(1.012), { triggerPrice: px(1.01), clientOrderId: 'algo-sl-1' });
    expect(placed.info['orderType']).toBe('STOP');
    jumpUntil(server.venue, venueClock, () => server.venue.getOrder({ clientOrderId: 'algo-sl-1' }).filled > 0);
    const algo = await ex.fetchOrder(placed.id!, SYMBOL, { trigger: true });
    expect(['TRIGGERED', 'FINISHED']).toContain(algo.info['algoStatus']);
    // ccxt reads both statuses as closed: the algo order's part is done.
    expect(algo.status).toBe('closed');
    const actual = String(algo.info['actualOrderId']);
    expect(actual).not.toBe('');
    const child = await ex.fetchOrder(actual, SYMBOL);
    expect(child).toMatchObject({ id: actual, clientOrderId: 'algo-sl-1', side: 'buy', price: px(1.012), amount });
    expect(child.filled).toBeGreaterThan(0);
    expect(await ex.fetchOrder('', SYMBOL, { clientOrderId: 'algo-sl-1' })).toMatchObject({ id: actual });
    const trades = await ex.fetchMyTrades(SYMBOL);
    expect(trades.some((t) => t.order === actual)).toBe(true);
    // Once triggered it is no longer an open algo order, and the algo cancel no longer reaches it.
    expect((await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true })).map((o) => o.id)).not.toContain(placed.id);
    await expect(ex.cancelOrder(placed.id!, SYMBOL, { trigger: true })).rejects.toThrow(OrderNotFound);
  });

  it('refuses a trigger already reached (-2021), a duplicate client algo id, and a conditional type on the regular route (-4120)', async () => {
    const { amount, px } = prices();
    const reached = await thrown(() => ex.createOrder(SYMBOL, 'market', 'sell', amount, undefined, { takeProfitPrice: px(0.99) }));
    expect(reached.message).toContain('-2021');
    expect(reached.constructor).toBe(ExchangeError);
    expect(classifyError(reached)).toMatchObject({ kind: 'invalid_order', name: 'OrderImmediatelyFillable' });
    // A client algo id an open algo order holds (one placed here: the first test's may have
    // triggered while the test before jumped the venue's clock, and the price with it).
    await ex.createOrder(SYMBOL, 'market', 'sell', amount, undefined, { stopLossPrice: px(0.5), clientOrderId: 'algo-dup-1' });
    const dup = await thrown(() => ex.createOrder(SYMBOL, 'market', 'sell', amount, undefined, { stopLossPrice: px(0.6), clientOrderId: 'algo-dup-1' }));
    expect(classifyError(dup)).toMatchObject({ kind: 'invalid_order', duplicate: true });
    const m = ex.market(SYMBOL);
    const regular = await thrown(() =>
      ex.fapiPrivatePostOrder({ symbol: m.id, side: 'BUY', type: 'STOP_MARKET', quantity: String(amount), stopPrice: String(px(1.1)) }),
    );
    expect(regular).toBeInstanceOf(ExchangeError);
    expect(regular.message).toContain('-4120');
  });
});

describe('post-only refusal through ccxt.binanceusdm', () => {
  it("a crossing GTX order gets Binance's -5022; ccxt calls it InvalidOrder off Binance's hosts and misso classifies it OrderImmediatelyFillable", async () => {
    const { amount, px } = prices();
    const e = await thrown(() => ex.createOrder(SYMBOL, 'limit', 'buy', amount, px(1.01), { postOnly: true, clientOrderId: 'po-cross-1' }));
    // ccxt's generic table; on fapi.binance.com its futures table says OrderNotFillable instead.
    expect(e.constructor).toBe(InvalidOrder);
    expect(e.message).toContain('"code":-5022');
    expect(classifyError(e)).toMatchObject({ kind: 'invalid_order', name: 'OrderImmediatelyFillable' });
    expect(() => server.venue.getOrder({ clientOrderId: 'po-cross-1' })).toThrow();
    const resting = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, px(0.95), { postOnly: true });
    expect(resting).toMatchObject({ status: 'open', postOnly: true, timeInForce: 'PO' });
  });
});

describe('the user stream of an algo order (ccxt.pro watchOrders)', () => {
  it('pushes ALGO_UPDATE, not ORDER_TRADE_UPDATE, while it waits; misso keeps it open under its algo id, then canceled', async () => {
    const pro = await simProClient(server.url);
    try {
      await pro.loadMarkets();
      const { amount, px } = prices();
      const news = pro.watchOrders(SYMBOL);
      await new Promise((r) => setTimeout(r, 200));
      const placed = await ex.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { triggerPrice: px(1.2), clientOrderId: 'algo-ws-1' });
      const [pushed] = (await news).filter((o) => o.clientOrderId === 'algo-ws-1');
      expect(pushed).toMatchObject({ id: placed.id, status: 'open', type: 'market', triggerPrice: px(1.2) });
      expect(pushed!.info).toMatchObject({ aid: Number(placed.id), caid: 'algo-ws-1', X: 'NEW', ai: '' });
      expect(foldAlgoStreamOrder(pushed!)).toMatchObject({ id: `${ALGO_ID_PREFIX}${placed.id}`, status: 'open' });

      const next = pro.watchOrders(SYMBOL);
      await ex.cancelOrder(placed.id!, SYMBOL, { trigger: true });
      const [canceled] = (await next).filter((o) => o.clientOrderId === 'algo-ws-1');
      expect(canceled!.info['X']).toBe('CANCELED');
      expect(foldAlgoStreamOrder(canceled!)).toMatchObject({ id: `${ALGO_ID_PREFIX}${placed.id}`, status: 'canceled' });
      // A handed-over algo order says TRIGGERED or FINISHED, which ccxt reads as closed: misso drops it.
      expect(foldAlgoStreamOrder({ ...canceled!, status: 'closed', info: { ...canceled!.info, X: 'TRIGGERED' } })).toBeNull();
      const regular = { id: '7', status: 'closed', info: { i: 7, c: 'x' } };
      expect(foldAlgoStreamOrder(regular)).toBe(regular);
    } finally {
      await pro.close();
    }
  });
});

describe('the user stream of an algo order that triggers (wire level)', () => {
  it('ALGO_UPDATE NEW, then TRIGGERED naming the new order, its ORDER_TRADE_UPDATEs (same client id), then FINISHED', async () => {
    const probe = await Probe.openUserStream(server.url);
    try {
      const { amount, px } = prices();
      await ex.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { triggerPrice: px(1.004), clientOrderId: 'algo-ws-2' });
      jumpUntil(server.venue, venueClock, () => server.venue.getOrder({ clientOrderId: 'algo-ws-2' }).status === 'closed');
      const venueId = server.venue.getOrder({ clientOrderId: 'algo-ws-2' }).id;
      const ours = (m: Record<string, unknown>): Record<string, unknown> | undefined => {
        const o = m['o'] as Record<string, unknown> | undefined;
        return o && (o['caid'] === 'algo-ws-2' || o['c'] === 'algo-ws-2') ? o : undefined;
      };
      await probe.next((m) => ours(m)?.['X'] === 'FINISHED');
      const seen = (probe.messages as Record<string, unknown>[]).flatMap((m) => {
        const o = ours(m);
        return o ? [{ e: m['e'], o }] : [];
      });
      expect(seen.map(({ e, o }) => (e === 'ALGO_UPDATE' ? `algo ${String(o['X'])}` : `order ${String(o['x'])} ${String(o['X'])}`))).toEqual([
        'algo NEW',
        'algo TRIGGERED',
        'order NEW NEW',
        'order TRADE FILLED',
        'algo FINISHED',
      ]);
      expect(seen[1]!.o).toMatchObject({ ai: venueId, caid: 'algo-ws-2', aid: Number(venueId) + ALGO_ID_OFFSET });
      expect(seen[2]!.o).toMatchObject({ i: Number(venueId), c: 'algo-ws-2', o: 'MARKET' });
      // misso keeps the algo order open while it waits and drops the hand-over news.
      expect(seen.map(({ o }) => foldAlgoStreamOrder({ status: 'x', info: o })?.status ?? null)).toEqual(['open', null, 'x', 'x', null]);
    } finally {
      probe.ws.close();
    }
  });
});

describe('foldAlgoOrders over an unmodified ccxt.binanceusdm', () => {
  // misso's errors are ccxt's own classes, loaded with ccxt (an Updater or createExchange does
  // it first); this file may run before any other loaded them.
  beforeAll(() => loadCcxtCore());

  it('places, finds, lists and cancels a trigger order like any order, and lists algo orders only while there may be some', async () => {
    const fold = foldAlgoOrders(simClient(server.url));
    await fold.loadMarkets();
    await fold.cancelAllOrders(SYMBOL, { trigger: true });
    const { amount, px } = prices();
    const listings = (): number => requests('GET /fapi/v1/openAlgoOrders');
    const placed = await fold.createOrder(SYMBOL, 'limit', 'buy', amount, px(1.3), { triggerPrice: px(1.25), clientOrderId: 'fold-1' });
    expect(placed.id).toBe(`${ALGO_ID_PREFIX}${Number(placed.info['algoId'])}`);
    expect(await fold.fetchOrder('', SYMBOL, { clientOrderId: 'fold-1' })).toMatchObject({ id: placed.id, status: 'open' });
    expect(await fold.fetchOrder(placed.id!, SYMBOL)).toMatchObject({ id: placed.id, status: 'open' });
    expect(await fold.fetchOrder(placed.id!, SYMBOL, { trigger: true })).toMatchObject({ id: placed.id, status: 'open' });
    expect((await fold.fetchOrders(SYMBOL)).filter((o) => o.clientOrderId === 'fold-1').map((o) => o.id)).toEqual([placed.id]);
    await expect(fold.editOrder(placed.id!, SYMBOL, 'limit', 'buy', amount, px(1.31))).rejects.toThrow(/cannot modify a conditional order before it triggers/);
    const before = listings();
    expect((await fold.fetchOpenOrders()).map((o) => o.id)).toContain(placed.id);
    expect(listings()).toBe(before + 1);
    expect(await fold.cancelOrder(placed.id!, SYMBOL)).toMatchObject({ id: placed.id, status: 'canceled' });
    expect(await fold.fetchOrder(placed.id!, SYMBOL)).toMatchObject({ status: 'canceled' });
    // One more account-wide listing finds none left; after it the algo endpoint is not asked again.
    await fold.fetchOpenOrders();
    await fold.fetchOpenOrders();
    expect(listings()).toBe(before + 2);
  });
});
