/**
 * A user-written helper module, as the seed's users added methods: every export can be named
 * as a subtask `method:` with `modul: ./my-helpers.ts`.
 */
import type { Exchange } from 'ccxt';

/** The spread of every watch-list symbol in basis points: `{symbol: bps}`. */
export async function get_spreads_bps(exchange: Exchange, watchList: string[] | null): Promise<Record<string, number>> {
  if (!watchList || watchList.length === 0) return {};
  const tickers = await exchange.fetchTickers(watchList);
  const out: Record<string, number> = {};
  for (const symbol of watchList) {
    const t = tickers[symbol];
    if (t?.bid && t.ask) out[symbol] = ((t.ask - t.bid) / ((t.ask + t.bid) / 2)) * 10_000;
  }
  return out;
}

/** A plain (standard) helper: the `n` symbols with the widest spread. */
export function widest(spreads: Record<string, number> | null, n: number): string[] {
  return Object.entries(spreads ?? {})
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([symbol]) => symbol);
}
