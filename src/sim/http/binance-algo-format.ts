import type { SimMarket, SimOrder } from '../venue-types.js';
import { dec, decimalsOf } from './binance-format.js';

/**
 * Binance USD-M's conditional ("algo") orders, as the venue's trigger orders. One venue order is
 * both faces: before its trigger it is only an algo order (`algoId`, `clientAlgoId`); once
 * triggered it is also the regular order placed in the matching engine, whose `orderId` is the
 * venue id (the algo order's `actualOrderId`) and whose `clientOrderId` is the `clientAlgoId`.
 */

/**
 * Algo ids live in their own range, as on Binance, so they can never be mistaken for order ids
 * (the venue's order ids start at its start second × 1000: under this until the year 2286).
 */
export const ALGO_ID_OFFSET = 10_000_000_000_000;

/** Binance's algo statuses (Event: Algo Order Update). */
export type AlgoStatus = 'NEW' | 'TRIGGERED' | 'FINISHED' | 'CANCELED' | 'EXPIRED';

/** A venue order placed as an algo order (it has a trigger). */
export function isAlgoOrder(o: SimOrder): boolean {
  return o.triggerPrice !== undefined;
}

/** An algo order not triggered yet: the regular order endpoints do not know it. */
export function isUntriggeredAlgo(o: SimOrder): boolean {
  return o.triggerPrice !== undefined && !o.triggered;
}

/** The algo id of a venue order. */
export function algoIdOf(o: SimOrder): number {
  return Number(o.id) + ALGO_ID_OFFSET;
}

/** The venue id behind an algo id, or undefined for a number outside the algo range. */
export function venueIdOfAlgo(algoId: number): string | undefined {
  return algoId > ALGO_ID_OFFSET ? String(algoId - ALGO_ID_OFFSET) : undefined;
}

/** The algo status of a venue trigger order. */
export function algoStatus(o: SimOrder): AlgoStatus {
  if (o.triggered) return o.status === 'open' ? 'TRIGGERED' : 'FINISHED';
  if (o.status === 'canceled') return 'CANCELED';
  if (o.status === 'expired') return 'EXPIRED';
  return 'NEW';
}

/** The Binance order type of a trigger order: STOP / TAKE_PROFIT (limit) or their `_MARKET`. */
export function algoOrderType(o: SimOrder): string {
  const base = o.triggerKind === 'take_profit' ? 'TAKE_PROFIT' : 'STOP';
  return o.type === 'market' ? `${base}_MARKET` : base;
}

function timeInForce(o: SimOrder): string {
  return o.timeInForce === 'PO' ? 'GTX' : o.timeInForce;
}

/** One algo order as `POST|GET /fapi/v1/algoOrder`, `openAlgoOrders` and `allAlgoOrders` answer it. */
export function formatAlgoOrder(m: SimMarket, o: SimOrder): Record<string, unknown> {
  const pp = decimalsOf(m.tickSize);
  const qp = decimalsOf(m.lotSize);
  return {
    algoId: algoIdOf(o),
    clientAlgoId: o.clientOrderId,
    algoType: 'CONDITIONAL',
    orderType: algoOrderType(o),
    symbol: m.id,
    side: o.side === 'buy' ? 'BUY' : 'SELL',
    positionSide: 'BOTH',
    timeInForce: timeInForce(o),
    quantity: dec(o.amount, qp),
    algoStatus: algoStatus(o),
    actualOrderId: o.triggered ? o.id : '',
    actualPrice: dec(o.triggered ? (o.average ?? 0) : 0, Math.max(pp, 5)),
    triggerPrice: dec(o.triggerPrice ?? 0, pp),
    price: dec(o.type === 'limit' && o.price !== undefined ? o.price : 0, pp),
    icebergQuantity: null,
    tpTriggerPrice: dec(0, pp),
    tpPrice: dec(0, pp),
    slTriggerPrice: dec(0, pp),
    slPrice: dec(0, pp),
    tpOrderType: '',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    workingType: 'CONTRACT_PRICE',
    priceMatch: 'NONE',
    closePosition: false,
    priceProtect: false,
    reduceOnly: o.reduceOnly,
    createTime: o.timestamp,
    updateTime: o.lastUpdateTimestamp,
    triggerTime: o.triggered ? o.lastUpdateTimestamp : 0,
    goodTillDate: 0,
  };
}

/**
 * The user-data event `ALGO_UPDATE` for a change of an algo order (Binance sends it on creation and
 * on every status change; ccxt.pro's `watchOrders` parses it like an order update).
 */
export function algoUpdate(m: SimMarket, o: SimOrder, at: number, nowMs: number): Record<string, unknown> {
  const pp = decimalsOf(m.tickSize);
  const qp = decimalsOf(m.lotSize);
  return {
    e: 'ALGO_UPDATE',
    T: at,
    E: nowMs,
    o: {
      caid: o.clientOrderId,
      aid: algoIdOf(o),
      at: 'CONDITIONAL',
      o: algoOrderType(o),
      s: m.id,
      S: o.side === 'buy' ? 'BUY' : 'SELL',
      ps: 'BOTH',
      f: timeInForce(o),
      q: dec(o.amount, qp),
      X: algoStatus(o),
      ai: o.triggered ? o.id : '',
      ap: dec(o.average ?? 0, Math.max(pp, 5)),
      aq: dec(o.filled, qp),
      act: o.triggered ? (o.type === 'limit' ? 'LIMIT' : 'MARKET') : '0',
      tp: dec(o.triggerPrice ?? 0, pp),
      p: dec(o.type === 'limit' && o.price !== undefined ? o.price : 0, pp),
      V: 'EXPIRE_MAKER',
      wt: 'CONTRACT_PRICE',
      pm: 'NONE',
      cp: false,
      pP: false,
      R: o.reduceOnly,
      tt: o.triggered ? o.lastUpdateTimestamp : 0,
      gtd: 0,
    },
  };
}
