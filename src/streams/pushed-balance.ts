import type { Balances, Position } from 'ccxt';
import { WS_SOURCE, type StreamContext } from './stream-context.js';

/** What a balance push set: both figures exactly, the equity only (the margin in use may have moved), or nothing. */
export type PushedBalanceResult = 'complete' | 'wallet' | 'none';

/**
 * Applies a pushed balance to `total_capital` and `free_capital` (what `t_update_balance` keeps:
 * equity and free margin in `currency`).
 *
 * - A complete push (free and total of the currency) is applied as is.
 * - Binance USD-M's `ACCOUNT_UPDATE` carries the wallet balance only (ccxt puts it in `total`
 *   and leaves `free` empty), with the unrealised PnL of the positions the event touched. The
 *   equity is the wallet plus the unrealised PnL of every position: the pushed ones from the
 *   push, the others as the positions state holds them. The margin in use is not in the push, so
 *   it is carried over (free = equity − the margin the last reading showed): exact for a push
 *   that touched no position (a funding fee, a transfer), else until REST reads it (after fills,
 *   and after a liquidation's `INSURANCE_CLEAR`, whose positions were closed just before).
 * - Without what that needs (a positions state with each position's PnL, a previous reading),
 *   nothing is applied.
 */
export function applyPushedBalance(ctx: StreamContext, currency: string, b: Balances, positionsAttr: string | undefined): PushedBalanceResult {
  const total = numberOf((b.total as unknown as Record<string, unknown> | undefined)?.[currency]);
  const free = numberOf((b.free as unknown as Record<string, unknown> | undefined)?.[currency]);
  if (total !== undefined && free !== undefined) {
    ctx.state.set('total_capital', total, WS_SOURCE);
    ctx.state.set('free_capital', free, WS_SOURCE);
    return 'complete';
  }
  const wallet = total;
  const lastTotal = numberOf(ctx.state.get<unknown>('total_capital'));
  const lastFree = numberOf(ctx.state.get<unknown>('free_capital'));
  if (wallet === undefined || lastTotal === undefined || lastFree === undefined || positionsAttr === undefined) return 'none';
  const pushed = pushedUnrealizedPnl(b.info);
  if (!pushed) return 'none';
  let unrealized = 0;
  for (const pnl of pushed.values()) unrealized += pnl;
  const held = ctx.state.get<Record<string, Position> | null>(positionsAttr) ?? {};
  for (const p of Object.values(held)) {
    const id = marketIdOf(p);
    if (id === undefined) return 'none';
    if (pushed.has(id)) continue;
    const pnl = numberOf(p.unrealizedPnl);
    if (pnl === undefined) return 'none';
    unrealized += pnl;
  }
  const equity = wallet + unrealized;
  ctx.state.set('total_capital', equity, WS_SOURCE);
  ctx.state.set('free_capital', equity - (lastTotal - lastFree), WS_SOURCE);
  // A funding fee or a transfer moves the wallet and no position: the margin in use is unchanged,
  // so both figures are exact. After an order's fill the margin moved, which the push does not
  // say; so it did when a liquidation's clearance (INSURANCE_CLEAR) follows its closing orders.
  const reason = (b.info as { a?: { m?: unknown } } | null | undefined)?.a?.m;
  return pushed.size === 0 && reason !== 'ORDER' && reason !== 'INSURANCE_CLEAR' ? 'complete' : 'wallet';
}

/** `{market id: unrealised PnL}` of the positions in a Binance `ACCOUNT_UPDATE` (`a.P[].s`, `up`). */
function pushedUnrealizedPnl(info: unknown): Map<string, number> | undefined {
  const update = (info as { a?: { P?: unknown } } | null | undefined)?.a;
  if (!update || !Array.isArray(update.P)) return undefined;
  const out = new Map<string, number>();
  for (const entry of update.P as unknown[]) {
    const e = entry as { s?: unknown; up?: unknown };
    const pnl = numberOf(e.up);
    if (typeof e.s !== 'string' || pnl === undefined) return undefined;
    out.set(e.s, (out.get(e.s) ?? 0) + pnl);
  }
  return out;
}

/** A held position's exchange market id: REST answers say `symbol`, pushes say `s`. */
function marketIdOf(p: Position): string | undefined {
  const info = p.info as Record<string, unknown> | undefined;
  const id = info?.['s'] ?? info?.['symbol'];
  return typeof id === 'string' ? id : undefined;
}

function numberOf(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}
