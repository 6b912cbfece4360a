import { SystemClock } from '../../src/core/clock.js';
import { RateBudget } from '../../src/exchange/budget.js';
import type { Arm, Scenario } from '../harness.js';
import { ensure, UNCONTENDED_CAPACITY } from '../support.js';

/**
 * The fast path of `RateBudget.acquire` when nobody waits: the priority check, pruning the
 * sliding log and recording the grant. The budget has no release (grants age out of the window),
 * so one acquire is the whole cost. Baseline: awaiting a bare async function, the least an
 * awaited step can cost, so the ratio is what the budget adds to each exchange call's await.
 */
export const rateBudgetScenario: Scenario = {
  id: 'rate-budget',
  title: 'Rate budget acquire, uncontended, vs a bare awaited async call',
  op: 'one awaited call',
  async prepare() {
    const clock = new SystemClock();
    let count = 0;
    const bare = async (): Promise<void> => {
      count++;
    };
    const baseline: Arm = {
      label: 'await bare async fn',
      async run(n) {
        for (let i = 0; i < n; i++) await bare();
      },
      before: async () => {
        count = 0;
      },
      check: (n) => ensure(count === n, `bare function ran ${count} times, not ${n}`),
    };

    const budgetArm = (label: string, budget: RateBudget): Arm => {
      let granted = 0;
      return {
        label,
        async run(n) {
          for (let i = 0; i < n; i++) await budget.acquire('market', 1);
        },
        async before() {
          granted = budget.stats().byPriority.market.granted;
        },
        check(n) {
          const s = budget.stats();
          ensure(s.byPriority.market.granted - granted === n, `budget granted ${s.byPriority.market.granted - granted} of ${n}`);
          ensure(s.byPriority.market.waitedMs === 0 && budget.waiting === 0, 'an uncontended budget queued a caller');
          ensure(s.maxObservedInWindow <= s.capacity, 'the budget granted more than its capacity');
        },
      };
    };
    const enabled = new RateBudget({ clock, capacity: UNCONTENDED_CAPACITY, windowMs: 1000 });
    const disabled = new RateBudget({ clock, capacity: UNCONTENDED_CAPACITY, windowMs: 1000, enabled: false });

    return {
      baseline,
      subjects: [budgetArm('budget.acquire (sliding log)', enabled), budgetArm('budget.acquire, disabled', disabled)],
      async close() {
        enabled.close();
        disabled.close();
      },
    };
  },
};
