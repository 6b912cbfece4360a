import { InvalidOrder, type binanceusdm } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { simClient } from './fixtures/sim-client.js';

const SYMBOL = 'ETH/USD:USD';
let server: SimServer;
let ex: binanceusdm;

beforeAll(async () => {
  server = await startSimServer({ port: 0, seed: 21 });
  ex = simClient(server.url);
  await ex.loadMarkets();
});

afterAll(async () => {
  await server.close();
});

function prices(): { last: number; resting: number; amount: number } {
  const last = server.venue.ticker(SYMBOL).last;
  const resting = Number(ex.priceToPrecision(SYMBOL, last * 0.8));
  const amount = Number(ex.amountToPrecision(SYMBOL, 30 / resting));
  return { last, resting, amount };
}

describe('ccxt.binanceusdm editOrder and fetchMyTrades against misso sim-server', () => {
  it('editOrder modifies price and amount in place (PUT /fapi/v1/order), keeping both ids', async () => {
    const { resting, amount } = prices();
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, resting, { clientOrderId: 'edit-1' });
    const lower = Number(ex.priceToPrecision(SYMBOL, resting * 0.99));
    const bigger = Number(ex.amountToPrecision(SYMBOL, amount * 2));
    const edited = await ex.editOrder(placed.id!, SYMBOL, 'limit', 'buy', bigger, lower);
    expect(edited).toMatchObject({ id: placed.id, clientOrderId: 'edit-1', price: lower, amount: bigger, status: 'open' });
    expect(server.venue.getOrder({ id: placed.id! })).toMatchObject({ price: lower, amount: bigger, remaining: bigger });
    expect(server.counters.snapshot().requests['PUT /fapi/v1/order']).toBe(1);
  });

  it('refuses to modify a finished order and an unknown one', async () => {
    const { resting, amount } = prices();
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, resting, { clientOrderId: 'edit-2' });
    await ex.cancelOrder(placed.id!, SYMBOL);
    await expect(ex.editOrder(placed.id!, SYMBOL, 'limit', 'buy', amount, resting)).rejects.toThrow(/not open/);
    await expect(ex.editOrder('999', SYMBOL, 'limit', 'buy', amount, resting)).rejects.toThrow(/does not exist/);
  });

  it('a stop-limit waiting for its trigger is not modified (an algo order, unknown to PUT /fapi/v1/order) and never fills', async () => {
    const { last, amount } = prices();
    const px = (f: number): number => Number(ex.priceToPrecision(SYMBOL, last * f));
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, px(1.06), { triggerPrice: px(1.05), clientOrderId: 'edit-stop-1' });
    const fills = server.venue.listFills({ symbol: SYMBOL }).length;
    await expect(ex.editOrder(placed.id!, SYMBOL, 'limit', 'buy', amount, px(1.07))).rejects.toThrow(/does not exist/);
    expect(server.venue.getOrder({ clientOrderId: 'edit-stop-1' })).toMatchObject({ status: 'open', triggered: false, price: px(1.06), filled: 0 });
    expect(server.venue.listFills({ symbol: SYMBOL })).toHaveLength(fills);
  });

  it('a post-only (GTX) order modified to a crossing price is cancelled, as Binance does, never filled as taker', async () => {
    const { last, amount } = prices();
    const px = (f: number): number => Number(ex.priceToPrecision(SYMBOL, last * f));
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, px(0.95), { postOnly: true, clientOrderId: 'edit-gtx-1' });
    const fills = server.venue.listFills({ symbol: SYMBOL }).length;
    const edited = await ex.editOrder(placed.id!, SYMBOL, 'limit', 'buy', amount, px(1.01));
    expect(edited).toMatchObject({ id: placed.id, status: 'canceled', filled: 0, timeInForce: 'PO' });
    expect(server.venue.listFills({ symbol: SYMBOL })).toHaveLength(fills);
  });

  it('fetchMyTrades returns the fills with fee, maker/taker, order id and realised PnL (GET /fapi/v1/userTrades)', async () => {
    const { amount } = prices();
    const buy = await ex.createOrder(SYMBOL, 'market', 'buy', amount);
    const sell = await ex.createOrder(SYMBOL, 'market', 'sell', amount);
    const trades = await ex.fetchMyTrades(SYMBOL);
    const venueFills = server.venue.listFills({ symbol: SYMBOL });
    expect(trades.map((t) => t.id)).toEqual(venueFills.map((f) => f.id));
    const last = trades.at(-1)!;
    const fill = venueFills.at(-1)!;
    expect(last).toMatchObject({ order: sell.id, side: 'sell', takerOrMaker: 'taker', price: fill.price, amount: fill.amount, symbol: SYMBOL });
    expect(Math.abs(last.fee!.cost! - fill.fee)).toBeLessThanOrEqual(5.01e-9);
    expect(last.fee?.currency).toBe('USD');
    expect(Number(last.info['realizedPnl'])).toBeCloseTo(fill.realizedPnl, 6);
    expect(trades.some((t) => t.order === buy.id)).toBe(true);
    const limited = await ex.fetchMyTrades(SYMBOL, undefined, 1);
    expect(limited.map((t) => t.id)).toEqual([fill.id]);
  });
});

describe('ccxt.binanceusdm order kinds against misso sim-server', () => {
  it('post-only (GTX): a crossing one is refused with Binance -5022, a resting one rests as GTX', async () => {
    const { last, resting, amount } = prices();
    const crossing = Number(ex.priceToPrecision(SYMBOL, last * 1.01));
    const error = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, crossing, { postOnly: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOrder);
    expect(String(error)).toMatch(/-5022.*Post Only order will be rejected/);
    const ok = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, resting, { postOnly: true });
    expect(ok).toMatchObject({ status: 'open', timeInForce: 'PO', postOnly: true });
  });

  it('IOC and FOK limit orders never rest', async () => {
    const { resting, amount } = prices();
    expect(await ex.createOrder(SYMBOL, 'limit', 'buy', amount, resting, { timeInForce: 'IOC' })).toMatchObject({ status: 'expired', timeInForce: 'IOC' });
    expect(await ex.createOrder(SYMBOL, 'limit', 'buy', amount, resting, { timeInForce: 'FOK' })).toMatchObject({ status: 'expired', timeInForce: 'FOK' });
  });
});
