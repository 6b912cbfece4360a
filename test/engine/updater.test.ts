import { afterEach, describe, expect, it } from 'vitest';
import { SimExchange } from '../../src/sim/sim-exchange.js';
import type { Updater } from '../../src/engine/updater.js';
import type { StatusEvent } from '../../src/http/types.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const WATCH = ['BTC/USD:USD', 'ETH/USD:USD', 'SOL/USD:USD'];

/** A small config in the seed's format: tickers, balance, orders, status, shutdown. */
function config(extra: Record<string, unknown> = {}, tasks: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    class_attributes: { watch_list: WATCH, last_price: {}, total_capital: 0, free_capital: 0, open_orders: {}, stop_updates: false },
    shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
    tasks: {
      t_update_tickers: { name: 'update_tickers', freq: 10 },
      t_update_balance: { name: 'update_balance', freq: 30 },
      t_execute_orders: { name: 'execute_orders', freq: 5 },
      t_get_open_orders: { name: 'get_open_orders', freq: 5 },
      t_update_open_orders: { name: 'update_open_orders', freq: 5 },
      t_shutdown: { name: 'shutdown_tasks' },
      ...tasks,
    },
    ...extra,
  };
}

function sim(updater: Updater): SimExchange {
  return (updater.session as unknown as { instance: SimExchange }).instance;
}

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

describe('Updater', () => {
  it('start() resolves after the init update and sets first_update', async () => {
    const { updater, clock } = await virtualUpdater(
      // The periodic REST pass's write is the subject (a stream's could come first).
      config({ exchange: { id: 'sim', stream: 'off' } }, {
        t_update_tickers: { name: 'update_tickers', freq: 10, max_age_secs: 3600 },
        t_init_update: {
          name: 'init',
          subtasks: {
            subtask_0: { type: 'async', modul: 'Misso.services.async_helper', method: 'get_last_prices_from_watch_list', input_args: ['self.aftx', 'self.watch_list'], target_attr: 'last_price' },
          },
        },
      }),
    );
    current = updater;
    const writes: string[] = [];
    updater.on('change', (c) => {
      if (c.name === 'last_price' || c.name === 'first_update') writes.push(`${c.name}:${c.source}`);
    });
    expect(updater.state.get('first_update')).toBe(false);
    await startVirtual(updater, clock);
    expect(updater.state.get('first_update')).toBe(true);
    expect(Object.keys(updater.state.get<Record<string, number>>('last_price')).sort()).toEqual([...WATCH].sort());
    // The init wrote the prices, then first_update was set, and only then did periodic tasks run.
    expect(writes.slice(0, 3)).toEqual(['last_price:init', 'first_update:engine', 'last_price:update_tickers']);
  });

  it('executes a queued order in the seed list form and tracks it to the end', async () => {
    const { updater, clock } = await virtualUpdater(config());
    current = updater;
    await startVirtual(updater, clock);
    await clock.advance(1000);
    const price = updater.state.get<Record<string, number>>('last_price')['BTC/USD:USD']!;
    const seen: string[] = [];
    updater.orders.on('order', (o) => seen.push(o.status));
    // Marketable: a buy above the price fills at once.
    const order = updater.pendingOrders.push([null, 0.01, Math.round(price * 1.01), 'buy', 'BTC/USD:USD']);
    expect(order.clientOrderId).toMatch(/^[A-Za-z0-9_-]{1,36}$/);
    await advanceWithIo(clock, () => order.status === 'closed', 30_000);
    expect(order.filled).toBeCloseTo(0.01, 10);
    const onExchange = await sim(updater).fetchOrder(order.id!);
    expect(onExchange.clientOrderId).toBe(order.clientOrderId);
    expect(onExchange.status).toBe('closed');
    expect(seen).toContain('closed');
  });

  it('a resting order shows in open_orders and is_open_orders', async () => {
    const { updater, clock } = await virtualUpdater(config());
    current = updater;
    await startVirtual(updater, clock);
    await clock.advance(1000);
    const price = updater.state.get<Record<string, number>>('last_price')['ETH/USD:USD']!;
    const order = updater.pendingOrders.push({ symbol: 'ETH/USD:USD', side: 'buy', amount: 0.1, price: Math.round(price * 0.8) });
    await advanceWithIo(clock, () => order.status === 'open', 30_000);
    await clock.advance(6000);
    const open = updater.state.get<Record<string, { clientOrderId: string }[]>>('open_orders');
    expect(open['ETH/USD:USD']!.map((o) => o.clientOrderId)).toContain(order.clientOrderId);
    const isOpen = updater.state.get<Record<string, { buys: { clientOrderId?: string; id?: string }[] }>>('is_open_orders');
    expect(isOpen['ETH/USD:USD']!.buys.length).toBe(1);
  });

  it('an order it cannot afford ends failed with the reason, and the strategy hears of it', async () => {
    const { updater, clock } = await virtualUpdater(config());
    current = updater;
    await startVirtual(updater, clock);
    await clock.advance(1000);
    const price = updater.state.get<Record<string, number>>('last_price')['BTC/USD:USD']!;
    const failed: string[] = [];
    updater.orders.on('failed', (o) => failed.push(o.reason ?? ''));
    // Twice what 10,000 USD at the market's leverage can carry, within the market's amount limits.
    const market = updater.exchange.market('BTC/USD:USD');
    const leverage = Number(market.limits.leverage?.max ?? 20);
    const amount = Number(updater.exchange.amountToPrecision('BTC/USD:USD', (2 * 10_000 * leverage) / price));
    expect(amount).toBeLessThanOrEqual(market.limits.amount?.max ?? Infinity);
    const order = updater.pendingOrders.push([null, amount, Math.round(price * 0.9), 'buy', 'BTC/USD:USD']);
    await advanceWithIo(clock, () => order.status === 'failed', 30_000);
    expect(order.reason).toMatch(/InsufficientFunds|insufficient/i);
    expect(failed).toHaveLength(1);
  });

  it('stop() ends every task promptly, is idempotent, and stop_updates does the same', async () => {
    const { updater, clock } = await virtualUpdater(config());
    await startVirtual(updater, clock);
    await clock.advance(5000);
    const started = clock.now();
    updater.state.set('stop_updates', true, 'strategy');
    await advanceWithIo(clock, () => updater.phase === 'stopped', 5000, 50);
    // Every loop ended within a second of (virtual) time: sleeps are aborted, not waited out.
    expect(clock.now() - started).toBeLessThanOrEqual(1000);
    for (const status of Object.values(updater.taskStatuses())) expect(status.state).toBe('stopped');
    const again = updater.stop();
    expect(again).toBe(updater.stop());
    await again;
  });

  it('marks a task down when what it feeds goes stale, notifies once, and once on recovery', async () => {
    // Failing REST passes are the subject: a healthy ticker stream would keep the prices fresh.
    const { updater, clock, notifier } = await virtualUpdater(config({ exchange: { id: 'sim', stream: 'off' } }));
    current = updater;
    await startVirtual(updater, clock);
    await clock.advance(15_000);
    // An unknown symbol makes every ticker pass fail with BadSymbol: not a network fault, so the
    // session is not rebuilt and the data simply ages.
    updater.state.set('watch_list', [...WATCH, 'NOPE/USD:USD'], 'test');
    await clock.advance(45_000);
    expect(updater.state.isStale('last_price')).toBe(true);
    expect(updater.taskStatuses()['update_tickers']!.staleAttributes).toEqual(['last_price']);
    expect(updater.state.get<Record<string, boolean>>('system_status')['update_tickers']).toBe(false);
    expect(updater.taskStatuses()['update_tickers']!.lastErrorKind).toBe('usage');
    await clock.advance(30_000);
    expect(notifier.texts().filter((t) => t.startsWith('last_price is stale'))).toHaveLength(1);
    updater.state.set('watch_list', WATCH, 'test');
    await advanceWithIo(clock, () => !updater.state.isStale('last_price'), 60_000, 1000);
    await clock.advance(2000);
    expect(notifier.texts().filter((t) => t.startsWith('last_price is fresh again'))).toHaveLength(1);
    expect(updater.state.get<Record<string, boolean>>('system_status')['update_tickers']).toBe(true);
  });

  it('refuses an order on a symbol without a fresh price', async () => {
    const { updater, clock } = await virtualUpdater(config());
    current = updater;
    await startVirtual(updater, clock);
    await clock.advance(1000);
    // ADA is not in the watch list, so no task keeps its price fresh.
    const order = updater.pendingOrders.push([null, 20, 0.3, 'buy', 'ADA/USD:USD']);
    const queuedAt = clock.now();
    await advanceWithIo(clock, () => order.status !== 'pending', 60_000);
    expect(order.status).toBe('rejected');
    // It first waited orders.fresh_price_wait_secs (by default twice the ticker task's freq).
    expect(order.reason).toMatch(/no fresh price for ADA\/USD:USD after waiting \d+s/);
    const waitedSecs = Number(/after waiting (\d+)s/.exec(order.reason ?? '')?.[1]);
    expect(clock.now() - queuedAt).toBeGreaterThanOrEqual(waitedSecs * 1000);
  });

  it('t_system_status reports the tasks that did not report in the window', async () => {
    const { updater, clock, notifier } = await virtualUpdater(
      config({}, { t_system_status: { name: 'status', freq: 60, message: 'capital {total_capital} on {watch_list} symbols' } }),
    );
    current = updater;
    let failing = false;
    updater.registerTask('flaky', async () => {
      if (failing) throw new Error('flaky is failing');
    }, { freqSecs: 10 });
    await startVirtual(updater, clock);
    await clock.advance(1000);
    expect(notifier.texts().find((t) => t.startsWith('capital'))).toMatch(/^capital \d+ on 3 symbols$/);
    await clock.advance(60_000);
    expect(notifier.texts().filter((t) => /modules down/.test(t))).toEqual([]);
    failing = true;
    await clock.advance(60_000);
    const down = notifier.texts().filter((t) => /modules down/.test(t));
    expect(down).toEqual(['1 modules down: flaky']);
    expect(updater.state.get('system_health')).toMatchObject({ down: ['flaky'] });
    // Every set of modules down is told under one stable key, and its recovery under the same key.
    // The set down is the condition: the notifier's dedupe drops the same set again, not another
    // set (review 26 of the diff, #6).
    expect(notifier.messages.find((m) => /modules down/.test(m.text))).toMatchObject({ key: 'status:modules-down', level: 'error', condition: 'down:flaky' });
    failing = false;
    await clock.advance(120_000);
    const back = notifier.messages.filter((m) => /modules up/.test(m.text));
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ key: 'status:modules-down', level: 'info', condition: 'up' });
    expect(back[0]!.text).toMatch(/^all \d+ modules up again$/);
  });

  it('t_system_status: a task with a longer period is not down for missing a window, unless it failed; the summary goes out every freq', async () => {
    const { updater, clock, notifier } = await virtualUpdater(
      // t_restart_exchange waits out its period before its first run: not down meanwhile either.
      config({}, { t_system_status: { name: 'status', freq: 60, message: 'capital {total_capital}' }, t_restart_exchange: { freq: 300 } }),
    );
    current = updater;
    let failing = false;
    updater.registerTask('slow', async () => {
      if (failing) throw new Error('slow is failing');
    }, { freqSecs: 300 });
    await startVirtual(updater, clock);
    await clock.advance(1000);
    // Five 60 s windows: 'slow' reports in one of them only, and is never called down.
    await clock.advance(300_000);
    expect(notifier.texts().filter((t) => /modules down/.test(t))).toEqual([]);
    expect(updater.state.get('system_health')).toMatchObject({ down: [] });
    // The same summary text each time, each under a key of its own: the notifier's repeat filter
    // (same key and level within its window) holds none back.
    const summaries = notifier.messages.filter((m) => m.text.startsWith('capital'));
    expect(summaries.length).toBeGreaterThanOrEqual(5);
    expect(new Set(summaries.map((m) => m.key)).size).toBe(summaries.length);
    failing = true;
    // Its next pass (300 s after the last) fails; the summary after it says so (a window's margin:
    // the pass and the summary fall within a second of each other).
    await clock.advance(360_000);
    expect(notifier.texts().filter((t) => /modules down/.test(t))).toContain('1 modules down: slow');
  });

  /** A task that would write `not_yet`, but its subtask always fails (a restricted list that is no list: 5 is not iterable). */
  const NEVER_WRITTEN = {
    kind: 't_update_template',
    freq: 600,
    subtasks: { s: { type: 'async', modul: 'Misso.services.async_helper', method: 'get_filtered_watch_list', input_args: ['self.aftx', null, 5], target_attr: 'not_yet' } },
  };

  it("t_system_status's summary marks an attribute the config names but state does not hold yet", async () => {
    const { updater, clock, notifier } = await virtualUpdater(
      config({}, {
        t_system_status: { name: 'status', freq: 60, message: 'capital {total_capital}, {not_yet}' },
        never_written: NEVER_WRITTEN,
      }),
    );
    current = updater;
    await startVirtual(updater, clock);
    await clock.advance(1000);
    expect(updater.taskStatuses()['never_written']?.ok).toBe(false);
    // The first summary waits for the data a task feeds it, 20 s at most; then it goes out with the gap marked.
    expect(notifier.texts().filter((t) => t.startsWith('capital'))).toEqual([]);
    await clock.advance(20_000);
    expect(notifier.texts().filter((t) => t.startsWith('capital'))).toEqual([expect.stringMatching(/^capital \d+, \{not_yet\?\}$/)]);
  });

  it("t_system_status's first summary goes out within the task's own timeout_secs, not timed out while it waits for data", async () => {
    const { updater, clock, notifier } = await virtualUpdater(
      config({}, {
        t_system_status: { name: 'status', freq: 60, timeout_secs: 5, message: 'capital {total_capital}, {not_yet}' },
        never_written: NEVER_WRITTEN,
      }),
    );
    current = updater;
    await startVirtual(updater, clock);
    await clock.advance(21_000);
    expect(updater.taskStatuses()['status']).toMatchObject({ ok: true, failures: 0 });
    expect(notifier.texts().filter((t) => t.startsWith('capital'))).toEqual([expect.stringMatching(/^capital \d+, \{not_yet\?\}$/)]);
  });

  it("t_system_status's first summary waits for the data its tasks feed it, not the configured initial values", async () => {
    const { updater, clock, notifier } = await virtualUpdater(
      config({}, {
        t_system_status: { name: 'status', freq: 60, message: 'capital {total_capital} of {free_capital} free' },
        t_update_balance: { freq: 30 },
      }),
    );
    current = updater;
    // No balance answer for the first 5 s: the status's first pass comes before one.
    const proto = SimExchange.prototype as unknown as { fetchBalance: (...args: unknown[]) => Promise<unknown> };
    const fetchBalance = proto.fetchBalance;
    const until = clock.now() + 5_000;
    proto.fetchBalance = async function (this: unknown, ...args: unknown[]) {
      if (clock.now() < until) await clock.sleep(until - clock.now());
      return fetchBalance.apply(this, args);
    };
    try {
      await startVirtual(updater, clock);
      expect(updater.state.meta('total_capital')?.updatedAt).toBeNull();
      expect(notifier.texts().filter((t) => t.startsWith('capital'))).toEqual([]);
      await clock.advance(10_000);
    } finally {
      proto.fetchBalance = fetchBalance;
    }
    const capital = updater.state.get<number>('total_capital');
    expect(capital).toBeGreaterThan(0);
    expect(notifier.texts().filter((t) => t.startsWith('capital'))).toEqual([`capital ${capital} of ${updater.state.get<number>('free_capital')} free`]);
  });

  it('rebuilds the exchange session when a task keeps failing with network errors', async () => {
    // REST faults are the subject: while streams are healthy, REST passes are skipped.
    const { updater, clock } = await virtualUpdater(config({ exchange: { id: 'sim', stream: 'off' } }));
    current = updater;
    await startVirtual(updater, clock);
    const first = sim(updater);
    first.setKnobs({ faults: [{ kind: 'exchange_not_available', probability: 1 }] });
    await advanceWithIo(clock, () => sim(updater) !== first && !updater.session.restarting, 120_000, 500);
    expect(updater.snapshotStatus().exchange.restarts).toBe(1);
    // The new session has no faults: tasks recover.
    const runs = updater.taskStatuses()['update_tickers']!.runs;
    await clock.advance(30_000);
    expect(updater.taskStatuses()['update_tickers']).toMatchObject({ ok: true });
    expect(updater.taskStatuses()['update_tickers']!.runs).toBeGreaterThan(runs);
  });

  it("a task's own bug (a TypeError outside any exchange call) is `usage`, and does not rebuild the session however often it fails", async () => {
    const { updater, clock } = await virtualUpdater(config({ exchange: { id: 'sim', stream: 'off' } }));
    current = updater;
    updater.registerTask(
      'buggy',
      async (rt) => {
        const wl = rt.state.get<string[] | null>('not_there') as string[];
        rt.state.set('mapped', wl.map((s) => s.length), rt.name);
      },
      { freqSecs: 1 },
    );
    await startVirtual(updater, clock);
    await clock.advance(180_000);
    const status = updater.taskStatuses()['buggy']!;
    expect(status.consecutiveFailures).toBeGreaterThanOrEqual(20);
    expect(status.lastErrorKind).toBe('usage');
    expect(status.lastErrorClass).toBe('TypeError');
    expect(status.lastError).toMatch(/Cannot read properties of (null|undefined)/);
    expect(updater.snapshotStatus().exchange.restarts).toBe(0);
  });

  it("a strategy cannot change the state it reads: last_price, the risk guards' price, stays as the exchange said, and system_status too (review 25-B F7)", async () => {
    const { updater, clock } = await virtualUpdater(config({ exchange: { id: 'sim', stream: 'off' } }));
    current = updater;
    await startVirtual(updater, clock);
    const lp = updater.state.get<Record<string, number>>('last_price');
    const price = lp['BTC/USD:USD']!;
    expect(price).toBeGreaterThan(1);
    expect(() => {
      // @ts-expect-error read-only
      lp['BTC/USD:USD'] = 1;
    }).toThrow(TypeError);
    expect(updater.state.get<Record<string, number>>('last_price')['BTC/USD:USD']).toBe(price);
    expect(() => Object.assign(updater.state.get('system_status') as object, { update_tickers: false })).toThrow(TypeError);
    expect(() => (updater.state.get('watch_list') as string[]).push('X')).toThrow(TypeError);
    // misso's own writes go on: prices refresh and the task statuses still move.
    await clock.advance(30_000);
    expect(updater.state.isKeyFresh('last_price', 'BTC/USD:USD')).toBe(true);
    expect(updater.state.get<Record<string, boolean | null>>('system_status')['update_tickers']).toBe(true);
    // The way to change a value: a new one, written with set.
    updater.state.set('my_levels', { BTC: [1, 2] }, 'strategy');
    expect(Object.isFrozen(updater.state.get('my_levels'))).toBe(true);
  });

  it('keeps the class of what a task threw, as README promises (review 25-B F12)', async () => {
    const { updater, clock } = await virtualUpdater(config({ exchange: { id: 'sim', stream: 'off' } }));
    current = updater;
    class MyErr extends Error {
      override name = 'MyErr';
    }
    class Unnamed extends Error {}
    const throws: Record<string, () => unknown> = {
      range: () => new RangeError('user task fails'),
      mine: () => new MyErr('custom'),
      unnamed: () => new Unnamed('no name of its own'),
      text: () => 'a bare string',
    };
    let recovered = false;
    for (const [name, make] of Object.entries(throws)) {
      updater.registerTask(name, async () => {
        if (!recovered) throw make();
      }, { freqSecs: 1 });
    }
    await startVirtual(updater, clock);
    await clock.advance(1500);
    const statuses = updater.taskStatuses();
    expect(Object.fromEntries(Object.keys(throws).map((n) => [n, [statuses[n]!.lastErrorClass, statuses[n]!.lastErrorKind, statuses[n]!.lastError]]))).toEqual({
      range: ['RangeError', 'unknown', 'user task fails'],
      mine: ['MyErr', 'unknown', 'custom'],
      unnamed: ['Unnamed', 'unknown', 'no name of its own'],
      text: ['string', 'unknown', 'a bare string'],
    });
    // The status API's view (/status, snapshotStatus) and its task events carry them too.
    const snapshot = updater.snapshotStatus();
    expect([snapshot.tasks['range']?.lastErrorClass, snapshot.tasks['range']?.lastErrorKind, snapshot.tasks['mine']?.lastErrorClass]).toEqual(['RangeError', 'unknown', 'MyErr']);
    const events: StatusEvent[] = [];
    const unsubscribe = updater.subscribe((e) => events.push(e));
    await clock.advance(1000);
    unsubscribe();
    const taskEvent = events.find((e): e is Extract<StatusEvent, { type: 'task' }> => e.type === 'task' && e.task === 'text' && e.status.ok === false);
    expect(taskEvent?.status).toMatchObject({ lastErrorClass: 'string', lastErrorKind: 'unknown', lastError: 'a bare string' });
    recovered = true;
    await clock.advance(30_000);
    for (const name of Object.keys(throws)) expect(updater.taskStatuses()[name]).toMatchObject({ ok: true, lastError: null, lastErrorKind: null, lastErrorClass: null });
  });

  it('runs user tasks registered from code under the same supervisor', async () => {
    const { updater, clock } = await virtualUpdater(config());
    current = updater;
    let calls = 0;
    updater.registerTask(
      'count',
      async (rt) => {
        calls += 1;
        rt.state.set('counted', calls, rt.name);
        if (calls === 2) throw new Error('second pass fails');
      },
      { freqSecs: 10 },
    );
    await startVirtual(updater, clock);
    await clock.advance(35_000);
    expect(updater.taskStatuses()['count']).toMatchObject({ failures: 1, ok: true });
    expect(updater.state.get('counted')).toBe(calls);
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(() => updater.registerTask('late', async () => undefined)).toThrow(/before start/);
  });
});
