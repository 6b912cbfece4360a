import type { Scenario } from '../harness.js';
import { candlesScenario } from './candles.js';
import { ccxtHeapScenario } from './ccxt-heap.js';
import { cliStartScenario } from './cli-start.js';
import { orderAmendScenario, orderCancelScenario } from './order-actions.js';
import { orderExecutorScenario } from './order-executor.js';
import { orderJournalScenario } from './order-journal.js';
import { rateBudgetScenario } from './rate-budget.js';
import { sessionProxyScenario } from './session-proxy.js';
import { wireScenario } from './wire.js';

/** Every scenario, in the order they run and print. */
export const SCENARIOS: readonly Scenario[] = [
  sessionProxyScenario,
  rateBudgetScenario,
  orderJournalScenario,
  orderExecutorScenario,
  orderCancelScenario,
  orderAmendScenario,
  candlesScenario,
  wireScenario,
  cliStartScenario,
  ccxtHeapScenario,
];
