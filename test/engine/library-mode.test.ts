import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotStartedError, StartupError } from '../../src/core/errors.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import type { Order } from '../../src/orders/order.js';
import { market } from '../support/order-rig.js';
import type { VirtualClock } from '../../src/core/clock.js';
import type { Updater } from '../../src/engine/updater.js';
import { collectUnhandledRejections } from '../support/unhandled.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

/** Starts the updater on virtual time while letting real I/O (the HTTP server binding) run. */
async function startWithIo(updater: Updater, clock: VirtualClock): Promise<void> {
  let settled = false;
  const started = updater.start().finally(() => (settled = true));
  started.catch(() => undefined);
  await advanceWithIo(clock, () => settled, 60_000, 50);
  await started;
}

const CONFIG = {
  exchange: { id: 'sim', seed: 7 },
  class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {} },
  tasks: { t_update_tickers: { freq: 5 } },
};

describe('library mode behaves like the CLI', () => {
  it('starts the status server of the config’s http: section, and stops it with the updater', async () => {
    const { updater, clock } = await virtualUpdater({ ...CONFIG, http: { port: 0 } });
    const urls: string[] = [];
    updater.on('listening', (url) => urls.push(url));
    expect(updater.statusUrl).toBeNull();
    await startWithIo(updater, clock);
    const url = updater.statusUrl;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls).toEqual([url]);
    const status = (await (await fetch(`${url}/status`)).json()) as { phase: string; tasks: Record<string, unknown> };
    expect(status.phase).toBe('running');
    expect(Object.keys(status.tasks)).toEqual(['t_update_tickers']);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await updater.stop();
    expect(updater.statusUrl).toBeNull();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('starts no server without http:, and the httpPort option overrides the config', async () => {
    const plain = await virtualUpdater(CONFIG);
    await startVirtual(plain.updater, plain.clock);
    expect(plain.updater.statusUrl).toBeNull();
    await plain.updater.stop();

    const overridden = await virtualUpdater({ ...CONFIG, http: { port: 1 } }, { httpPort: 0 });
    await startWithIo(overridden.updater, overridden.clock);
    expect(overridden.updater.statusUrl).toMatch(/:\d+$/);
    expect(overridden.updater.statusUrl).not.toMatch(/:1$/);
    await overridden.updater.stop();
  });

  it('a port in use fails the start with a StartupError naming the key to change', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { updater, clock } = await virtualUpdater({ ...CONFIG, http: { port } });
      const err = await startWithIo(updater, clock).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StartupError);
      expect((err as Error).message).toContain(`127.0.0.1:${port}`);
      expect((err as Error).message).toContain('http.port');
      expect((err as Error).message).toContain('in use');
      // The input must change: the CLI exits 2 with it, as for any input mistake.
      expect((err as StartupError).exitCode).toBe(2);
      expect(updater.phase).toBe('faulted');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it("a port in use, or a host not of this machine, is named at its line of the config file, as every other input mistake; an overriding httpPort is not the file's", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'misso-http-line-'));
    const file = join(dir, 'http.yaml');
    const failure = async (yaml: string, options: { httpPort?: number } = {}): Promise<StartupError> => {
      writeFileSync(file, yaml);
      const { updater, clock } = await virtualUpdater(null, { file, env: { MISSO_TEST_HTTP_LINE_TOKEN: 'a-token-of-24-characters' }, ...options });
      return startWithIo(updater, clock).then(
        () => {
          throw new Error('started');
        },
        (e: unknown) => e as StartupError,
      );
    };
    const tail = 'class_attributes: {watch_list: ["BTC/USD:USD"], last_price: {}}\ntasks: {t_update_tickers: {freq: 5}}\n';
    try {
      const busy = await failure(`http:\n  port: ${port}\n${tail}`);
      expect(busy.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:3: http\\.port: status server could not listen on 127\\.0\\.0\\.1:${port}: `));
      expect(busy.exitCode).toBe(2);
      const host = await failure(`http:\n  port: 0\n  host: 10.254.254.254\n  token: "\${MISSO_TEST_HTTP_LINE_TOKEN}"\n${tail}`);
      expect(host.message).toContain(`${file}:3:3: http.host: status server could not listen on 10.254.254.254:0`);
      const overridden = await failure(`http:\n  port: 1\n${tail}`, { httpPort: port });
      expect(overridden.message).toMatch(/^status server could not listen/);
    } finally {
      await new Promise((r) => blocker.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('updater.orders takes subscribers before start(), so the start’s reconciliation events reach them', async () => {
    // The foreign order's symbol has no price task here: let orders on it through.
    const withExecutor = { ...CONFIG, orders: { require_fresh_price: false }, tasks: { ...CONFIG.tasks, t_execute_orders: {} } };
    const { updater, clock } = await virtualUpdater(withExecutor, {
      exchangeFactory: async () => sim,
    });
    const sim = createSimExchange({ seed: 7 }, { clock });
    const { symbol, amount, restingBuy } = await market(sim);
    // Open on the account before the updater starts, unknown to its journal: adopted at start.
    const foreign = await sim.createOrder(symbol, 'limit', 'buy', amount, restingBuy, { clientOrderId: 'by-hand-1' });

    const adopted: Order[] = [];
    const changes: string[] = [];
    const removed: Order[] = [];
    const dropped = (order: Order): void => void removed.push(order);
    updater.orders.on('adopted', (order) => adopted.push(order));
    updater.orders.on('order', (order, change) => changes.push(`${order.clientOrderId}:${change.kind}`));
    updater.orders.on('adopted', dropped);
    updater.orders.off('adopted', dropped);
    // Only subscribing works before start(); reading the manager's state says when it can.
    expect(() => updater.orders.openOrders).toThrow(/available after start\(\)/);
    expect(() => updater.orders.openOrders).toThrow(NotStartedError);
    expect(() => updater.pendingOrders).toThrow(/pendingOrders is available after start\(\)/);
    expect(() => updater.pendingOrders).toThrow(NotStartedError);

    await startVirtual(updater, clock);
    expect(adopted.map((o) => [o.id, o.clientOrderId, o.adopted])).toEqual([[foreign.id, 'by-hand-1', true]]);
    expect(changes).toContain('by-hand-1:adopted');
    expect(removed).toEqual([]);
    // After start() the same object is the manager itself.
    expect(updater.orders.openOrders[symbol]?.map((o) => o.clientOrderId)).toEqual(['by-hand-1']);
    const before = changes.length;
    const mine = updater.pendingOrders.push({ symbol, side: 'buy', amount, price: restingBuy });
    await clock.advanceUntil(() => mine.status !== 'pending', 30_000, 50);
    expect([mine.status, mine.reason]).toEqual(['open', null]);
    expect(changes.slice(before)).toContain(`${mine.clientOrderId}:sending`);
    await updater.stop();
  });

  it('a listener on updater.orders that throws keeps neither the strategy\'s other listeners nor misso from the change', async () => {
    const withExecutor = { ...CONFIG, orders: { require_fresh_price: false }, tasks: { ...CONFIG.tasks, t_execute_orders: {}, t_update_open_orders: { freq: 5 } } };
    const { updater, clock } = await virtualUpdater(withExecutor);
    const heard: string[] = [];
    // Subscribed before start(), on the view that forwards the manager's events.
    updater.orders.on('order', () => {
      throw new Error('the first listener tripped');
    });
    updater.orders.on('order', (order, change) => heard.push(`${order.clientOrderId}:${change.kind}`));
    await startVirtual(updater, clock);
    const order = updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01 });
    await clock.advanceUntil(() => order.status === 'closed', 30_000, 50);
    expect(heard).toContain(`${order.clientOrderId}:sending`);
    expect(heard.filter((h) => h.startsWith(`${order.clientOrderId}:`)).length).toBeGreaterThanOrEqual(2);
    expect(updater.state.get<{ clientOrderId: string }[]>('closed_trades').map((t) => t.clientOrderId)).toContain(order.clientOrderId);
    await updater.stop();
  });

  it('an async listener on updater.orders that rejects is reported as a throw is, and ends nothing', async () => {
    const unhandled = collectUnhandledRejections();
    const withExecutor = { ...CONFIG, orders: { require_fresh_price: false }, tasks: { ...CONFIG.tasks, t_execute_orders: {}, t_update_open_orders: { freq: 5 } } };
    const { updater, clock, notifier } = await virtualUpdater(withExecutor);
    updater.orders.on('order', async () => {
      await Promise.resolve();
      throw new Error('the async listener tripped');
    });
    await startVirtual(updater, clock);
    const order = updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01 });
    await clock.advanceUntil(() => order.status === 'closed', 30_000, 50);
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    expect(notifier.texts().filter((t) => t.includes('the async listener tripped'))).toEqual([
      "a 'order' listener of the order manager threw: the async listener tripped (logged each time)",
    ]);
    await updater.stop();
  });

  it('several listeners on updater.orders that throw at one event are all named, notified once', async () => {
    const withExecutor = { ...CONFIG, orders: { require_fresh_price: false }, tasks: { ...CONFIG.tasks, t_execute_orders: {}, t_update_open_orders: { freq: 5 } } };
    const { updater, clock, notifier } = await virtualUpdater(withExecutor);
    updater.orders.on('order', () => {
      throw new Error('first tripped');
    });
    updater.orders.on('order', () => {
      throw new Error('second tripped');
    });
    await startVirtual(updater, clock);
    const order = updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01 });
    await clock.advanceUntil(() => order.status === 'closed', 30_000, 50);
    expect(notifier.texts().filter((t) => t.includes("a 'order' listener"))).toEqual([
      "a 'order' listener of the order manager threw: 2 listeners threw: first tripped; second tripped (logged each time)",
    ]);
    await updater.stop();
  });

  it("a strategy's 'change' listener that throws does not keep an order's change from the status events", async () => {
    const withExecutor = { ...CONFIG, orders: { require_fresh_price: false }, tasks: { ...CONFIG.tasks, t_execute_orders: {}, t_update_open_orders: { freq: 5 } } };
    const { updater, clock } = await virtualUpdater(withExecutor);
    const statuses: string[] = [];
    let attributes: string[] = [];
    updater.on('status', (event) => {
      if (event.type === 'order') statuses.push(`${event.clientOrderId}:${event.status}`);
      if (event.type === 'attribute') attributes.push(event.attribute);
    });
    await startVirtual(updater, clock);
    attributes = [];
    updater.on('change', (change) => {
      if (change.name === 'open_orders') throw new Error('the change listener tripped');
    });
    const order = updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01 });
    await clock.advanceUntil(() => order.status === 'closed', 30_000, 50);
    await clock.advance(1_000);
    expect(statuses).toContain(`${order.clientOrderId}:closed`);
    expect(attributes).toContain('open_orders');
    await updater.stop();
  });

  it("a listener on updater.state that throws fails no task and keeps no later listener from the write", async () => {
    const { updater, clock, notifier } = await virtualUpdater(CONFIG);
    const heard: string[] = [];
    let thrown = 0;
    updater.state.on('change', (change) => {
      if (change.name !== 'last_price') return;
      thrown++;
      throw new Error('the state listener tripped');
    });
    updater.state.on('change', (change) => heard.push(change.name));
    updater.on('change', (change) => heard.push(`updater:${change.name}`));
    await startVirtual(updater, clock);
    await clock.advance(20_000);
    expect(thrown).toBeGreaterThanOrEqual(3);
    expect(heard.filter((h) => h === 'last_price').length).toBe(thrown);
    expect(heard.filter((h) => h === 'updater:last_price').length).toBe(thrown);
    expect(updater.state.get<Record<string, number>>('last_price')['BTC/USD:USD']).toBeGreaterThan(0);
    const task = updater.taskStatuses().t_update_tickers!;
    expect([task.ok, task.failures]).toEqual([true, 0]);
    expect(task.runs).toBeGreaterThanOrEqual(3);
    expect(notifier.texts().filter((t) => t.includes('the state listener tripped'))).toEqual([
      "a 'change' listener of the state threw: the state listener tripped (logged each time)",
    ]);
    await updater.stop();
  });

  it("a strategy's 'status' listener that throws keeps neither the order manager's listeners nor its tasks from their work", async () => {
    const withExecutor = { ...CONFIG, orders: { require_fresh_price: false }, tasks: { ...CONFIG.tasks, t_execute_orders: {}, t_update_open_orders: { freq: 5 } } };
    const { updater, clock } = await virtualUpdater(withExecutor);
    const heard: string[] = [];
    updater.orders.on('order', () => {
      throw new Error('the order listener tripped');
    });
    updater.orders.on('order', (order, change) => heard.push(`${order.clientOrderId}:${change.kind}`));
    updater.on('status', () => {
      throw new Error('the status listener tripped');
    });
    await startVirtual(updater, clock);
    const order = updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01 });
    await clock.advanceUntil(() => order.status === 'closed', 30_000, 50);
    await clock.advance(1_000);
    expect(heard).toContain(`${order.clientOrderId}:sending`);
    expect(updater.state.get<{ clientOrderId: string }[]>('closed_trades').map((t) => t.clientOrderId)).toContain(order.clientOrderId);
    await updater.stop();
  });
});
