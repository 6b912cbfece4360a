import { join } from 'node:path';
import { SystemClock, type Clock } from '../../src/core/clock.js';
import type { ManagedExchangeSession } from '../../src/exchange/session.js';
import { OrderJournal } from '../../src/orders/journal.js';
import { OrderManager } from '../../src/orders/manager.js';
import type { Order } from '../../src/orders/order.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import type { Arm, Scenario } from '../harness.js';
import { BENCH_ORDERS_CONFIG, ensure, fileSystemType, loadedSim, restingBuy, sessionOver, swapSymbols, tempDir } from '../support.js';

/** A stuck executor must fail the run, not hang it. */
const STALL_MS = 60_000;

/**
 * End to end through the order machinery: `pending_orders.push` (validated, journaled intent) →
 * the executor (attempt journaled, `createOrder` through the session and its budget) → the answer
 * applied and journaled → `open`. Baseline: the same number of `createOrder` calls straight on a
 * sim in a loop, what the exchange itself costs in process. A second subject keeps the journal in
 * memory, to split the disk's share from the bookkeeping's CPU. Every batch starts on a fresh
 * venue, session and journal so all arms face the same book size, and the batch size is the same
 * for all because the venue's margin check grows with its open orders.
 */
export const orderExecutorScenario: Scenario = {
  id: 'order-executor',
  title: 'Order executor end to end (push → open, WAL journal) vs raw sim.createOrder',
  op: 'one resting limit order placed',
  async prepare(mode) {
    const tmp = tempDir('executor');
    const clock = new SystemClock();
    const batchSize = mode.smoke ? 5 : 500;

    let raw: SimExchange | undefined;
    const baseline: Arm = {
      label: 'sim.createOrder loop',
      fixedOps: batchSize,
      async before() {
        await raw?.close();
        raw = await loadedSim(clock);
      },
      async run(n) {
        const sim = raw!;
        const symbol = swapSymbols(sim)[0]!;
        const { amount, price } = restingBuy(sim, symbol);
        for (let i = 0; i < n; i++) await sim.createOrder(symbol, 'limit', 'buy', amount, price, { clientOrderId: `raw-${i}` });
      },
      check(n) {
        const orders = raw!.getVenue().listOrders();
        ensure(orders.length === n && orders.every((o) => o.status === 'open'), `the sim holds ${orders.length} orders after ${n} createOrder calls`);
      },
    };

    let files = 0;
    const eventsPerOrder: number[] = [];
    const onDisk = new ManagerArm('queue.push → executor → open', clock, batchSize, () => join(tmp.dir, `journal-${files++}.db`), eventsPerOrder);
    const inMemory = new ManagerArm('same, journal :memory:', clock, batchSize, () => ':memory:', eventsPerOrder);

    return {
      baseline,
      subjects: [onDisk, inMemory],
      notes: () => [
        `${batchSize} orders per batch, each batch on a fresh venue; journal files on ${fileSystemType(tmp.dir)}; ` +
          `${Math.max(...eventsPerOrder)} journal commits per order (counted)`,
      ],
      async close() {
        await onDisk.teardown();
        await inMemory.teardown();
        await raw?.close();
        tmp.remove();
      },
    };
  },
};

interface Rig {
  sim: SimExchange;
  session: ManagedExchangeSession;
  journal: OrderJournal;
  manager: OrderManager;
  stop: AbortController;
  run: Promise<void>;
}

// An OrderManager with its executor running, rebuilt before every batch.
class ManagerArm implements Arm {
  readonly label: string;
  readonly fixedOps: number;
  readonly #clock: Clock;
  readonly #journalPath: () => string;
  readonly #eventsPerOrder: number[];
  #rig: Rig | undefined;
  #pushed: Order[] = [];

  constructor(label: string, clock: Clock, batchSize: number, journalPath: () => string, eventsPerOrder: number[]) {
    this.label = label;
    this.fixedOps = batchSize;
    this.#clock = clock;
    this.#journalPath = journalPath;
    this.#eventsPerOrder = eventsPerOrder;
  }

  async before(): Promise<void> {
    await this.teardown();
    const clock = this.#clock;
    const sim = await loadedSim(clock);
    const session = await sessionOver(sim, clock, true);
    const journal = OrderJournal.open({ path: this.#journalPath(), clock, name: 'bench' });
    const manager = new OrderManager({ session, journal, clock, config: BENCH_ORDERS_CONFIG });
    await manager.start();
    const stop = new AbortController();
    this.#rig = { sim, session, journal, manager, stop, run: manager.runExecutor(stop.signal) };
    this.#pushed = [];
  }

  async run(n: number): Promise<void> {
    const { sim, manager } = this.#rig!;
    const symbol = swapSymbols(sim)[0]!;
    const { amount, price } = restingBuy(sim, symbol);
    const opened = new Set<string>();
    let onOrder: (order: Order) => void = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    const allOpen = new Promise<void>((resolve, reject) => {
      onOrder = (order) => {
        if (order.status === 'open') opened.add(order.clientOrderId);
        else if (order.status !== 'pending') reject(new Error(`order ${order.clientOrderId} ended ${order.status}: ${order.reason}`));
        if (opened.size === n) resolve();
      };
      timer = setTimeout(() => reject(new Error(`only ${opened.size} of ${n} orders open after ${STALL_MS} ms`)), STALL_MS);
    });
    manager.on('order', onOrder);
    try {
      for (let i = 0; i < n; i++) this.#pushed.push(manager.queue.push({ symbol, side: 'buy', amount, price }));
      await allOpen;
    } finally {
      clearTimeout(timer);
      manager.off('order', onOrder);
    }
  }

  check(n: number): void {
    const { sim, manager, journal } = this.#rig!;
    const onVenue = sim.getVenue().listOrders();
    const ids = new Set(onVenue.map((o) => o.clientOrderId));
    // Exactly once: n intents, n exchange orders, the same n client ids, nothing twice.
    ensure(onVenue.length === n && ids.size === n, `${n} intents made ${onVenue.length} exchange orders (${ids.size} distinct)`);
    ensure(
      this.#pushed.length === n && this.#pushed.every((o) => ids.has(o.clientOrderId) && o.status === 'open'),
      'an intent has no open exchange order',
    );
    ensure(manager.stats().sent === n && manager.queue.size === 0, `executor sent ${manager.stats().sent} of ${n}`);
    ensure(journal.counts().open === n, `journal holds ${journal.counts().open ?? 0} open orders, not ${n}`);
    this.#eventsPerOrder.push(journal.commits / n);
  }

  /** Stops the executor and closes the manager, session and journal of the last batch. */
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
