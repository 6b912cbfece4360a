import type { SimPublicTrade } from '../trade-tape.js';
import type { SimMarket } from '../venue-types.js';
import { dec, decimalsOf } from './binance-format.js';

/**
 * Tape prints → Binance USD-M's public trade shapes, REST and websocket. Every print is its own
 * aggregate (the sim's takers fill one price at a time), so an aggregate's first and last trade
 * ids are its own id, and the two dialects number the same print alike.
 */

/** One entry of `GET /fapi/v1/aggTrades`. */
export function formatAggTrade(m: SimMarket, t: SimPublicTrade): Record<string, unknown> {
  return { a: t.id, p: dec(t.price, decimalsOf(m.tickSize)), q: dec(t.amount, decimalsOf(m.lotSize)), f: t.id, l: t.id, T: t.timestamp, m: t.side === 'sell' };
}

/** One entry of `GET /fapi/v1/trades`. */
export function formatRecentTrade(m: SimMarket, t: SimPublicTrade): Record<string, unknown> {
  const pp = decimalsOf(m.tickSize);
  return {
    id: t.id,
    price: dec(t.price, pp),
    qty: dec(t.amount, decimalsOf(m.lotSize)),
    quoteQty: dec(t.price * t.amount, Math.max(pp, 2)),
    time: t.timestamp,
    isBuyerMaker: t.side === 'sell',
  };
}

/** A `<symbol>@aggTrade` event. */
export function aggTradeEvent(m: SimMarket, t: SimPublicTrade, nowMs: number): Record<string, unknown> {
  return { e: 'aggTrade', E: nowMs, s: m.id, ...formatAggTrade(m, t) };
}

/** A `<symbol>@trade` event (`X`: a market trade, not an insurance-fund or ADL one). */
export function tradeEvent(m: SimMarket, t: SimPublicTrade, nowMs: number): Record<string, unknown> {
  const pp = decimalsOf(m.tickSize);
  return { e: 'trade', E: nowMs, T: t.timestamp, s: m.id, t: t.id, p: dec(t.price, pp), q: dec(t.amount, decimalsOf(m.lotSize)), X: 'MARKET', m: t.side === 'sell' };
}
