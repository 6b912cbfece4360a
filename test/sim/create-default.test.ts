import { describe, expect, it } from 'vitest';
import { ccxtPosition } from '../../src/sim/ccxt-shapes.js';
import { createSimExchange } from '../../src/sim/index.js';

describe('createSimExchange with nothing', () => {
  it('is the default sim on the wall clock: markets load and a ticker is priced now', async () => {
    const ex = createSimExchange();
    await ex.loadMarkets();
    expect(ex.symbols.filter((s) => s.includes(':')).length).toBe(40); // the default universe's perpetuals
    const t = await ex.fetchTicker(ex.symbols[0]!);
    expect(t.last).toBeGreaterThan(0);
    expect(Math.abs((t.timestamp ?? 0) - Date.now())).toBeLessThan(60_000);
  });
});

describe("the sim's positions as ccxt shapes", () => {
  it('print figures as an exchange does, without the float tail of an average entry', async () => {
    const ex = createSimExchange();
    const p = ccxtPosition(ex, {
      symbol: 'BTC/USD:USD', side: 'long', contracts: 0.3, contractSize: 1, entryPrice: 64093.600000000006, markPrice: 64093.11,
      notional: 0.3 * 64093.11, unrealizedPnl: 0.3 * (64093.11 - 64093.600000000006), leverage: 10, initialMargin: (0.3 * 64093.11) / 10,
      maintenanceMargin: 0.3 * 64093.11 * 0.004, liquidationPrice: 0, marginMode: 'cross', timestamp: Date.now(),
    });
    expect(p.entryPrice).toBe(64093.6);
    expect(p.unrealizedPnl).toBe(-0.147);
    expect(String(p.notional)).toBe('19227.933');
  });
});
