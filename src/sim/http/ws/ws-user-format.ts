import { binanceOrderPrice, binanceOrderType, binanceTimeInForce, dec, decimalsOf, orderIdJson } from '../binance-format.js';
import type { SimOrderEvent } from '../../venue-feed.js';
import type { SimBalance, SimMarket, SimOrder, SimPosition } from '../../venue-types.js';

/**
 * Venue data → Binance USD-M user-data events: `ORDER_TRADE_UPDATE` (execution types NEW,
 * TRADE, AMENDMENT, CANCELED, EXPIRED; CALCULATED for a liquidation's fill, order type
 * LIQUIDATION, and `er` 5 on the orders a liquidation expired), `ACCOUNT_UPDATE` and
 * `listenKeyExpired`.
 */

const USD_DECIMALS = 8;

function orderStatus(o: SimOrder, execution: SimOrderEvent['execution']): string {
  if (execution === 'CANCELED') return 'CANCELED';
  if (execution === 'EXPIRED') return 'EXPIRED';
  if (o.remaining <= 0 && o.filled > 0) return 'FILLED';
  return o.filled > 0 ? 'PARTIALLY_FILLED' : 'NEW';
}

/** One `ORDER_TRADE_UPDATE` for one order change. */
export function orderTradeUpdate(m: SimMarket, event: SimOrderEvent, nowMs: number): Record<string, unknown> {
  const { order: o, fill, execution } = event;
  const pp = decimalsOf(m.tickSize);
  const qp = decimalsOf(m.lotSize);
  const type = binanceOrderType(o);
  // Binance reports a liquidation's execution as CALCULATED, not TRADE.
  const x = execution === 'TRADE' && o.type === 'liquidation' ? 'CALCULATED' : execution;
  return {
    e: 'ORDER_TRADE_UPDATE',
    E: nowMs,
    T: event.at,
    o: {
      s: m.id,
      c: o.clientOrderId,
      S: o.side === 'buy' ? 'BUY' : 'SELL',
      o: type,
      f: binanceTimeInForce(o),
      q: dec(o.amount, qp),
      p: binanceOrderPrice(o, pp),
      ap: dec(o.average ?? 0, Math.max(pp, 5)),
      sp: '0',
      x,
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
      // The expiry reason: 5 for an order a liquidation expired.
      er: execution === 'EXPIRED' && o.expiredBy === 'liquidation' ? '5' : '0',
    },
  };
}

/** One position of an `ACCOUNT_UPDATE` (`a.P[]`); a flat one goes out with amount 0. */
export interface AccountUpdatePosition {
  market: SimMarket;
  /** The open position, or undefined when flat. */
  position: SimPosition | undefined;
  /** Realised PnL (before fees) of the symbol since the start (`cr`). */
  realizedPnl: number;
}

/**
 * One `ACCOUNT_UPDATE`, as Binance USD-M sends it:
 * ```
 * {e: 'ACCOUNT_UPDATE', E, T, a: {
 *   m: reason,                                  // ORDER after fills; FUNDING_FEE, DEPOSIT, … otherwise
 *   B: [{a: 'USD', wb, cw, bc}],                // wallet balance (no unrealised PnL), cross wallet, change
 *   P: [{s, pa, ep, bep, cr, up, mt, iw, ps, ma}]  // only the changed symbols; [] for a wallet-only change
 * }}
 * ```
 * `bc` is the balance change other than realised PnL and fees: 0 after fills, the amount of a
 * funding fee or transfer otherwise. A wallet-only update (`P: []`) carries everything a
 * client needs to set its wallet balance without a REST read: `wb` is the new wallet balance.
 */
export function accountUpdate(
  reason: string,
  b: Pick<SimBalance, 'wallet'>,
  positions: readonly AccountUpdatePosition[],
  nowMs: number,
  balanceChange = 0,
): Record<string, unknown> {
  const u = (x: number): string => dec(x, USD_DECIMALS);
  return {
    e: 'ACCOUNT_UPDATE',
    E: nowMs,
    T: nowMs,
    a: {
      m: reason,
      B: [{ a: 'USD', wb: u(b.wallet), cw: u(b.wallet), bc: balanceChange === 0 ? '0' : u(balanceChange) }],
      P: positions.map(({ market: m, position: p, realizedPnl }) => {
        const qp = decimalsOf(m.lotSize);
        const pp = Math.max(decimalsOf(m.tickSize), 8);
        return {
          s: m.id,
          pa: dec(p ? (p.side === 'short' ? -p.contracts : p.contracts) : 0, qp),
          ep: dec(p?.entryPrice ?? 0, pp),
          bep: dec(p?.entryPrice ?? 0, pp),
          cr: u(realizedPnl),
          up: u(p?.unrealizedPnl ?? 0),
          mt: 'cross',
          iw: '0',
          ps: 'BOTH',
          ma: 'USD',
        };
      }),
    },
  };
}

/** The `listenKeyExpired` event. */
export function listenKeyExpired(listenKey: string, nowMs: number): Record<string, unknown> {
  return { e: 'listenKeyExpired', E: nowMs, listenKey };
}
