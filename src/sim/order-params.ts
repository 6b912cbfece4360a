import { InvalidOrder } from '../exchange/ccxt-lib.js';
import type { SimTimeInForce, SimTriggerKind } from './venue-types.js';

/** The order-kind part of a placement, read from ccxt's unified createOrder params. */
export interface OrderKindParams {
  timeInForce?: SimTimeInForce;
  triggerPrice?: number;
  triggerKind?: SimTriggerKind;
}

const TIF: readonly string[] = ['GTC', 'IOC', 'FOK', 'PO'];

/**
 * Reads `timeInForce`, `postOnly`, `triggerPrice` / `stopPrice` (a stop), `stopLossPrice` (a
 * stop) and `takeProfitPrice` (a take-profit) as ccxt's unified API defines them. `round`
 * puts a trigger price on the market's tick grid. Throws ccxt's `InvalidOrder` for bad values.
 */
export function orderKindParams(id: string, params: Record<string, unknown>, round: (price: number) => number): OrderKindParams {
  const out: OrderKindParams = {};
  const tif = params['timeInForce'];
  if (tif !== undefined) {
    if (typeof tif !== 'string' || !TIF.includes(tif.toUpperCase())) throw new InvalidOrder(`${id} createOrder() timeInForce must be GTC, IOC, FOK or PO`);
    out.timeInForce = tif.toUpperCase() as SimTimeInForce;
  }
  if (params['postOnly'] === true) {
    if (out.timeInForce === 'IOC' || out.timeInForce === 'FOK') throw new InvalidOrder(`${id} createOrder() postOnly cannot be ${out.timeInForce}`);
    out.timeInForce = 'PO';
  }
  const stop = params['triggerPrice'] ?? params['stopPrice'] ?? params['stopLossPrice'];
  const takeProfit = params['takeProfitPrice'];
  if (stop !== undefined && takeProfit !== undefined) throw new InvalidOrder(`${id} createOrder() takes one trigger price, not a stop and a take-profit`);
  const trigger = stop ?? takeProfit;
  if (trigger !== undefined) {
    const n = Number(trigger);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidOrder(`${id} createOrder() trigger price must be a number > 0`);
    out.triggerPrice = round(n);
    out.triggerKind = takeProfit !== undefined ? 'take_profit' : 'stop';
  }
  return out;
}

/**
 * An order's amount or price as a finite number (a numeric string is taken, as ccxt takes it):
 * NaN, Infinity or anything else is ccxt's `InvalidOrder` naming the value, where the precision
 * helpers would throw a `SyntaxError` from inside ccxt.
 */
export function orderNumber(id: string, method: string, name: 'amount' | 'price', value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
    throw new InvalidOrder(`${id} ${method}() ${name} must be a finite number, got ${shown}`);
  }
  return n;
}
