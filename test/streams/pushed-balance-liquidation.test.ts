/**
 * A Binance `ACCOUNT_UPDATE` with reason `INSURANCE_CLEAR` (a liquidation's clearance) carries no
 * position, but the liquidation just closed positions: the margin in use moved, so the push sets
 * the equity and asks for a REST read of the free margin ('wallet'), as after a fill. A funding
 * fee's push (no position moved) stays complete.
 */
import type { Balances } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { applyPushedBalance } from '../../src/streams/pushed-balance.js';
import type { StreamContext } from '../../src/streams/stream-context.js';

function context(values: Record<string, unknown>): StreamContext {
  const state = {
    get: (key: string) => values[key],
    set: (key: string, value: unknown) => {
      values[key] = value;
    },
  };
  return { state } as unknown as StreamContext;
}

function walletOnly(reason: string, wallet: number): Balances {
  return { info: { e: 'ACCOUNT_UPDATE', a: { m: reason, B: [{ a: 'USD', wb: String(wallet) }], P: [] } }, total: { USD: wallet }, free: {}, used: {} } as unknown as Balances;
}

describe('a pushed wallet-only balance', () => {
  it('INSURANCE_CLEAR sets the equity and leaves the free margin to REST', () => {
    const values: Record<string, unknown> = { total_capital: 1000, free_capital: 200, positions: {} };
    expect(applyPushedBalance(context(values), 'USD', walletOnly('INSURANCE_CLEAR', 12.5), 'positions')).toBe('wallet');
    expect(values['total_capital']).toBe(12.5);
  });

  it('FUNDING_FEE is complete: no position moved, the margin in use is as it was', () => {
    const values: Record<string, unknown> = { total_capital: 1000, free_capital: 200, positions: {} };
    expect(applyPushedBalance(context(values), 'USD', walletOnly('FUNDING_FEE', 999), 'positions')).toBe('complete');
    expect([values['total_capital'], values['free_capital']]).toEqual([999, 199]);
  });
});
