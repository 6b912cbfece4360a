import { dec, decimalsOf } from '../binance-format.js';
import type { MarketStream } from './ws-streams.js';
import type { SimOrderEvent } from '../../venue-feed.js';
import type { SimMarket } from '../../venue-types.js';

/**
 * Whether `event` is the fill of a liquidation order (`liquidation.ts`): what Binance USD-M
 * announces on its public liquidation streams, `<symbol>@forceOrder` and `!forceOrder@arr`.
 */
export function isLiquidationFill(event: SimOrderEvent): boolean {
  return event.execution === 'TRADE' && event.order.type === 'liquidation' && event.fill !== undefined;
}

/**
 * A liquidation's fill as Binance's `forceOrder` event: the venue's closing order as a `LIMIT`
 * `IOC` order `FILLED` at once (`l` = `z` = `q`), `p` its price, `ap` the fill's average and `T`
 * the venue time of the liquidation. ccxt.pro's `parseWsLiquidation` reads `s`, `S`, `l`, `ap`
 * and `T` (symbol, side, contracts, price, timestamp).
 */
export function forceOrderEvent(m: SimMarket, event: SimOrderEvent, nowMs: number): Record<string, unknown> {
  const { order: o, fill } = event;
  const pp = decimalsOf(m.tickSize);
  const qp = decimalsOf(m.lotSize);
  return {
    e: 'forceOrder',
    E: nowMs,
    o: {
      s: m.id,
      S: o.side === 'buy' ? 'BUY' : 'SELL',
      o: 'LIMIT',
      f: 'IOC',
      q: dec(o.amount, qp),
      p: dec(o.price ?? fill?.price ?? 0, pp),
      ap: dec(o.average ?? fill?.price ?? 0, pp),
      X: 'FILLED',
      l: dec(fill?.amount ?? o.filled, qp),
      z: dec(o.filled, qp),
      T: event.at,
    },
  };
}

/**
 * How many of a connection's streams carry the liquidations of `symbol`: its `<symbol>@forceOrder`
 * and `!forceOrder@arr` each get the event, as each stream of a connection does on Binance.
 */
export function forceOrderStreamsOf(streams: Iterable<{ stream: MarketStream }>, symbol: string): number {
  let n = 0;
  for (const { stream } of streams) {
    if (stream.kind === 'allForceOrders' || (stream.kind === 'forceOrder' && stream.market.symbol === symbol)) n++;
  }
  return n;
}
