import { describe, expect, it } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { FIXTURES, testContext } from '../config/context.js';

const load = (risk: Record<string, unknown>) =>
  loadConfigObject({ tasks: { t_update_tickers: { freq: 5 } }, orders: { risk } }, testContext(), { baseDir: FIXTURES });

// The per-second window counts whole orders: a fractional rate (0.5: "one every two seconds")
// would silently allow one a second, twice what the operator wrote. Refuse it, naming the key.
describe('orders.risk.max_orders_per_sec', () => {
  it('refuses a fractional rate instead of silently rounding it up', async () => {
    await expect(load({ max_orders_per_sec: 0.5 })).rejects.toThrow(/orders\.risk\.max_orders_per_sec/);
    await expect(load({ max_orders_per_sec: 2.5 })).rejects.toThrow(/orders\.risk\.max_orders_per_sec/);
    const cfg = await load({ max_orders_per_sec: 3 });
    expect(cfg.orders.risk?.maxOrdersPerSec).toBe(3);
  });
});
