import type { Exchange, Position } from 'ccxt';

/**
 * `{symbol: position}` for the positions with contracts > 0. In hedge mode, where a symbol can
 * hold a long and a short, the larger one is kept.
 */
export async function openPositions(exchange: Exchange): Promise<Record<string, Position>> {
  const result: Record<string, Position> = {};
  for (const position of await exchange.fetchPositions()) {
    const contracts = position.contracts ?? 0;
    const symbol = position.symbol;
    if (!(contracts > 0) || typeof symbol !== 'string') continue;
    const held = result[symbol];
    if (!held || contracts > (held.contracts ?? 0)) result[symbol] = position;
  }
  return result;
}
