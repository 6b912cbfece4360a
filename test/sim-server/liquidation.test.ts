/**
 * A liquidation on `misso sim-server` as Binance USD-M sends it and an unmodified ccxt /
 * ccxt.pro `binanceusdm` reads it: on the user stream the expired order (`er` 5), the venue's
 * order (type LIQUIDATION, client id `autoclose-…`) NEW then its fill as execution CALCULATED
 * (FILLED), the position closed (ACCOUNT_UPDATE ORDER) and the clearance (ACCOUNT_UPDATE
 * INSURANCE_CLEAR); over REST the order in `/fapi/v1/order`, `allOrders`, `userTrades` and
 * `GET /fapi/v1/forceOrders` (ccxt's fetchMyLiquidations). The account is brought below
 * maintenance by a withdrawal through the admin route, so the next 10 s step liquidates it
 * whatever the wall time the price path starts at.
 */
import { BadRequest, type Balances, type binanceusdm, type Order, type Position } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../src/sim/http/binance-server.js';
import { universeOf } from '../../src/sim/universe.js';
import { SimVenue } from '../../src/sim/venue.js';
import { JumpClock } from './fixtures/jump-clock.js';
import { liquidateAtNextStep } from './fixtures/liquidate.js';
import { openUserRig, type UserRig } from './fixtures/user-rig.js';
import { sleep, type Probe } from './fixtures/ws-probe.js';

const ETH = 'ETH/USD:USD';

type Frame = Record<string, any>;

describe('sim-server liquidation', () => {
  let server: SimServer;
  let clock: JumpClock;
  let rest: binanceusdm;
  let pro: binanceusdm;
  let probe: Probe;
  let rig: UserRig;

  beforeAll(async () => {
    clock = new JumpClock();
    const venue = new SimVenue({ seed: 41, clock, markets: universeOf(40, 41) });
    rig = await openUserRig({ seed: 41, venue, wsPushMs: 100 });
    ({ server, rest, pro, probe } = rig);
  });

  afterAll(() => rig.close());

  it("publishes each position's maintenance margin as notional × the leverage bracket's maintMarginRatio, in account and positionRisk", async () => {
    const api = rest as unknown as Record<string, (params: Record<string, unknown>) => Promise<any>>;
    const sol = 'SOL/USD:USD';
    const amount = Number(rest.amountToPrecision(sol, 2000 / server.venue.ticker(sol).last));
    await rest.createOrder(sol, 'market', 'sell', amount);
    const [bracket] = await api['fapiPrivateGetLeverageBracket']!({ symbol: 'SOLUSD' });
    const ratio = Number(bracket.brackets[0].maintMarginRatio);
    expect(ratio).toBe(Number((0.5 / server.venue.market(sol).maxLeverage).toFixed(6)));
    const [risk] = await api['fapiPrivateV3GetPositionRisk']!({ symbol: 'SOLUSD' });
    expect(Number(risk.maintMargin)).toBeCloseTo(Math.abs(Number(risk.notional)) * ratio, 6);
    // The liquidation price: where the margin balance (wallet + PnL) meets that maintenance.
    const contracts = Number(risk.positionAmt);
    const liquidationPrice = Number(risk.liquidationPrice);
    const wallet = server.venue.balance().wallet;
    expect(wallet + contracts * (liquidationPrice - Number(risk.entryPrice))).toBeCloseTo(Math.abs(contracts) * liquidationPrice * ratio, 4);
    expect(liquidationPrice).toBeGreaterThan(Number(risk.markPrice));
    const [unified] = await rest.fetchPositions([sol]);
    expect(unified!.liquidationPrice).toBeCloseTo(liquidationPrice, 4);
    const account = await api['fapiPrivateV3GetAccount']!({});
    const row = account.positions.find((x: Frame) => x['symbol'] === 'SOLUSD');
    expect(Number(row.maintMargin)).toBeCloseTo(Math.abs(Number(row.notional)) * ratio, 6);
    expect(Number(account.totalMaintMargin)).toBeCloseTo(Number(row.maintMargin), 6);
    await rest.createOrder(sol, 'market', 'buy', amount, undefined, { reduceOnly: true });
    expect(server.venue.positions()).toEqual([]);
  });

  it('pushes the expiry (er 5), the LIQUIDATION order NEW then CALCULATED/FILLED, the closed position and INSURANCE_CLEAR; ccxt REST and ccxt.pro read them', async () => {
    const last = server.venue.ticker(ETH).last;
    const amount = Number(rest.amountToPrecision(ETH, 5000 / last));
    await rest.createOrder(ETH, 'market', 'buy', amount);
    const far = await rest.createOrder(ETH, 'limit', 'buy', amount, Number(rest.priceToPrecision(ETH, last * 0.5)), { clientOrderId: 'far-below' });

    const orders: Order[] = [];
    let positions: Position[] = [];
    const balances: Balances[] = [];
    const watching = (async (): Promise<void> => {
      while (!orders.some((o) => o.type === 'liquidation' && o.status === 'closed')) orders.push(...(await pro.watchOrders(ETH)));
    })();
    const watchingPositions = (async (): Promise<void> => {
      while (!positions.some((p) => p.contracts === 0)) positions = await pro.watchPositions([ETH]);
    })();
    const cleared = (): boolean => server.venue.liquidations.history().length > 0;
    const watchingBalance = (async (): Promise<void> => {
      // Until a push after the liquidation carries the wallet it left.
      for (;;) {
        const pushed = await pro.watchBalance();
        balances.push(pushed);
        if (cleared() && Math.abs((pushed['USD']?.total ?? NaN) - server.venue.balance().wallet) < 1e-6) return;
      }
    })();
    await sleep(200); // the first watch calls dial the user stream

    await liquidateAtNextStep(server, clock, ETH);
    const [liq] = server.venue.liquidations.history();
    expect(liq).toBeDefined();
    expect(server.venue.positions()).toEqual([]);
    const id = liq!.orderIds[0]!;

    // The user stream, as Binance sends it.
    const isUpdate = (c: string | RegExp, x: string) => (m: Frame) =>
      m['e'] === 'ORDER_TRADE_UPDATE' && (typeof c === 'string' ? m['o'].c === c : c.test(m['o'].c)) && m['o'].x === x;
    const expired = (await probe.next(isUpdate('far-below', 'EXPIRED')))['o'] as Frame;
    expect(expired).toMatchObject({ X: 'EXPIRED', er: '5', o: 'LIMIT' });
    const created = (await probe.next(isUpdate(/^autoclose-/, 'NEW')))['o'] as Frame;
    expect(created).toMatchObject({ X: 'NEW', o: 'LIQUIDATION', ot: 'LIQUIDATION', S: 'SELL', f: 'IOC', R: true, i: Number(id), z: '0.000' });
    expect(Number(created['q'])).toBe(amount);
    const filled = (await probe.next(isUpdate(/^autoclose-/, 'CALCULATED')))['o'] as Frame;
    const fillPrice = Number(filled['L']);
    expect(filled).toMatchObject({ X: 'FILLED', o: 'LIQUIDATION', c: created['c'], n: '0.00000000', m: false });
    expect([Number(filled['l']), Number(filled['z']), Number(filled['ap'])]).toEqual([amount, amount, fillPrice]);
    // A liquidation's fill is CALCULATED only, never a TRADE.
    expect(probe.messages.filter((m) => (m as Frame)['e'] === 'ORDER_TRADE_UPDATE' && (m as Frame)['o'].c === created['c'] && (m as Frame)['o'].x === 'TRADE')).toEqual([]);
    const closed = (await probe.next((m) => m['e'] === 'ACCOUNT_UPDATE' && (m['a'] as Frame)['m'] === 'ORDER' && (m['a'] as Frame)['P'].some((x: Frame) => x['s'] === 'ETHUSD' && Number(x['pa']) === 0)))['a'] as Frame;
    expect(closed['P']).toHaveLength(1);
    const clearance = (await probe.next((m) => m['e'] === 'ACCOUNT_UPDATE' && (m['a'] as Frame)['m'] === 'INSURANCE_CLEAR'))['a'] as Frame;
    const wallet = server.venue.balance().wallet;
    expect(clearance).toEqual({ m: 'INSURANCE_CLEAR', B: [{ a: 'USD', wb: wallet.toFixed(8), cw: wallet.toFixed(8), bc: (-liq!.clearanceFee).toFixed(8) }], P: [] });
    expect(liq!.clearanceFee).toBeGreaterThan(0);
    expect(wallet).toBeGreaterThanOrEqual(0);

    // ccxt.pro.
    await watching;
    await watchingPositions;
    await watchingBalance;
    const liqOrders = orders.filter((o) => o.id === id);
    // ccxt.pro keeps one order object per id, updated in place: NEW then FILLED leave it closed.
    expect(liqOrders.length).toBeGreaterThan(0);
    expect(liqOrders.every((o) => o.type === 'liquidation' && o.clientOrderId === created['c'])).toBe(true);
    expect(liqOrders.at(-1)!.status).toBe('closed');
    expect(liqOrders.at(-1)).toMatchObject({ side: 'sell', filled: amount, remaining: 0, average: fillPrice, reduceOnly: true });
    expect(orders.find((o) => o.id === far.id)).toMatchObject({ status: 'expired' });
    expect(positions.find((x) => x.symbol === ETH)?.contracts).toBe(0);
    expect(balances.at(-1)!['USD']?.total).toBeCloseTo(wallet, 6);

    // ccxt REST.
    const fetched = await rest.fetchOrder(id, ETH);
    expect(fetched).toMatchObject({ id, type: 'liquidation', side: 'sell', status: 'closed', amount, filled: amount, average: fillPrice, price: fillPrice, timeInForce: 'IOC', reduceOnly: true });
    expect(fetched.clientOrderId).toBe(created['c']);
    expect((await rest.fetchOrders(ETH)).filter((o) => o.type === 'liquidation').map((o) => o.id)).toEqual([id]);
    expect((await rest.fetchOrder(far.id!, ETH)).status).toBe('expired');
    const trade = (await rest.fetchMyTrades(ETH)).at(-1)!;
    expect(trade).toMatchObject({ order: id, side: 'sell', amount, price: fillPrice, takerOrMaker: 'taker', fee: { cost: 0, currency: 'USD' } });
    const [liquidation] = await rest.fetchMyLiquidations(ETH);
    expect(liquidation).toMatchObject({ symbol: ETH, contracts: amount, price: fillPrice, side: 'sell', timestamp: liq!.at });
    expect(await rest.fetchPositions([ETH])).toEqual([]);
    expect((await rest.fetchBalance())['USD']?.total).toBeCloseTo(wallet, 6);
  });

  it('GET /fapi/v1/forceOrders: LIQUIDATION orders as an order query shows them; ADL none; symbol, window and limit as Binance takes them', async () => {
    // ccxt's implicit API: signed as any private call, Binance's errors raised as ccxt's.
    const api = rest as unknown as Record<string, (params: Record<string, unknown>) => Promise<any>>;
    const get = (query: Record<string, string | number>): Promise<any> => api['fapiPrivateGetForceOrders']!(query);
    const all = await get({});
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ symbol: 'ETHUSD', type: 'LIQUIDATION', origType: 'LIQUIDATION', status: 'FILLED', side: 'SELL', timeInForce: 'IOC', reduceOnly: true });
    expect(all[0].clientOrderId).toMatch(/^autoclose-/);
    expect(await get({ symbol: 'ETHUSD', autoCloseType: 'LIQUIDATION', limit: 100 })).toEqual(all);
    expect(await get({ autoCloseType: 'ADL' })).toEqual([]);
    expect(await get({ symbol: 'BTCUSD' })).toEqual([]);
    const at = all[0].time as number;
    expect(await get({ startTime: at + 1 })).toEqual([]);
    expect(await get({ endTime: at - 1 })).toEqual([]);
    expect(await get({ startTime: at, endTime: at })).toEqual(all);
    // A limit past 100 is taken as 100, as the server's other lists do; under 1 is refused.
    expect(await get({ limit: 101 })).toEqual(all);
    await expect(get({ limit: 0 })).rejects.toBeInstanceOf(BadRequest);
    await expect(get({ autoCloseType: 'BOTH' })).rejects.toBeInstanceOf(BadRequest);
    const order = await api['fapiPrivateGetOrder']!({ symbol: 'ETHUSD', orderId: all[0].orderId });
    expect(order).toEqual(all[0]);
    const listed = await api['fapiPrivateGetAllOrders']!({ symbol: 'ETHUSD' });
    expect(listed.filter((o: Frame) => o['type'] === 'LIQUIDATION')).toEqual(all);
  });

  it('GET /fapi/v1/income lists the clearance fee as INSURANCE_CLEAR, its tranId the closing order', async () => {
    const api = rest as unknown as Record<string, (params: Record<string, unknown>) => Promise<any>>;
    const [liq] = server.venue.liquidations.history();
    const row = { symbol: 'ETHUSD', incomeType: 'INSURANCE_CLEAR', income: (-liq!.clearanceFee).toFixed(8), asset: 'USD', time: liq!.at, info: 'INSURANCE_CLEAR', tranId: liq!.orderIds[0], tradeId: '' };
    expect(await api['fapiPrivateGetIncome']!({ incomeType: 'INSURANCE_CLEAR' })).toEqual([row]);
    expect(await api['fapiPrivateGetIncome']!({})).toEqual([row]);
    expect(await api['fapiPrivateGetIncome']!({ symbol: 'ETHUSD', startTime: liq!.at, endTime: liq!.at })).toEqual([row]);
    expect(await api['fapiPrivateGetIncome']!({ incomeType: 'FUNDING_FEE' })).toEqual([]);
    expect(await api['fapiPrivateGetIncome']!({ startTime: liq!.at + 1 })).toEqual([]);
    // ccxt's funding history asks for FUNDING_FEE only: the clearance is not a funding fee.
    expect(await rest.fetchFundingHistory(ETH)).toEqual([]);
  });
});
