import type { Position } from 'ccxt';

/**
 * Completes ccxt.pro's `watchPositions` answers from ccxt's own position cache.
 *
 * ccxt answers a waiting call with the positions of ONE message: the first of a socket read
 * resolves the call, and the messages after it in the same read (Binance sends an
 * `ACCOUNT_UPDATE` per order execution, so fills on several symbols arrive back to back) find no
 * call waiting; their positions land only in the cache (`exchange.positions`, one per account
 * type on Binance). Those positions would stay wrong in state until the REST reconcile, while the
 * stream counts as fresh. After each answer the sweep hands over every cached position a message
 * set since it last looked.
 *
 * ccxt updates a cached position in place, copying the message's fields over it, `info` (the raw
 * entry, a new object per message) among them: a position whose `info` is not the one last
 * handed over was set by a newer message (or, without `info`, its fields differ). An exchange
 * object without that cache (the simulator) passes the answer through.
 */
export class PositionSweep {
  /** Per cache and `symbol\0side`: the `info` (or the fields) of the position last handed over. */
  readonly #seen = new Map<string, unknown>();

  /** The positions set since the previous sweep (copies), or `answer` where ccxt keeps no cache. */
  collect(exchange: unknown, answer: Position[]): Position[] {
    const caches = positionCaches((exchange as { positions?: unknown }).positions);
    if (caches.length === 0) return answer;
    const out: Position[] = [];
    for (const [name, cache] of caches) {
      for (const p of cache) {
        const key = `${name}\0${p.symbol}\0${p.side ?? ''}`;
        const mark = p.info ?? JSON.stringify([p.contracts, p.entryPrice, p.unrealizedPnl, p.marginMode, p.notional]);
        if (this.#seen.get(key) === mark) continue;
        this.#seen.set(key, mark);
        out.push({ ...p });
      }
    }
    return out;
  }
}

/** ccxt's position caches: the cache itself, or one per account type (an object of them). */
function positionCaches(held: unknown): [string, readonly Position[]][] {
  if (Array.isArray(held)) return [['', held as Position[]]];
  if (held === null || typeof held !== 'object') return [];
  return Object.entries(held as Record<string, unknown>).filter((e): e is [string, Position[]] => Array.isArray(e[1]));
}
