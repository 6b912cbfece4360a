import { join } from 'node:path';
import { SystemClock, type Clock } from '../../src/core/clock.js';
import type { ManagedExchangeSession } from '../../src/exchange/session.js';
import { OrderJournal } from '../../src/orders/journal.js';
import { OrderManager } from '../../src/orders/manager.js';
import type { Order } from '../../src/orders/order.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import type { Arm, Scenario } from '../harness.js';
import { BENCH_ORDERS_CONFIG, ensure, fileSystemType, loadedSim, restingBuy, sessionOver, swapSymbols, tempDir } from '../support.js';

type Action = 'cancel' | 'amend';

/**
 * Latency of one cancel or amend from the call to the exchange's acknowledgement, one at a time:
 * `orders.cancel(order)` / `orders.amend(order, {price})` (journaled action, request through the
 * session and its budget, answer applied and journaled) against the raw ccxt call on the same
 * in-process sim (`cancelOrder` / `editOrder`). Each batch starts from a fresh venue with `n`
 * resting orders placed untimed, so both arms act on the same book.
 */
function actionScenario(action: Action): Scenario {
  return {
    id: `order-${action}`,
    title: `orders.${action} (call → exchange ack, WAL journal) vs raw sim.${action === 'cancel' ? 'cancelOrder' : 'editOrder'}`,
    op: `one ${action} of a resting order`,
    async prepare(mode) {
      const tmp = tempDir(action);
      const clock = new SystemClock();
      const batchSize = mode.smoke ? 5 : 200;
      let files = 0;
      const raw = new RawArm(action, clock, batchSize);
      const commitsPerAction: number[] = [];
      const managed = new ManagedArm(`orders.${action}`, action, clock, batchSize, () => join(tmp.dir, `journal-${files++}.db`), commitsPerAction);
      const inMemory = new ManagedArm('same, journal :memory:', action, clock, batchSize, () => ':memory:', commitsPerAction);
      return {
        baseline: raw,
        subjects: [managed, inMemory],
        notes: () => [`${batchSize} ${action}s per batch, one at a time, each batch on a fresh venue; journal files on ${fileSystemType(tmp.dir)}; ` +
            `${Math.max(...commitsPerAction)} journal commits per ${action} (counted)`],
        async close() {
          await managed.teardown();
          await inMemory.teardown();
          await raw.teardown();
          tmp.remove();
        },
      };
    },
  };
}

/** The price an amend moves a resting buy to: one tick-rounded percent lower. */
function lower(sim: SimExchange, symbol: string, price: number): number {
  return Number(sim.priceToPrecision(symbol, price * 0.99));
}

class RawArm implements Arm {
  readonly label: string;
  readonly fixedOps: number;
  readonly #action: Action;
  readonly #clock: Clock;
  #sim: SimExchange | undefined;
  #ids: string[] = [];

  constructor(action: Action, clock: Clock, batchSize: number) {
    this.#action = action;
    this.label = action === 'cancel' ? 'sim.cancelOrder' : 'sim.editOrder';
    this.#clock = clock;
    this.fixedOps = batchSize;
  }

  async before(n: number): Promise<void> {
    await this.teardown();
    const sim = await loadedSim(this.#clock);
    const symbol = swapSymbols(sim)[0]!;
    const { amount, price } = restingBuy(sim, symbol);
    this.#ids = [];
    for (let i = 0; i < n; i++) this.#ids.push((await sim.createOrder(symbol, 'limit', 'buy', amount, price)).id!);
    this.#sim = sim;
  }

  async run(n: number): Promise<void> {
    const sim = this.#sim!;
    const symbol = swapSymbols(sim)[0]!;
    const { amount, price } = restingBuy(sim, symbol);
    const target = lower(sim, symbol, price);
    for (let i = 0; i < n; i++) {
      if (this.#action === 'cancel') await sim.cancelOrder(this.#ids[i]!, symbol);
      else await sim.editOrder(this.#ids[i]!, symbol, 'limit', 'buy', amount, target);
    }
  }

  check(n: number): void {
    const orders = this.#sim!.getVenue().listOrders();
    const done = this.#action === 'cancel' ? orders.filter((o) => o.status === 'canceled') : orders.filter((o) => o.status === 'open' && o.price !== undefined);
    ensure(done.length === n, `${done.length} of ${n} orders ${this.#action === 'cancel' ? 'canceled' : 'amended'}`);
  }

  async teardown(): Promise<void> {
    await this.#sim?.close();
    this.#sim = undefined;
  }
}

interface Rig {
  sim: SimExchange;
  session: ManagedExchangeSession;
  journal: OrderJournal;
  manager: OrderManager;
  stop: AbortController;
  run: Promise<void>;
  orders: Order[];
}

class ManagedArm implements Arm {
  readonly label: string;
  readonly fixedOps: number;
  readonly #action: Action;
  readonly #clock: Clock;
  readonly #journalPath: () => string;
  readonly #commitsPerAction: number[];
  #rig: Rig | undefined;
  #commitsBefore = 0;

  constructor(label: string, action: Action, clock: Clock, batchSize: number, journalPath: () => string, commitsPerAction: number[]) {
    this.#action = action;
    this.#commitsPerAction = commitsPerAction;
    this.label = label;
    this.#clock = clock;
    this.fixedOps = batchSize;
    this.#journalPath = journalPath;
  }

  async before(n: number): Promise<void> {
    await this.teardown();
    const clock = this.#clock;
    const sim = await loadedSim(clock);
    const session = await sessionOver(sim, clock, true);
    const journal = OrderJournal.open({ path: this.#journalPath(), clock, name: 'bench' });
    const manager = new OrderManager({ session, journal, clock, config: BENCH_ORDERS_CONFIG });
    await manager.start();
    const stop = new AbortController();
    const run = manager.runExecutor(stop.signal);
    const symbol = swapSymbols(sim)[0]!;
    const { amount, price } = restingBuy(sim, symbol);
    const orders = Array.from({ length: n }, () => manager.queue.push({ symbol, side: 'buy', amount, price }));
    await manager.settled();
    ensure(orders.every((o) => o.status === 'open'), 'the orders to act on did not all open');
    this.#rig = { sim, session, journal, manager, stop, run, orders };
    this.#commitsBefore = journal.commits;
  }

  async run(n: number): Promise<void> {
    const { manager, orders, sim } = this.#rig!;
    for (let i = 0; i < n; i++) {
      const o = orders[i]!;
      if (this.#action === 'cancel') {
        const r = await manager.cancel(o);
        ensure(r.outcome === 'canceled', `cancel of ${o.clientOrderId} ended ${r.outcome}`);
      } else {
        const r = await manager.amend(o, { price: lower(sim, o.symbol, o.price!) });
        ensure(r.amended && r.method === 'edit', `amend of ${o.clientOrderId}: ${r.reason ?? r.method}`);
      }
    }
  }

  check(n: number): void {
    const { sim, journal, orders } = this.#rig!;
    const byId = new Map(sim.getVenue().listOrders().map((o) => [o.clientOrderId, o]));
    const agree = orders.slice(0, n).filter((o) => {
      const t = byId.get(o.clientOrderId);
      return t !== undefined && t.status === o.status && t.price === o.price;
    });
    ensure(agree.length === n, `${agree.length} of ${n} orders agree with the exchange after the ${this.#action}s`);
    ensure(journal.actions.all().filter((a) => a.status === 'done').length === n, 'not every action is journaled done');
    this.#commitsPerAction.push((journal.commits - this.#commitsBefore) / n);
  }

  async teardown(): Promise<void> {
    const rig = this.#rig;
    if (!rig) return;
    this.#rig = undefined;
    rig.stop.abort();
    await rig.run;
    await rig.manager.stop({ onStop: 'leave' });
    await rig.session.close();
    rig.journal.close();
  }
}

/** `orders.cancel` latency against a raw `cancelOrder`. */
export const orderCancelScenario = actionScenario('cancel');
/** `orders.amend` (editOrder path) latency against a raw `editOrder`. */
export const orderAmendScenario = actionScenario('amend');
