import type { Exchange } from 'ccxt';
import { coerceError } from '../core/errors.js';

/** What {@link resyncClock} managed to do. */
export interface ResyncResult {
  ok: boolean;
  /** Local clock minus server clock, as ccxt now applies it to signed requests. */
  offsetMs?: number;
  /** Why it could not resync. */
  reason?: string;
}

/**
 * Re-measures the offset between this machine's clock and the exchange's, after an
 * `InvalidNonce` ("Timestamp for this request is outside of the recvWindow"). Exchanges whose
 * ccxt class can (Binance and its relatives have `loadTimeDifference`) then sign with the
 * server's time: this turns on `options.adjustForTimeDifference` and loads the difference.
 * Best-effort: it never throws, it says what happened.
 */
export async function resyncClock(exchange: Exchange): Promise<ResyncResult> {
  const target = exchange as unknown as { loadTimeDifference?: unknown; options?: Record<string, unknown> };
  if (typeof target.loadTimeDifference !== 'function') {
    return { ok: false, reason: `${exchange.id} has no loadTimeDifference: its clock offset cannot be resynced` };
  }
  try {
    await (target.loadTimeDifference as (params?: object) => Promise<unknown>).call(exchange);
    const options = target.options ?? {};
    options['adjustForTimeDifference'] = true;
    const offset = options['timeDifference'];
    return typeof offset === 'number' ? { ok: true, offsetMs: offset } : { ok: true };
  } catch (err: unknown) {
    return { ok: false, reason: coerceError(err).message };
  }
}
