import type { Exchange, Ticker } from 'ccxt';
import { SystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createExchange } from '../../src/exchange/factory.js';
import { DEFAULT_SIM_API_KEY, DEFAULT_SIM_SECRET, startSimServer } from '../../src/sim/http/binance-server.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import type { Arm, Scenario } from '../harness.js';
import { BENCH_SEED, ensure, loadedSim, simExchangeConfig } from '../support.js';

const TICKER_PATH = 'GET /fapi/v1/ticker/24hr';

/**
 * What the wire costs: an unmodified `ccxt.binanceusdm` asking `misso sim-server` over loopback
 * HTTP (request signing off: a public call; the server runs in this same process, so its CPU is
 * in the figure too) vs the in-process sim answering the same `fetchTicker` of the same market.
 * Neither goes through the session, so only the transport and the dialect differ.
 */
export const wireScenario: Scenario = {
  id: 'wire',
  title: 'ccxt.binanceusdm over loopback to sim-server vs in-process sim (fetchTicker)',
  op: 'one fetchTicker',
  async prepare() {
    const clock = new SystemClock();
    const server = await startSimServer({ port: 0, seed: BENCH_SEED, clock });
    let remote: Exchange | undefined;
    let local: SimExchange | undefined;
    try {
      remote = await createExchange(
        {
          ...simExchangeConfig({ capacity: null, windowMs: 1000, enabled: false }),
          id: 'binanceusdm',
          urls: { api: server.url },
          apiKey: DEFAULT_SIM_API_KEY,
          secret: DEFAULT_SIM_SECRET,
          options: { fetchCurrencies: false },
        },
        { clock, logger: silentLogger() },
      );
      await remote.loadMarkets();
      local = await loadedSim(clock);
    } catch (error: unknown) {
      await remote?.close();
      await server.close();
      throw error;
    }
    const localSymbol = 'BTC/USD:USD';
    const remoteSymbol = remote.symbols.find((s) => s.startsWith('BTC/') && s.includes(':'));
    ensure(local.symbols.includes(localSymbol) && remoteSymbol !== undefined, `BTC perpetual missing (remote symbols: ${remote.symbols.slice(0, 5).join(', ')}…)`);

    let last: Ticker | undefined;
    const checkTicker = (symbol: string): void => {
      ensure(last?.symbol === symbol && typeof last.last === 'number' && last.last > 0, `fetchTicker answered ${JSON.stringify(last)?.slice(0, 200)}`);
      last = undefined;
    };
    const client = remote;
    const sim = local;
    let served = 0;
    const remoteArm: Arm = {
      label: 'binanceusdm → HTTP → sim-server',
      maxOps: 5_000,
      async before() {
        served = server.counters.snapshot().requests[TICKER_PATH] ?? 0;
      },
      async run(n) {
        for (let i = 0; i < n; i++) last = await client.fetchTicker(remoteSymbol);
      },
      check(n) {
        checkTicker(remoteSymbol);
        const now = server.counters.snapshot().requests[TICKER_PATH] ?? 0;
        ensure(now - served === n, `the server saw ${now - served} ticker requests for ${n} calls`);
      },
    };

    return {
      baseline: {
        label: 'in-process sim.fetchTicker',
        async run(n) {
          for (let i = 0; i < n; i++) last = await sim.fetchTicker(localSymbol);
        },
        check: () => checkTicker(localSymbol),
      },
      subjects: [remoteArm],
      notes: () => [`server at ${server.url} in the same process; ${remoteSymbol} over the wire, ${localSymbol} in process`],
      async close() {
        await client.close();
        await sim.close();
        await server.close();
      },
    };
  },
};
