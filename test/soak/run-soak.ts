import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import type { ManagedExchangeSession } from '../../src/exchange/session.js';
import type { RateBudgetStats } from '../../src/exchange/budget.js';
import type { ErrorKind } from '../../src/exchange/types.js';
import { startSimServer } from '../../src/sim/http/binance-server.js';
import type { Notifier, NotifyMessage } from '../../src/notify/index.js';
import { faultPhases, type FaultPhase, type PhaseBaseline, type SoakContext } from './fault-phases.js';
import {
  SOAK_API_KEY,
  SOAK_PERIODIC,
  SOAK_SECRET,
  SOAK_SERVICE,
  SOAK_WATCH_LIST,
  soakConfig,
} from './soak-config.js';
import { SoakRecorder, type Incident, type PassRecord, type WriteRecord } from './soak-recorder.js';

/** What one phase saw, from switching its fault on until every task was healthy again. */
export interface PhaseReport {
  name: string;
  spec: string;
  onAt: number;
  /** When the fault was switched off. */
  clearAt: number;
  /** When the faults had really stopped for the client: the later of `clearAt` and any pause or ban the exchange asked for. */
  quietAt: number;
  endAt: number;
  bitten: boolean;
  /** Session errors per kind while the phase ran (on and recovering). */
  errors: Partial<Record<ErrorKind, number>>;
  penalties: { rate_limit: number; ban: number };
  /** Per periodic task: its first success after `clearAt`, in ms after `quietAt`; null if none came. */
  recoveryMs: Record<string, number | null>;
  runsBefore: Record<string, number>;
  runsAfter: Record<string, number>;
  /** Per task at the end of the phase: healthy (`ok` and nothing stale) and not stopped. */
  healthyAtEnd: Record<string, boolean>;
  facts: Record<string, number>;
  /** Client order ids the strategy queued in this phase. */
  orders: string[];
  /** What the venue held at the start of the phase: the truth the engine's state must match. */
  truth: { total: number; positionSymbols: string[] };
  /** Our orders (client id → status/amount/price) at the start and end of the phase. */
  ordersBefore: Record<string, string>;
  ordersAfter: Record<string, string>;
}

/** Everything the soak observed, for the assertions. */
export interface SoakReport {
  warmUpMs: number;
  warmUpHealthy: boolean;
  phases: PhaseReport[];
  phaseDefs: FaultPhase[];
  passes: PassRecord[];
  incidents: Incident[];
  writes: WriteRecord[];
  budget: RateBudgetStats;
  /** createOrder requests the server received, and orders the strategy queued. */
  orderPosts: number;
  ordersQueued: number;
  /** For every order the strategy queued: how many orders the venue holds with that client id. */
  venueCopies: Record<string, number>;
  /** Final engine view of every order the strategy queued. */
  finalOrders: Record<string, { status: string; id: string | null; lost: boolean }>;
  notifications: NotifyMessage[];
  stopMs: number;
  totalMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(predicate: () => boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() >= until) return false;
    await sleep(stepMs);
  }
  return true;
}

class KeepingNotifier implements Notifier {
  readonly messages: NotifyMessage[] = [];
  notify(msg: NotifyMessage): void {
    this.messages.push(msg);
  }
  async close(): Promise<void> {}
}

/**
 * Runs the whole soak: a sim server on a free loopback port, the engine against it through the
 * real ccxt client, a warm-up with a position and resting orders, then every fault class in
 * turn, each switched off once it has bitten and followed by a wait for every task to recover.
 */
export async function runSoak(options: { seed?: number } = {}): Promise<SoakReport> {
  const started = Date.now();
  const server = await startSimServer({ host: '127.0.0.1', port: 0, seed: options.seed ?? 4, apiKey: SOAK_API_KEY, secret: SOAK_SECRET });
  const notifier = new KeepingNotifier();
  let updater: Updater | undefined;
  let recorder: SoakRecorder | undefined;
  try {
    updater = await Updater.fromConfig(soakConfig(server.url), {
      env: { SOAK_API_KEY, SOAK_SECRET },
      storagePath: ':memory:',
      logger: silentLogger(),
      notifier,
      // Backoff without jitter: always the longest wait, the worst case for recovery.
      random: () => 1,
    });
    recorder = new SoakRecorder(updater, { services: { [SOAK_SERVICE.name]: SOAK_SERVICE.freqSecs * 1000 } });
    recorder.start();
    await updater.start();
    // Closed orders leave the book after a while; keep the last word on each one.
    const lastSeen = new Map<string, { status: string; id: string | null; lost: boolean }>();
    updater.orders.on('order', (o) => lastSeen.set(o.clientOrderId, { status: o.status, id: o.id, lost: o.lost }));
    const ctx: SoakContext = { updater, session: updater.session as ManagedExchangeSession, server, recorder };

    const queued: string[] = [];
    const warmUpHealthy = await warmUp(ctx, queued);
    const warmUpMs = Date.now() - started;
    const phaseDefs = faultPhases();
    const phases: PhaseReport[] = [];
    for (const phase of phaseDefs) phases.push(await runPhase(ctx, phase, queued));

    recorder.stop();
    const orderPosts = server.counters.snapshot().requests['POST /fapi/v1/order'] ?? 0;
    const venueOrders = server.venue.listOrders();
    const venueCopies = Object.fromEntries(queued.map((id) => [id, venueOrders.filter((o) => o.clientOrderId === id).length]));
    const finalOrders = Object.fromEntries(queued.map((id) => [id, lastSeen.get(id) ?? { status: 'never seen', id: null, lost: false }]));
    const budget = ctx.session.budget.stats();
    const stopStarted = Date.now();
    await updater.stop();
    const stopMs = Date.now() - stopStarted;
    return {
      warmUpMs,
      warmUpHealthy,
      phases,
      phaseDefs,
      passes: recorder.passes,
      incidents: recorder.incidents,
      writes: recorder.writes,
      budget,
      orderPosts,
      ordersQueued: queued.length,
      venueCopies,
      finalOrders,
      notifications: notifier.messages,
      stopMs,
      totalMs: Date.now() - started,
    };
  } finally {
    recorder?.stop();
    await updater?.stop();
    await server.close();
  }
}

/** Every task healthy, then a position (for the junk checks) and two resting orders to track. */
async function warmUp(ctx: SoakContext, queued: string[]): Promise<boolean> {
  const { updater } = ctx;
  const healthy = await waitFor(() => allHealthy(updater), 10_000);
  queued.push(updater.pendingOrders.push({ symbol: 'ETH/USD:USD', side: 'buy', amount: 0.05, type: 'market' }).clientOrderId);
  for (const symbol of ['BTC/USD:USD', 'ETH/USD:USD']) queued.push(updater.pendingOrders.push(restingBuy(updater, symbol)).clientOrderId);
  const placed = await waitFor(
    () =>
      updater.orders.orders.length === queued.length &&
      updater.orders.orders.every((o) => o.status === 'open' || o.status === 'closed') &&
      'ETH/USD:USD' in updater.state.get<Record<string, unknown>>('positions') &&
      Object.keys(updater.state.get<Record<string, unknown>>('is_open_orders')).length === 2,
    10_000,
  );
  return healthy && placed;
}

async function runPhase(ctx: SoakContext, phase: FaultPhase, queued: string[]): Promise<PhaseReport> {
  const { updater, session, server, recorder } = ctx;
  const tasks = Object.keys(SOAK_PERIODIC);
  const truth = { total: server.venue.balance().total, positionSymbols: server.venue.positions().map((p) => p.symbol) };
  const ordersBefore = orderStates(updater);
  const runsBefore = runsOf(updater, tasks);
  const base: PhaseBaseline = {
    at: Date.now(),
    errors: session.stats().errors,
    penalties: session.budget.stats().penalties,
    faults: server.counters.snapshot().faults,
  };
  recorder.phase = phase.name;
  recorder.captureWrites(phase.captureWrites);
  server.faults.set(phase.spec);
  const orders: string[] = [];
  for (let i = 0; i < phase.orders; i++) {
    const order = updater.pendingOrders.push(restingBuy(updater, SOAK_WATCH_LIST[i % 2] ?? 'BTC/USD:USD'));
    orders.push(order.clientOrderId);
  }
  queued.push(...orders);

  const bitten = await waitFor(() => phase.bitten(ctx, base), phase.maxOnMs, 25);
  server.faults.clear();
  const clearAt = Date.now();
  recorder.captureWrites([]);
  recorder.phase = `${phase.name}: recovering`;

  // Longest possible recovery: the exchange's pause, 2 × freq, plus the staleness check period.
  const budgetNow = session.budget.stats();
  const pauseEnd = Math.max(clearAt, budgetNow.pausedUntil, budgetNow.bannedUntil);
  const longest = pauseEnd - clearAt + 2 * Math.max(...Object.values(SOAK_PERIODIC)) * 1000 + 1500;
  await waitFor(
    () =>
      tasks.every((t) => recorder.firstSuccess(t, clearAt) !== undefined) &&
      allHealthy(updater) &&
      orders.every((id) => settledOrder(updater, id)),
    longest,
  );
  const budget = session.budget.stats();
  const quietAt = Math.max(clearAt, budget.pausedUntil, budget.bannedUntil);
  const errorsNow = session.stats().errors;
  const errors: Partial<Record<ErrorKind, number>> = {};
  for (const [k, v] of Object.entries(errorsNow) as [ErrorKind, number][]) {
    const d = v - base.errors[k];
    if (d > 0) errors[k] = d;
  }
  const statuses = updater.taskStatuses();
  return {
    name: phase.name,
    spec: phase.spec,
    onAt: base.at,
    clearAt,
    quietAt,
    endAt: Date.now(),
    bitten,
    errors,
    penalties: {
      rate_limit: budget.penalties.rate_limit - base.penalties.rate_limit,
      ban: budget.penalties.ban - base.penalties.ban,
    },
    recoveryMs: Object.fromEntries(
      tasks.map((t) => {
        const first = recorder.firstSuccess(t, clearAt);
        return [t, first ? first.at - quietAt : null];
      }),
    ),
    runsBefore,
    runsAfter: runsOf(updater, tasks),
    healthyAtEnd: Object.fromEntries(
      Object.entries(statuses).map(([t, s]) => [t, s.ok === true && s.staleAttributes.length === 0 && s.state !== 'stopped']),
    ),
    facts: { ...phase.facts },
    orders,
    truth,
    ordersBefore,
    ordersAfter: orderStates(updater),
  };
}

function allHealthy(updater: Updater): boolean {
  return Object.values(updater.taskStatuses()).every((s) => s.ok === true && s.staleAttributes.length === 0);
}

/** An order from a phase is settled once the engine knows it as open and the open-orders list shows it. */
function settledOrder(updater: Updater, clientOrderId: string): boolean {
  const order = updater.orders.orders.find((o) => o.clientOrderId === clientOrderId);
  if (!order || order.status !== 'open' || order.id === null) return false;
  const listed = updater.state.get<Record<string, { buys: { clientOrderId: string }[] }>>('is_open_orders')[order.symbol];
  return listed?.buys.some((o) => o.clientOrderId === clientOrderId) ?? false;
}

function runsOf(updater: Updater, tasks: readonly string[]): Record<string, number> {
  const statuses = updater.taskStatuses();
  return Object.fromEntries(tasks.map((t) => [t, statuses[t]?.runs ?? 0]));
}

function orderStates(updater: Updater): Record<string, string> {
  return Object.fromEntries(updater.orders.orders.map((o) => [o.clientOrderId, `${o.status}/${o.amount}/${o.price ?? '-'}`]));
}

/** A limit buy 10 % under the last price, worth about 100 USD: it rests for the whole soak. */
function restingBuy(updater: Updater, symbol: string): { symbol: string; side: 'buy'; amount: number; price: number } {
  const last = updater.state.get<Record<string, number>>('last_price')[symbol];
  if (last === undefined) throw new Error(`no last price for ${symbol}`);
  const price = Number(updater.exchange.priceToPrecision(symbol, last * 0.9));
  const amount = Number(updater.exchange.amountToPrecision(symbol, 100 / price));
  return { symbol, side: 'buy', amount, price };
}
