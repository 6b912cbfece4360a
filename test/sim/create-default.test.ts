import { describe, expect, it } from 'vitest';
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
