import { dec, decimalsOf } from '../binance-format.js';
import type { SimOrderEvent } from '../../venue-feed.js';
import type { SimBalance, SimMarket, SimOrder, SimPosition } from '../../venue-types.js';

/**
 * Venue data → Binance USD-M user-data events: `ORDER_TRADE_UPDATE`, `ACCOUNT_UPDATE` and
 * `listenKeyExpired`.
 */

const USD_DECIMALS = 8;

function orderStatus(o: SimOrder, execution: SimOrderEvent['execution']): string {
  if (execution === 'CANCELED') return 'CANCELED';
  if (execution === 'EXPIRED') return 'EXPIRED';
  if (o.remaining <= 0 && o.filled > 0) return 'FILLED';
  return o.filled > 0 ? 'PARTIALLY_FILLED' : 'NEW';
}

function orderIdJson(id: string): number | string {
  const n = Number(id);
  return Number.isSafeInteger(n) && String(n) === id ? n : id;
}

/** One `ORDER_TRADE_UPDATE` for one order change. */
export function orderTradeUpdate(m: SimMarket, event: SimOrderEvent, nowMs: number): Record<string, unknown> {
  const { order: o, fill, execution } = event;
  const pp = decimalsOf(m.tickSize);
  const qp = decimalsOf(m.lotSize);
  const type = o.type === 'limit' ? 'LIMIT' : 'MARKET';
  return {
    e: 'ORDER_TRADE_UPDATE',
    E: nowMs,
    T: event.at,
    o: {
      s: m.id,
      c: o.clientOrderId,
      S: o.side === 'buy' ? 'BUY' : 'SELL',
      o: type,
      f: 'GTC',
      q: dec(o.amount, qp),
      p: o.type === 'limit' && o.price !== undefined ? dec(o.price, pp) : dec(0, pp),
      ap: dec(o.average ?? 0, Math.max(pp, 5)),
      sp: '0',
      x: execution,
      X: orderStatus(o, execution),
      i: orderIdJson(o.id),
      l: dec(fill?.amount ?? 0, qp),
      z: dec(o.filled, qp),
      L: dec(fill?.price ?? 0, pp),
      N: 'USD',
      n: dec(fill?.fee ?? 0, USD_DECIMALS),
      T: event.at,
      t: fill ? Number(fill.id) : 0,
      b: '0',
      a: '0',
      m: fill?.maker ?? false,
      R: o.reduceOnly,
      wt: 'CONTRACT_PRICE',
      ot: type,
      ps: 'BOTH',
      cp: false,
      rp: dec(fill?.realizedPnl ?? 0, USD_DECIMALS),
      pP: false,
      si: 0,
      ss: 0,
      V: 'EXPIRE_MAKER',
      pm: 'NONE',
      gtd: 0,
    },
  };
}

/**
 * One `ACCOUNT_UPDATE` after fills: the USD wallet balance (without unrealised PnL, as Binance
 * sends it) and the positions of `markets` (a closed position goes out with amount 0).
 */
export function accountUpdate(
  b: SimBalance,
  markets: readonly SimMarket[],
  positions: readonly SimPosition[],
  nowMs: number,
): Record<string, unknown> {
  const u = (x: number): string => dec(x, USD_DECIMALS);
  const bySymbol = new Map(positions.map((p) => [p.symbol, p]));
  return {
    e: 'ACCOUNT_UPDATE',
    E: nowMs,
    T: nowMs,
    a: {
      m: 'ORDER',
      B: [{ a: 'USD', wb: u(b.wallet), cw: u(b.wallet), bc: '0' }],
      P: markets.map((m) => {
        const p = bySymbol.get(m.symbol);
        const qp = decimalsOf(m.lotSize);
        const pp = Math.max(decimalsOf(m.tickSize), 8);
        return {
          s: m.id,
          pa: dec(p ? (p.side === 'short' ? -p.contracts : p.contracts) : 0, qp),
          ep: dec(p?.entryPrice ?? 0, pp),
          bep: dec(p?.entryPrice ?? 0, pp),
          cr: '0',
          up: u(p?.unrealizedPnl ?? 0),
          mt: 'cross',
          iw: '0',
          ps: 'BOTH',
        };
      }),
    },
  };
}

/** The `listenKeyExpired` event. */
export function listenKeyExpired(listenKey: string, nowMs: number): Record<string, unknown> {
  return { e: 'listenKeyExpired', E: nowMs, listenKey };
}
