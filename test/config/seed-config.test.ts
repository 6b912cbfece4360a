import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { summarizeConfig } from '../../src/config/summary.js';
import { testContext } from './context.js';

const SEED = fileURLToPath(new URL('../../examples/seed-config.yaml', import.meta.url));

describe('the seed config (examples/seed-config.yaml)', () => {
  it('loads with None as null, numbers as numbers and booleans from True/False', async () => {
    const cfg = await loadConfigFile(SEED, testContext());
    const attrs = cfg.classAttributes;
    expect(attrs['interactor']).toBeNull();
    expect(attrs['wl_ranges']).toBeNull();
    expect(attrs['watch_list']).toBeNull();
    expect(attrs['activate_interactor']).toBe(true);
    expect(attrs['stop_updates']).toBe(false);
    expect(attrs['leverage']).toBe(20);
    expect(attrs['open_orders']).toEqual({});
    expect(attrs['wl_restricted']).toEqual(['BNB/USD:USD', 'USDT/USD:USD']);
    expect(attrs['watch_list_filter']).toEqual({
      'info.volumeUsd24h': { value: 2000000, type: 'greater_or_equal', value_type: 'float' },
    });
    expect(Object.keys(attrs)).toHaveLength(22);
    expect(cfg.sharedAttributes).toEqual({
      pending_orders: { modul: 'queue', function: 'Queue', args: [], pos: { file: SEED, line: 25, col: 3 } },
    });
  });

  it('keeps the tasks in file order with their kinds, names, periods and derived limits', async () => {
    const cfg = await loadConfigFile(SEED, testContext());
    expect(cfg.tasks.map((t) => [t.key, t.kind, t.name, t.freqSecs])).toEqual([
      ['t_init_update', 't_init_update', 'init_update', null],
      ['t_update_tickers', 't_update_tickers', 'update_tickers', 10],
      ['t_update_open_orders_dict', 't_update_open_orders_dict', 'update_open_orders', 30],
      ['t_update_balance', 't_update_balance', 'update_balance', 30],
      ['t_execute_orders', 't_execute_orders', 'execute_orders', 5],
      ['t_shutdown', 't_shutdown', 'shutdown_tasks', null],
      ['t_system_status', 't_system_status', 'check_update_task_status', 300],
      ['t_restart_exchange', 't_restart_exchange', 'restart_exchange', 300],
      ['t_update_template', 't_update_template', 'update_ohlcv', 60],
    ]);
    const [init, tickers, , , exec] = cfg.tasks;
    expect(init?.inputArgs).toBeNull();
    expect(init?.timeoutSecs).toBeNull();
    expect(tickers?.out).toBe('last_price');
    expect(tickers?.timeoutSecs).toBe(30);
    expect(tickers?.maxAgeSecs).toBe(30);
    expect(exec?.timeoutSecs).toBe(30);
    expect(cfg.tasks[8]?.timeoutSecs).toBe(120);
    expect(cfg.tasks[8]?.maxAgeSecs).toBe(180);
    expect(cfg.tasks.every((t) => Object.keys(t.options).length === 0)).toBe(true);
  });

  it('normalises the subtasks, literal args included', async () => {
    const cfg = await loadConfigFile(SEED, testContext());
    const init = cfg.tasks[0];
    expect(init?.subtasks.map((s) => [s.key, s.type, s.method, s.targetAttr])).toEqual([
      ['subtask_0', 'async', 'get_filtered_watch_list', 'watch_list'],
      ['subtask_1', 'async', 'get_current_ranges', 'wl_ranges'],
      ['subtask_2', 'standard', 'get_watch_list_from_wl_ranges', 'watch_list'],
      ['subtask_3', 'async', 'get_last_prices_from_watch_list', 'last_price'],
      ['subtask_4', 'async', 'get_total_balance', 'total_capital'],
      ['subtask_5', 'async', 'get_total_balance', 'free_capital'],
    ]);
    expect(init?.subtasks[0]?.inputArgs).toEqual(['self.aftx', 'self.watch_list_filter', 'self.wl_restricted']);
    expect(init?.subtasks[0]?.pos).toEqual({ file: SEED, line: 34, col: 7 });
    const ohlcv = cfg.tasks[8]?.subtasks[0];
    expect(ohlcv).toMatchObject({
      modul: 'Misso.services.async_helper',
      inputArgs: ['self.aftx', 'self.watch_list', '1m', 1000],
      targetAttr: 'ohlcs',
      targetSaveUpdate: false,
      returnValue: true,
    });
  });

  it('fills in the sections the seed has not: sim exchange and documented defaults', async () => {
    const cfg = await loadConfigFile(SEED, testContext());
    expect(cfg.file).toBe(SEED);
    expect(cfg.exchange).toEqual({
      id: 'sim',
      options: {},
      urls: null,
      apiKey: null,
      secret: null,
      password: null,
      credentials: {},
      sim: {},
      rateBudget: { capacity: null, windowMs: 1000, enabled: true },
      timeoutMs: 10000,
      stream: 'auto',
      marketDataThread: 'worker',
    });
    expect(cfg.logging).toEqual({ level: 'info', file: null, terminal: 'auto' });
    expect(cfg.storage).toEqual({ path: './misso.db', written: false });
    expect(cfg.orders).toEqual({ onStop: 'leave', unknownOrders: 'adopt', requireFreshPrice: true, freshPriceWaitSecs: null, recoveredPriceWaitSecs: 60, lostAfterNotFound: 5, recentlyClosedSecs: 30, visibilityWindowSecs: 65, maxResends: 5, submitConcurrency: 1 });
    expect(cfg.notify).toEqual({ telegram: null, webhook: null, dedupeSecs: 300, maxPerMinute: 20 });
    expect(cfg.http).toEqual({ port: null, host: '127.0.0.1', token: null, allowedHosts: [] });
  });

  it('is frozen all the way down', async () => {
    const cfg = await loadConfigFile(SEED, testContext());
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.tasks[0]?.subtasks[0]?.inputArgs)).toBe(true);
    expect(Object.isFrozen(cfg.classAttributes['watch_list_filter'])).toBe(true);
    expect(() => (cfg.tasks as unknown[]).push({})).toThrow(TypeError);
    expect(() => {
      (cfg.classAttributes['open_orders'] as Record<string, unknown>)['x'] = 1;
    }).toThrow(TypeError);
  });

  it('summarises every task and subtask for `misso check`', async () => {
    const ctx = testContext();
    const summary = summarizeConfig(await loadConfigFile(SEED, ctx), ctx);
    const text = summary.split('\n');
    expect(text[1]).toBe('exchange: sim (simulated)');
    expect(text[2]).toBe('attributes: 22 declared, shared: pending_orders');
    expect(text[3]).toBe('tasks (9):');
    expect(summary).toMatch(/^ {2}update_tickers +t_update_tickers +every 10s {2}→ last_price$/m);
    expect(summary).toMatch(/^ {2}init_update +t_init_update +once {2}6 subtasks$/m);
    expect(summary).toContain(
      'subtask_0: async    Misso.services.async_helper.get_ohlcv_data(self.aftx, self.watch_list, 1m, 1000) → ohlcs',
    );
    expect(summary).toContain('subtask_2: standard Misso.services.helper.get_watch_list_from_wl_ranges(self.wl_ranges, self.wl_restricted) → watch_list');
  });
});
