import type { Ticker } from 'ccxt';
import { SystemClock } from '../../src/core/clock.js';
import type { ManagedExchangeSession } from '../../src/exchange/session.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import type { Arm, Scenario } from '../harness.js';
import { ensure, loadedSim, sessionOver, swapSymbols } from '../support.js';

/**
 * What every exchange call pays for going through the session: the Proxy lookup, the restart
 * gate, the call counters, the rate budget's sliding log and the error wrapper. Baseline: the
 * same `fetchTicker` on the sim instance itself. A second subject switches the budget off, to
 * split the proxy's share from the budget's.
 */
export const sessionProxyScenario: Scenario = {
  id: 'session-proxy',
  title: 'Session proxy + budget vs direct call (fetchTicker, in-process sim)',
  op: 'one fetchTicker',
  async prepare() {
    const clock = new SystemClock();
    const direct = await loadedSim(clock);
    const budgeted = await loadedSim(clock);
    const unbudgeted = await loadedSim(clock);
    const withBudget = await sessionOver(budgeted, clock, true);
    const withoutBudget = await sessionOver(unbudgeted, clock, false);
    const symbol = swapSymbols(direct)[0];
    ensure(symbol !== undefined, 'the sim lists no perpetual');

    let last: Ticker | undefined;
    const fetchLoop = (exchange: SimExchange | ManagedExchangeSession['exchange']) => async (n: number) => {
      for (let i = 0; i < n; i++) last = await exchange.fetchTicker(symbol);
    };
    const checkTicker = (): void => {
      ensure(last?.symbol === symbol && typeof last.last === 'number' && last.last > 0, `fetchTicker answered ${JSON.stringify(last)}`);
      last = undefined;
    };
    // The session must really have routed each call through its budget, and nobody may have waited.
    const sessionArm = (label: string, session: ManagedExchangeSession): Arm => {
      let calls = 0;
      let granted = 0;
      return {
        label,
        run: fetchLoop(session.exchange),
        async before() {
          const s = session.stats();
          calls = s.calls['fetchTicker'] ?? 0;
          granted = s.budget.byPriority.market.granted;
        },
        check(n) {
          checkTicker();
          const s = session.stats();
          ensure((s.calls['fetchTicker'] ?? 0) - calls === n, `session counted ${(s.calls['fetchTicker'] ?? 0) - calls} calls, made ${n}`);
          ensure(s.budget.byPriority.market.granted - granted === n, `budget granted ${s.budget.byPriority.market.granted - granted} of ${n}`);
          ensure(s.budget.byPriority.market.waitedMs === 0, 'an uncontended budget made a call wait');
        },
      };
    };

    return {
      baseline: { label: 'sim.fetchTicker (direct)', run: fetchLoop(direct), check: checkTicker },
      subjects: [sessionArm('session.exchange.fetchTicker', withBudget), sessionArm('same, budget disabled', withoutBudget)],
      async close() {
        await withBudget.close();
        await withoutBudget.close();
        await direct.close();
      },
    };
  },
};
