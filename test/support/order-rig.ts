import type { Exchange, Trade } from 'ccxt';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import { exchangeConfig } from '../../src/config/defaults.js';
import type { ExchangeConfig, OrdersConfig } from '../../src/config/types.js';
import { createExchangeSession, type ManagedExchangeSession } from '../../src/exchange/session.js';
import type { OrderTiming } from '../../src/orders/context.js';
import { OrderJournal } from '../../src/orders/journal.js';
import { OrderManager } from '../../src/orders/manager.js';
import type { Order } from '../../src/orders/order.js';
import type { OrderManagerEvents } from '../../src/orders/order-book.js';
import { type SimExchange } from '../../src/sim/sim-exchange.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';

/** The `orders:` defaults of the config schema. */
export const ORDERS_DEFAULTS: OrdersConfig = {
  onStop: 'leave',
  unknownOrders: 'adopt',
  requireFreshPrice: true,
  lostAfterNotFound: 5,
  recentlyClosedSecs: 30,
  visibilityWindowSecs: 65,
  submitConcurrency: 1,
};

/** Short windows so virtual time stays small; the visibility window still exceeds the sim's delay. */
export const FAST_TIMING: Partial<OrderTiming> = {
  visibilityWindowMs: 3_000,
  resolveBackoffMs: 200,
  resolveMaxBackoffMs: 1_000,
  lostPollIntervalMs: 5_000,
  stopResolveTimeoutMs: 10_000,
};

export function simConfig(): ExchangeConfig {
  return exchangeConfig({ rateBudget: { capacity: null, windowMs: 1000, enabled: false } });
}

export interface Rig {
  clock: VirtualClock;
  sim: SimExchange;
  session: ManagedExchangeSession;
  journal: OrderJournal;
  manager: OrderManager;
  notes: { text: string; level: string }[];
  events: { name: keyof OrderManagerEvents; clientOrderId: string }[];
}

/** A manager on a sim exchange through the real session, in virtual time. */
export async function rig(options: {
  knobs?: Record<string, unknown>;
  config?: Partial<OrdersConfig>;
  timing?: Partial<OrderTiming>;
  journalPath?: string;
  name?: string;
  clock?: VirtualClock;
  sim?: SimExchange;
  isPriceFresh?: (symbol: string) => boolean;
  /** The strategy's fresh last price (the manager's `lastPrice`). */
  lastPrice?: (symbol: string) => number | undefined;
  /** The manager's logger. @defaultValue a silent logger */
  logger?: Logger;
} = {}): Promise<Rig> {
  const clock = options.clock ?? new VirtualClock();
  const sim = options.sim ?? createSimExchange({ seed: 7 }, { clock });
  // Markets load before the realism knobs apply: their latency runs on the virtual clock.
  const session = await createExchangeSession({
    config: simConfig(),
    clock,
    logger: silentLogger(),
    factory: async () => sim as unknown as Exchange,
  });
  if (options.knobs) sim.setKnobs(options.knobs);
  const journal = OrderJournal.open({ path: options.journalPath ?? ':memory:', clock, name: options.name ?? 'test' });
  const notes: Rig['notes'] = [];
  const manager = new OrderManager({
    session,
    journal,
    clock,
    config: { ...ORDERS_DEFAULTS, ...(options.config ?? {}) },
    timing: { ...FAST_TIMING, ...(options.timing ?? {}) },
    notify: (text, level) => notes.push({ text, level }),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.isPriceFresh ? { isPriceFresh: options.isPriceFresh } : {}),
    ...(options.lastPrice ? { lastPrice: options.lastPrice } : {}),
  });
  const events: Rig['events'] = [];
  for (const name of ['filled', 'failed', 'adopted', 'lost'] as const) {
    manager.on(name as 'failed', (order: Order) => events.push({ name, clientOrderId: order.clientOrderId }));
  }
  return { clock, sim, session, journal, manager, notes, events };
}

/** A swap symbol with its last price and a resting (far from the market) buy price. */
export async function market(sim: SimExchange, index = 0): Promise<{ symbol: string; amount: number; restingBuy: number; last: number }> {
  await sim.loadMarkets();
  const symbols = Object.keys(sim.markets ?? {}).filter((s) => s.endsWith('/USD:USD')).sort();
  const symbol = symbols[index];
  if (!symbol) throw new Error('no sim market');
  const m = sim.market(symbol);
  const last = sim.getVenue().ticker(symbol).last;
  const restingBuy = Number(sim.priceToPrecision(symbol, last * 0.8));
  const minNotional = Number(m.limits.cost?.min ?? 5);
  const amount = Number(sim.amountToPrecision(symbol, Math.max(m.limits.amount?.min ?? 0, (minNotional * 2) / restingBuy)));
  return { symbol, amount, restingBuy, last };
}

/** Awaits `p` while moving virtual time (the sim's latency and the resolver sleep on it). */
export async function drive<T>(clock: VirtualClock, p: Promise<T>, stepMs = 50, maxMs = 120_000): Promise<T> {
  let done = false;
  const tracked = p.finally(() => (done = true));
  await clock.advanceUntil(() => done, maxMs, stepMs);
  return tracked;
}

/**
 * Starts the rig's manager, rests three small buys just under the touch, and lets the venue fill
 * them while nothing polls or syncs: the burst a user stream would deliver at once. Returns the
 * orders and the venue's trades of them, not yet applied.
 */
export async function unseenFills(r: Rig): Promise<{ symbol: string; buys: Order[]; trades: Trade[] }> {
  const { symbol, last } = await market(r.sim);
  await drive(r.clock, r.manager.start());
  void r.manager.runExecutor(new AbortController().signal);
  const amount = Number(r.sim.amountToPrecision(symbol, 100 / last));
  const buys = [0.9995, 0.9994, 0.9993].map((f) => r.manager.queue.push({ symbol, side: 'buy', amount, price: Number(r.sim.priceToPrecision(symbol, last * f)) }));
  await r.clock.advanceUntil(() => buys.every((o) => o.status !== 'pending'), 30_000, 50);
  const venueFilled = (o: Order): number => r.sim.getVenue().getOrder({ clientOrderId: o.clientOrderId }).filled;
  await r.clock.advanceUntil(() => buys.every((o) => venueFilled(o) > o.filled), 6 * 3_600_000, 10_000);
  const ids = new Set(buys.map((o) => o.id));
  const trades = (await drive(r.clock, r.sim.fetchMyTrades(symbol))).filter((t) => ids.has(t.order ?? null));
  return { symbol, buys, trades };
}

/**
 * Rigs made through `make` are stopped and their journals closed by `cleanup` (call it in
 * `afterEach`), so each test file does not repeat the bookkeeping.
 */
export function trackedRigs(): { make: (options?: Parameters<typeof rig>[0]) => Promise<Rig>; track: (r: Rig) => Rig; cleanup: () => Promise<void> } {
  const rigs: Rig[] = [];
  return {
    make: async (options = {}) => {
      const r = await rig(options);
      rigs.push(r);
      return r;
    },
    track: (r) => {
      rigs.push(r);
      return r;
    },
    cleanup: async () => {
      for (const r of rigs.splice(0)) {
        await drive(r.clock, r.manager.stop({ onStop: 'leave' }));
        r.journal.close();
      }
    },
  };
}

/**
 * A started rig with the executor running (until `executor` aborts) and a market to rest orders in, its venue editing
 * orders in place (`editOrder`) or not (amends then cancel and replace).
 */
export async function restingRig(
  make: () => Promise<Rig>,
  editOrder: boolean,
): Promise<{ r: Rig; symbol: string; amount: number; restingBuy: number; executor: AbortController }> {
  const r = await make();
  const m = await market(r.sim);
  await drive(r.clock, r.manager.start());
  const executor = new AbortController();
  void r.manager.runExecutor(executor.signal);
  r.sim.has['editOrder'] = editOrder;
  return { r, ...m, executor };
}

/** Queues a buy of `amount` at `price` and waits until it rests open on the venue. */
export async function placeOpen(r: Rig, symbol: string, amount: number, price: number): Promise<Order> {
  const order = r.manager.queue.push([null, amount, price, 'buy', symbol]);
  await r.clock.advanceUntil(() => order.status !== 'pending', 30_000, 50);
  if (order.status !== 'open') throw new Error(`the order did not rest: ${order.status} (${order.reason ?? ''})`);
  return order;
}
