/**
 * The sim server's user-data events as Binance USD-M sends them: a modified order
 * (`PUT /fapi/v1/order`) is pushed as `ORDER_TRADE_UPDATE` with execution type `AMENDMENT`,
 * fills bring an `ACCOUNT_UPDATE` (reason ORDER) with the wallet and the changed positions, and
 * a wallet change without an order (a funding fee) brings a wallet-only `ACCOUNT_UPDATE`.
 */
import type { binanceusdm } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../src/sim/http/binance-server.js';
import { rawRequest } from './fixtures/sim-client.js';
import { openUserRig, type UserRig } from './fixtures/user-rig.js';
import { sleep, type Probe } from './fixtures/ws-probe.js';

const ETH = 'ETH/USD:USD';

describe('sim-server user-data events', () => {
  let server: SimServer;
  let rest: binanceusdm;
  let pro: binanceusdm;
  let probe: Probe;

  let rig: UserRig;
  beforeAll(async () => {
    rig = await openUserRig({ seed: 31, wsPushMs: 100 });
    ({ server, rest, pro, probe } = rig);
  });

  afterAll(() => rig.close());

  it('editOrder pushes ORDER_TRADE_UPDATE x=AMENDMENT, and ccxt.pro watchOrders sees the new price and amount', async () => {
    const last = server.venue.ticker(ETH).last;
    const price = Number(rest.priceToPrecision(ETH, last * 0.8));
    const amount = Number(rest.amountToPrecision(ETH, 40 / price));
    // The first watchOrders dials the user stream; place once it is listening.
    const firstWatch = pro.watchOrders(ETH);
    await sleep(200);
    const placed = await rest.createOrder(ETH, 'limit', 'buy', amount, price, { clientOrderId: 'amend-ws-1' });
    expect((await firstWatch).map((o) => o.id)).toContain(placed.id);

    const lower = Number(rest.priceToPrecision(ETH, price * 0.99));
    const bigger = Number(rest.amountToPrecision(ETH, amount * 2));
    const watching = pro.watchOrders(ETH);
    await rest.editOrder(placed.id!, ETH, 'limit', 'buy', bigger, lower);
    const seen = (await watching).filter((o) => o.id === placed.id).at(-1)!;
    expect(seen).toMatchObject({ clientOrderId: 'amend-ws-1', price: lower, amount: bigger, status: 'open', filled: 0 });
    expect((seen.info as Record<string, unknown>)['x']).toBe('AMENDMENT');

    const wire = await probe.next((m) => m['e'] === 'ORDER_TRADE_UPDATE' && (m['o'] as Record<string, unknown>)['x'] === 'AMENDMENT');
    const o = wire['o'] as Record<string, string>;
    expect(o).toMatchObject({ c: 'amend-ws-1', X: 'NEW' });
    expect([Number(o['p']), Number(o['q']), Number(o['z'])]).toEqual([lower, bigger, 0]);
    // An amendment changes no balance or position: no ACCOUNT_UPDATE follows it.
    expect(probe.messages.filter((m) => (m as Record<string, unknown>)['e'] === 'ACCOUNT_UPDATE')).toEqual([]);
    await rest.cancelOrder(placed.id!, ETH);
  });

  it('fills push ACCOUNT_UPDATE (m=ORDER) with the wallet (wb, cw, bc 0) and the changed position (pa, ep, cr, up, ma)', async () => {
    const amount = Number(rest.amountToPrecision(ETH, 100 / server.venue.ticker(ETH).last));
    await rest.createOrder(ETH, 'market', 'buy', amount);
    await rest.createOrder(ETH, 'market', 'sell', amount);
    await sleep(100);
    const updates = probe.messages.filter((m) => (m as Record<string, unknown>)['e'] === 'ACCOUNT_UPDATE') as Record<string, any>[];
    expect(updates.length).toBeGreaterThanOrEqual(2);
    const opened = updates.at(-2)!['a'];
    const closed = updates.at(-1)!['a'];
    expect(opened.m).toBe('ORDER');
    expect(opened.P).toHaveLength(1);
    expect(opened.P[0]).toMatchObject({ s: 'ETHUSD', mt: 'cross', ps: 'BOTH', ma: 'USD' });
    expect(Number(opened.P[0].pa)).toBe(amount);
    // Closing: amount 0, and `cr` is the symbol's realised PnL, as the venue's fills add it up.
    const realized = server.venue.listFills({ symbol: ETH }).reduce((s, f) => s + f.realizedPnl, 0);
    expect(Number(closed.P[0].pa)).toBe(0);
    expect(Number(closed.P[0].cr)).toBeCloseTo(realized, 6);
    expect(closed.B).toEqual([{ a: 'USD', wb: expect.any(String), cw: expect.any(String), bc: '0' }]);
    expect(Number(closed.B[0].wb)).toBeCloseTo(server.venue.balance().wallet, 6);
  });

  it('a funding fee pushes a wallet-only ACCOUNT_UPDATE (m=FUNDING_FEE, bc = the fee, P empty) that ccxt.pro watchBalance applies', async () => {
    const before = server.venue.balance().wallet;
    const balance = pro.watchBalance();
    await sleep(100);
    const answer = await rawRequest(`${server.url}/__misso/wallet`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deltaUsd: -1.25, reason: 'FUNDING_FEE' }),
    });
    expect(answer.status).toBe(200);
    expect((answer.body as { wallet: number }).wallet).toBeCloseTo(before - 1.25, 8);
    const wire = await probe.next((m) => m['e'] === 'ACCOUNT_UPDATE' && (m['a'] as Record<string, unknown>)['m'] === 'FUNDING_FEE');
    expect(wire['a']).toEqual({
      m: 'FUNDING_FEE',
      B: [{ a: 'USD', wb: (before - 1.25).toFixed(8), cw: (before - 1.25).toFixed(8), bc: '-1.25000000' }],
      P: [],
    });
    expect((await balance)['USD']?.total).toBeCloseTo(before - 1.25, 6);
  });

  it('refuses a bad wallet change with a clear message and changes nothing', async () => {
    const before = server.venue.balance().wallet;
    const bad = await rawRequest(`${server.url}/__misso/wallet`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deltaUsd: 5, reason: 'LOTTERY' }),
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toMatch(/reason must be one of FUNDING_FEE/);
    expect(server.venue.balance().wallet).toBe(before);
  });

  it('refuses a change beyond what a wallet holds (1e12 USD either way), or one that would leave the wallet beyond it', async () => {
    const before = server.venue.balance().wallet;
    const post = (deltaUsd: number): Promise<{ status: number; body: unknown }> =>
      rawRequest(`${server.url}/__misso/wallet`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deltaUsd }) });
    for (const deltaUsd of [-1e308, 1e308, -1e12 - 1, 2e12]) {
      const bad = await post(deltaUsd);
      expect({ deltaUsd, status: bad.status }).toEqual({ deltaUsd, status: 400 });
      expect((bad.body as { error: string }).error).toBe(`deltaUsd must be between -1000000000000 and 1000000000000 (USD), not ${deltaUsd}: more than a wallet holds`);
    }
    // Each within the bound, the sum beyond it.
    const first = await post(1e12 - before - 10);
    expect(first.status).toBe(200);
    const second = await post(20);
    expect(second.status).toBe(400);
    expect((second.body as { error: string }).error).toMatch(/^the wallet would hold 1000000000010 USD, beyond ±1000000000000: move it by less/);
    expect(server.venue.balance().wallet).toBeCloseTo(1e12 - 10, 2);
    expect((await post(-(1e12 - before - 10))).status).toBe(200);
    expect(server.venue.balance().wallet).toBeCloseTo(before, 2);
  });

  it('lets the wallet go below zero, as a funding fee larger than it does: orders needing margin are then refused, a deposit restores them', async () => {
    const before = server.venue.balance().wallet;
    const post = (deltaUsd: number, reason: string): Promise<{ status: number; body: unknown }> =>
      rawRequest(`${server.url}/__misso/wallet`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deltaUsd, reason }) });
    const negative = await post(-(before + 100), 'FUNDING_FEE');
    expect(negative.status).toBe(200);
    expect((negative.body as { wallet: number }).wallet).toBeCloseTo(-100, 6);
    const price = Number(rest.priceToPrecision(ETH, server.venue.ticker(ETH).last * 0.8));
    const amount = Number(rest.amountToPrecision(ETH, 40 / price));
    await expect(rest.createOrder(ETH, 'limit', 'buy', amount, price)).rejects.toThrow(/insufficient|margin/i);
    expect((await post(before + 100, 'DEPOSIT')).status).toBe(200);
    const placed = await rest.createOrder(ETH, 'limit', 'buy', amount, price);
    await rest.cancelOrder(placed.id!, ETH);
    expect(server.venue.balance().wallet).toBeCloseTo(before, 6);
  });

  // ccxt names Binance's GTX 'PO' (and sets postOnly) on both REST and the stream.
  it("ORDER_TRADE_UPDATE carries the order's own time in force (f): GTX for post-only, IOC, FOK, GTC for a market order, as REST does", async () => {
    const last = server.venue.ticker(ETH).last;
    const price = Number(rest.priceToPrecision(ETH, last * 0.8));
    const amount = Number(rest.amountToPrecision(ETH, 40 / price));
    const cases = [
      { id: 'tif-gtx', type: 'limit', params: { postOnly: true }, tif: 'GTX', unified: 'PO', postOnly: true },
      { id: 'tif-ioc', type: 'limit', params: { timeInForce: 'IOC' }, tif: 'IOC', unified: 'IOC', postOnly: false },
      { id: 'tif-fok', type: 'limit', params: { timeInForce: 'FOK' }, tif: 'FOK', unified: 'FOK', postOnly: false },
      { id: 'tif-mkt', type: 'market', params: {}, tif: 'GTC', unified: 'GTC', postOnly: false },
    ] as const;
    const seen = new Map<string, { timeInForce: string | undefined; postOnly: boolean | undefined }>();
    const watching = (async () => {
      while (seen.size < cases.length) {
        for (const o of await pro.watchOrders(ETH)) {
          if (cases.some((c) => c.id === o.clientOrderId)) seen.set(o.clientOrderId!, { timeInForce: o.timeInForce, postOnly: o.postOnly });
        }
      }
    })();
    await sleep(200);
    let postOnlyId = '';
    for (const c of cases) {
      const placed = await rest.createOrder(ETH, c.type, 'buy', amount, c.type === 'limit' ? price : undefined, { ...c.params, clientOrderId: c.id });
      expect(placed.timeInForce).toBe(c.unified);
      if (c.postOnly) postOnlyId = placed.id!;
      const wire = await probe.next((m) => m['e'] === 'ORDER_TRADE_UPDATE' && (m['o'] as Record<string, unknown>)['c'] === c.id);
      expect({ id: c.id, f: (wire['o'] as Record<string, unknown>)['f'] }).toEqual({ id: c.id, f: c.tif });
    }
    await watching;
    for (const c of cases) expect({ id: c.id, ...seen.get(c.id) }).toEqual({ id: c.id, timeInForce: c.unified, postOnly: c.postOnly });
    await rest.cancelOrder(postOnlyId, ETH);
    await rest.createOrder(ETH, 'market', 'sell', amount, undefined, { reduceOnly: true });
  });
});
