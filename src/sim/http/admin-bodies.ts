import { coerceError } from '../../core/errors.js';
import { SIM_WALLET_REASONS, type SimWalletReason } from '../venue-feed.js';
import type { SimVenue } from '../venue.js';

/** The body of `POST /__misso/faults`: JSON `{"spec": "..."}`; throws naming the expected shape. */
export function adminSpec(rawBody: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    throw new Error('admin body must be JSON: {"spec": "..."}');
  }
  const record = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const spec = record['spec'];
  if (typeof spec !== 'string') throw new Error('admin body must be JSON: {"spec": "..."}');
  const extra = Object.keys(record).filter((k) => k !== 'spec');
  if (extra.length > 0) throw new Error(`admin body has unknown key ${extra.map((k) => `"${k}"`).join(', ')}: it is {"spec": "..."} only`);
  return spec;
}

/**
 * The most USD `POST /__misso/wallet` moves at once, and the most its wallet may hold either way:
 * a trillion, more than any account holds and well inside where a double still counts cents
 * (`-1e308` was taken, and left a wallet no later fill or fee could move).
 */
export const MAX_WALLET_USD = 1e12;

/**
 * `POST /__misso/wallet` with `{"deltaUsd": -1.25, "reason": "FUNDING_FEE"}`: moves the wallet
 * without an order (reason one of {@link SIM_WALLET_REASONS}, default `FUNDING_FEE`), so the user
 * stream pushes a wallet-only `ACCOUNT_UPDATE` as Binance does for a funding fee or a transfer.
 * The wallet may go below zero, as a cross-margin account's does when a funding fee is more than
 * it holds: free is then negative, and orders that need margin are refused as insufficient funds
 * while reduce-only ones still close positions. Returns the status and JSON body to answer with.
 */
export function adminWallet(venue: SimVenue, rawBody: string): [number, unknown] {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return [400, { error: 'admin body must be JSON: {"deltaUsd": N, "reason": "FUNDING_FEE"}' }];
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const delta = record['deltaUsd'];
  const reason = record['reason'] ?? 'FUNDING_FEE';
  if (typeof delta !== 'number' || !Number.isFinite(delta)) return [400, { error: 'deltaUsd must be a finite number (USD; negative pays out)' }];
  if (Math.abs(delta) > MAX_WALLET_USD) {
    return [400, { error: `deltaUsd must be between -${MAX_WALLET_USD} and ${MAX_WALLET_USD} (USD), not ${delta}: more than a wallet holds` }];
  }
  const after = venue.balance().wallet + delta;
  if (Math.abs(after) > MAX_WALLET_USD) {
    return [400, { error: `the wallet would hold ${after} USD, beyond ±${MAX_WALLET_USD}: move it by less (it holds ${after - delta})` }];
  }
  if (typeof reason !== 'string' || !(SIM_WALLET_REASONS as readonly string[]).includes(reason)) {
    return [400, { error: `reason must be one of ${SIM_WALLET_REASONS.join(', ')}` }];
  }
  try {
    const balance = venue.adjustWallet(delta, reason as SimWalletReason);
    return [200, { wallet: balance.wallet, total: balance.total, free: balance.free }];
  } catch (error: unknown) {
    return [400, { error: coerceError(error).message }];
  }
}
