import type { SimBookLevel, SimDepthUpdate, SimOrderBook } from '../depth-book.js';
import type { SimMarket } from '../venue-types.js';
import { dec, decimalsOf } from './binance-format.js';

/**
 * Order books → Binance USD-M: the `GET /fapi/v1/depth` snapshot and the `depthUpdate` events
 * of the diff (`<s>@depth`) and partial (`<s>@depth<levels>`) streams, numbers as decimal strings.
 */

function levels(m: SimMarket, rows: readonly SimBookLevel[]): [string, string][] {
  const pp = decimalsOf(m.tickSize);
  const qp = decimalsOf(m.lotSize);
  return rows.map(([p, q]) => [dec(p, pp), dec(q, qp)]);
}

/** The REST snapshot: `{lastUpdateId, E, T, bids, asks}`. */
export function formatDepth(m: SimMarket, book: SimOrderBook): Record<string, unknown> {
  return { lastUpdateId: book.lastUpdateId, E: book.timestamp, T: book.timestamp, bids: levels(m, book.bids), asks: levels(m, book.asks) };
}

/** A diff-depth event: the levels that changed (`"0"` amount: removed), ids `U..u` after `pu`. */
export function depthUpdateEvent(m: SimMarket, u: SimDepthUpdate, nowMs: number): Record<string, unknown> {
  return {
    e: 'depthUpdate',
    E: nowMs,
    T: u.timestamp,
    s: m.id,
    U: u.firstUpdateId,
    u: u.lastUpdateId,
    pu: u.previousUpdateId,
    b: levels(m, u.bids),
    a: levels(m, u.asks),
  };
}

/** A partial-depth event: the top levels of the book, with the ids of its last change. */
export function partialDepthEvent(m: SimMarket, book: SimOrderBook, nowMs: number): Record<string, unknown> {
  return {
    e: 'depthUpdate',
    E: nowMs,
    T: book.timestamp,
    s: m.id,
    U: book.firstUpdateId,
    u: book.lastUpdateId,
    pu: book.previousUpdateId,
    b: levels(m, book.bids),
    a: levels(m, book.asks),
  };
}
