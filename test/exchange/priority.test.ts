import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { isGatedMethod } from '../../src/exchange/gated-methods.js';
import { priorityOf, weightOf } from '../../src/exchange/priority.js';
import type { Priority } from '../../src/exchange/types.js';

describe('priorityOf', () => {
  const table: [string, Priority][] = [
    ['createOrder', 'order'],
    ['createOrders', 'order'],
    ['createLimitBuyOrder', 'order'],
    ['createMarketOrderWithCost', 'order'],
    ['cancelOrder', 'order'],
    ['cancelAllOrders', 'order'],
    ['editOrder', 'order'],
    ['closePosition', 'order'],
    ['create_order', 'order'],
    ['fapiPrivatePostOrder', 'order'],
    ['fapiPrivateDeleteAllOpenOrders', 'order'],
    ['fapiPrivate_post_order', 'order'],
    ['fetchOrder', 'status'],
    ['fetchOrders', 'status'],
    ['fetchOpenOrders', 'status'],
    ['fetchClosedOrders', 'status'],
    ['fetchCanceledOrders', 'status'],
    ['fetchMyTrades', 'status'],
    ['fetchOrderTrades', 'status'],
    ['fetch_open_orders', 'status'],
    ['fapiPrivateGetOpenOrders', 'status'],
    ['fapiPrivateGetUserTrades', 'status'],
    ['fetchBalance', 'account'],
    ['fetchPositions', 'account'],
    ['fetchPosition', 'account'],
    ['fetchLedger', 'account'],
    ['fetchLeverage', 'account'],
    ['fetchTradingFees', 'account'],
    ['setLeverage', 'account'],
    ['setMarginMode', 'account'],
    ['addMargin', 'account'],
    ['transfer', 'account'],
    ['fapiPrivateV3GetAccount', 'account'],
    ['fetchTicker', 'market'],
    ['fetchTickers', 'market'],
    ['fetchOHLCV', 'market'],
    ['fetchOrderBook', 'market'],
    ['fetchTrades', 'market'],
    ['fetchLeverageTiers', 'market'],
    ['loadMarkets', 'market'],
    ['fetchTime', 'market'],
    ['fapiPublicGetKlines', 'market'],
  ];
  it.each(table)('%s → %s', (method, priority) => {
    expect(priorityOf(method)).toBe(priority);
  });
});

describe('weightOf', () => {
  it('uses the Binance USD-M weights of the heavy calls and 1 elsewhere', () => {
    expect(weightOf('fetchTicker', ['BTC/USDT:USDT'])).toBe(1);
    expect(weightOf('fetchTickers', [])).toBe(40);
    expect(weightOf('fetchOpenOrders', [])).toBe(40);
    expect(weightOf('fetchOpenOrders', ['BTC/USDT:USDT'])).toBe(1);
    expect(weightOf('fetch_open_orders', [undefined])).toBe(40);
    expect(weightOf('fetchOHLCV', ['X', '1m', undefined, 1000])).toBe(5);
    expect(weightOf('fetchOHLCV', ['X', '1m', undefined, 99])).toBe(1);
    expect(weightOf('fetchOHLCV', ['X', '1m', undefined, 1500])).toBe(10);
    expect(weightOf('fetchOHLCV', ['X', '1m'])).toBe(2);
    expect(weightOf('fetchOrderBook', ['X', 1000])).toBe(20);
    expect(weightOf('fetchOrderBook', ['X'])).toBe(10);
    expect(weightOf('fetchBalance')).toBe(5);
    expect(weightOf('createOrder', ['X', 'limit', 'buy', 1, 1])).toBe(1);
    expect(weightOf('fetchTrades', ['X'])).toBe(20);
    expect(weightOf('fetchTrades', ['X', 1, 100, { fetchTradesMethod: 'fapiPublicGetAggTrades' }])).toBe(20);
    expect(weightOf('fetchTrades', ['X', undefined, 20, { fetchTradesMethod: 'fapiPublicGetTrades' }])).toBe(5);
    expect(weightOf('fetchTrades', ['X', undefined, 20, { method: 'fapiPublicGetHistoricalTrades' }])).toBe(20);
  });

  it('weighs the account-configuration reads as Binance does (commissionRate 20, symbolConfig 5, positionSide/dual 30, income 30)', () => {
    expect(weightOf('fetchTradingFee', ['X'])).toBe(20);
    for (const m of ['fetchLeverage', 'fetchLeverages', 'fetchMarginMode', 'fetch_margin_modes']) expect(weightOf(m), m).toBe(5);
    expect(weightOf('fetchPositionMode')).toBe(30);
    expect(weightOf('fetchFundingHistory', ['X'])).toBe(30); // GET /fapi/v1/income
    for (const m of ['setMarginMode', 'setPositionMode', 'fetchOpenInterest', 'fetchFundingRateHistory', 'fetchStatus']) expect(weightOf(m), m).toBe(1);
  });
});

describe('isGatedMethod', () => {
  const ex = new ccxt.binanceusdm();
  it.each([
    ['fetchTicker', true],
    ['createOrder', true],
    ['fetch_ticker', true],
    ['loadMarkets', true],
    ['fapiPublicGetTime', true],
    ['fapiPublic_get_time', true],
    ['watchTicker', false],
    ['createOrderWs', false],
    ['market', false],
    ['amountToPrecision', false],
    ['parseOrder', false],
    ['safeString', false],
    ['createOrderRequest', false],
  ] as const)('%s → %s', (name, gated) => {
    expect(isGatedMethod(ex, name)).toBe(gated);
  });
});
