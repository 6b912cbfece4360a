import { describe, expect, it } from 'vitest';
import { SystemClock, VirtualClock } from '../../src/core/clock.js';
import { startSimServer } from '../../src/sim/http/binance-server.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { buildMarkets, defaultUniverse, universeOf } from '../../src/sim/universe.js';
import { simClient } from '../sim-server/fixtures/sim-client.js';

describe('universe size (markets: N, --markets N)', () => {
  it('40 is the default universe, unchanged', () => {
    expect(universeOf(40, 7)).toEqual(defaultUniverse());
  });

  it('2000 perpetuals with prices over nine decades and volumes from 1e9 down to 1e4', () => {
    const specs = universeOf(2000, 7);
    const markets = buildMarkets(7, specs).filter((m) => m.type === 'swap');
    expect(markets).toHaveLength(2000);
    expect(new Set(markets.map((m) => m.symbol)).size).toBe(2000);
    const prices = specs.filter((s) => s.type === 'swap').map((s) => Math.log10(s.referencePrice));
    expect(Math.max(...prices) - Math.min(...prices)).toBeGreaterThan(8);
    const volumes = markets.map((m) => Math.log10(m.volumeUsd24h));
    expect(Math.max(...volumes)).toBeGreaterThan(8.9);
    expect(Math.min(...volumes)).toBeLessThan(4.1);
    // Every market trades on its own grid.
    for (const m of markets) expect(m.tickSize).toBeLessThan(m.maxPrice);
  });

  it('refuses sizes outside 1..5000', () => {
    expect(() => universeOf(0, 7)).toThrow(/1 to 5000/);
    expect(() => createSimExchange({ markets: 6000 }, { clock: new VirtualClock() })).toThrow(/markets/);
  });

  it('the in-process sim and the sim-server list N perpetuals', async () => {
    const sim = createSimExchange({ markets: 500 }, { clock: new VirtualClock() });
    const simMarkets = await sim.loadMarkets();
    expect(Object.values(simMarkets).filter((m) => m?.swap)).toHaveLength(500);
    const server = await startSimServer({ port: 0, seed: 3, markets: 2000, clock: new SystemClock() });
    try {
      const ex = simClient(server.url);
      const markets = await ex.loadMarkets();
      expect(Object.values(markets).filter((m) => m?.swap)).toHaveLength(2000);
      const tickers = await ex.fetchTickers();
      expect(Object.keys(tickers)).toHaveLength(2000);
    } finally {
      await server.close();
    }
  });
});
