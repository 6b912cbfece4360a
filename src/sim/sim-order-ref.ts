import { ArgumentsRequired } from '../exchange/ccxt-lib.js';
import { describeRef } from './order-store.js';
import { SimError } from './sim-error.js';
import type { OrderRef, SimOrder } from './venue-types.js';

/**
 * Which order a ccxt call names: `params.clientOrderId` (or Binance's `origClientOrderId`) when
 * given, else the exchange id, which is then required.
 */
export function simOrderRef(exchangeId: string, id: string | undefined, params: Record<string, unknown>, method: string): OrderRef {
  const clientOrderId = params['clientOrderId'] ?? params['origClientOrderId'];
  if (clientOrderId !== undefined && clientOrderId !== null && clientOrderId !== '') return { clientOrderId: String(clientOrderId) };
  if (id === undefined || id === null || id === '') {
    throw new ArgumentsRequired(`${exchangeId} ${method}() requires an id or params.clientOrderId`);
  }
  return { id: String(id) };
}

/** An order asked for on another symbol than its own is not found there, as on the venue. */
export function checkOrderSymbol(order: SimOrder, symbol: string, ref: OrderRef): void {
  if (order.symbol !== symbol) {
    throw new SimError('order_not_found', `order ${describeRef(ref)} not found on ${symbol}`);
  }
}
