import type { OHLCV } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import { mergeCandles, type CandleRow } from '../../src/tasks/update-candles.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const row = (t: number, c: number): CandleRow => [t, c, c + 1, c - 1, c, 1];

let current: Updater | null = null;
let server: SimServer | null = null;
afterEach(async () => {
  await current?.stop();
  await server?.close();
  current = null;
  server = null;
});

describe('mergeCandles', () => {
  it('replaces the forming candle, appends new ones and keeps the latest `limit`', () => {
    const have = [row(0, 1), row(60, 2), row(120, 3)];
    expect(mergeCandles(have, [row(120, 4), row(180, 5)], 3)).toEqual([row(60, 2), row(120, 4), row(180, 5)]);
    expect(mergeCandles(have, [], 2)).toEqual([row(60, 2), row(120, 3)]);
    expect(mergeCandles([], [row(60, 2), row(0, 1)], 5)).toEqual([row(0, 1), row(60, 2)]);
  });

  it('gives what a union by open time (fresh rows winning), sorted and cut to `limit`, gives, for any input', () => {
    // The stream's append (the forming candle again, the next one) and the general merge must
    // agree with the plain definition on every shape: overlapping, older, unsorted, duplicated.
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const reference = (have: CandleRow[], fresh: CandleRow[], limit: number): CandleRow[] => {
      const byTime = new Map<number, CandleRow>();
      for (const r of [...have, ...fresh]) byTime.set(r[0], r);
      return [...byTime.values()].sort((a, b) => a[0] - b[0]).slice(-limit);
    };
    let appended = 0;
    for (let k = 0; k < 2_000; k++) {
      const start = rand(20);
      const have = Array.from({ length: rand(12) }, (_, i) => row((start + i) * 60, 1));
      // Half of them where a stream's rows fall: at the forming candle or just after it.
      const from = rand(2) === 0 ? start + have.length - 1 + rand(3) : start + rand(16) - 2;
      const fresh = Array.from({ length: rand(5) }, (_, i) => row((from + i) * 60, 100 + k));
      if (rand(4) === 0) fresh.reverse();
      if (rand(6) === 0 && fresh.length > 0) fresh.push(row(fresh[0]![0], 999));
      const limit = 1 + rand(14);
      const before = have.map((r) => [...r]);
      const merged = mergeCandles(have, fresh, limit);
      expect(merged).toEqual(reference(have, fresh, limit));
      expect(have).toEqual(before);
      if (merged !== have && fresh.length > 0 && have.length > 0 && fresh[0]![0] >= have.at(-1)![0]) appended++;
    }
    // Both paths were exercised.
    expect(appended).toBeGreaterThan(200);
  });
});

describe('t_update_candles', () => {
  it('fills the window once, then fetches only what is new', async () => {
    const { updater, clock } = await virtualUpdater({
      // The REST pass is the subject: with the candle stream healthy, REST would only reconcile.
      exchange: { id: 'sim', stream: 'off' },
      class_attributes: { watch_list: ['BTC/USD:USD', 'ETH/USD:USD'], ohlcs: {} },
      tasks: { t_update_candles: { name: 'candles', freq: 60, timeframe: '1m', limit: 300 } },
    });
    current = updater;
    await startVirtual(updater, clock);
    await clock.advance(10);
    const sim = (updater.session as unknown as { instance: SimExchange }).instance;
    const first = updater.state.get<Record<string, CandleRow[]>>('ohlcs');
    expect(first['BTC/USD:USD']).toHaveLength(300);
    const callsBefore = sim.counters().calls['fetchOHLCV'] ?? 0;
    await clock.advance(180_000);
    const after = updater.state.get<Record<string, CandleRow[]>>('ohlcs')['BTC/USD:USD']!;
    expect(after).toHaveLength(300);
    // Three passes (at 60, 120 and 180 s), one call per symbol each.
    expect((sim.counters().calls['fetchOHLCV'] ?? 0) - callsBefore).toBe(6);
    // The window moved by three minutes and matches a fresh fetch exactly.
    const fresh = (await sim.fetchOHLCV('BTC/USD:USD', '1m', undefined, 300)).map((r) => r.map(Number));
    expect(after).toEqual(fresh);
  });

  it('refetches the candle before the last: one the stream left forming before a gap is completed', async () => {
    const { updater, clock } = await virtualUpdater({
      exchange: { id: 'sim', stream: 'off' },
      class_attributes: { watch_list: ['BTC/USD:USD'], ohlcs: {} },
      tasks: { t_update_candles: { name: 'candles', freq: 60, timeframe: '1m', limit: 50 } },
    });
    current = updater;
    await startVirtual(updater, clock);
    await clock.advance(10);
    // As after a stream's gap: the candle before the last was cut off forming (a wrong close),
    // and the stream's first row after the gap is the current candle.
    const window = updater.state.get<Record<string, CandleRow[]>>('ohlcs')['BTC/USD:USD']!;
    const cut = window.map((r) => r.slice() as CandleRow);
    cut.at(-2)![4] = cut.at(-2)![4] * 1.01;
    updater.state.merge('ohlcs', { 'BTC/USD:USD': cut }, 'ws');
    await clock.advance(60_000);
    const sim = (updater.session as unknown as { instance: SimExchange }).instance;
    const fresh = (await sim.fetchOHLCV('BTC/USD:USD', '1m', undefined, 50)).map((r) => r.map(Number));
    expect(updater.state.get<Record<string, CandleRow[]>>('ohlcs')['BTC/USD:USD']).toEqual(fresh);
  });
});

describe('t_update_candles after a gap', () => {
  /** The seed's candles (1m, 1000) of one symbol by REST, after the first pass. */
  const seedCandles = async (): Promise<Awaited<ReturnType<typeof virtualUpdater>>> => {
    const made = await virtualUpdater({
      exchange: { id: 'sim', stream: 'off' },
      class_attributes: { watch_list: ['BTC/USD:USD'], ohlcs: {} },
      tasks: { t_update_candles: { name: 'candles', freq: 60, timeframe: '1m', limit: 1000 } },
    });
    current = made.updater;
    await startVirtual(made.updater, made.clock);
    await made.clock.advance(10);
    return made;
  };

  /**
   * A 1000-candle 1m window as the exchange has it now: one row a minute, none missing, its closed
   * candles the exchange's, ending at the current candle (the pass may have run a candle before
   * `fresh` was read, so the forming one may differ).
   */
  const expectExchangeWindow = (window: readonly CandleRow[] | readonly (readonly [number, number, number, number, number, number])[], fresh: number[][]): void => {
    expect(window).toHaveLength(1000);
    for (let i = 1; i < window.length; i++) expect(window[i]![0] - window[i - 1]![0]).toBe(60_000);
    expect(window.at(-1)![0]).toBeGreaterThanOrEqual(fresh.at(-1)![0]! - 60_000);
    const byTime = new Map(fresh.map((r) => [r[0], r]));
    const closed = window.slice(0, -1).filter((r) => byTime.has(r[0]));
    expect(closed.length).toBeGreaterThanOrEqual(997);
    expect(closed).toEqual(closed.map((r) => byTime.get(r[0])));
  };

  /** Records the sim's fetchOHLCV calls; `answer` may change what it returns (a page cap, an empty answer). */
  const ohlcvCalls = (sim: SimExchange, answer?: (rows: OHLCV[], args: unknown[]) => OHLCV[]): unknown[][] => {
    const calls: unknown[][] = [];
    const fetch = sim.fetchOHLCV.bind(sim);
    sim.fetchOHLCV = async (...args: Parameters<SimExchange['fetchOHLCV']>) => {
      calls.push(args);
      const rows = await fetch(...args);
      return answer ? answer(rows, args) : rows;
    };
    return calls;
  };

  it('asks for the rows since the last it holds with an explicit limit (Binance weighs a request by it)', async () => {
    const { updater, clock } = await seedCandles();
    const sim = (updater.session as unknown as { instance: SimExchange }).instance;
    const calls = ohlcvCalls(sim);
    await clock.advance(60_000);
    expect(calls).toHaveLength(1);
    const [, , since, limit] = calls[0]!;
    expect(typeof since).toBe('number');
    // From the candle before the last held to the forming one, a minute later: a handful of rows.
    expect(limit).toBeGreaterThanOrEqual(3);
    expect(limit).toBeLessThanOrEqual(5);
  });

  it('fills a gap longer than the exchange\'s page to now, reading on while each answer ends short', async () => {
    const { updater, clock } = await seedCandles();
    // As after a night's outage: the window ends 600 minutes ago, and the exchange answers at most
    // 250 rows a read (ccxt caps Binance's at 1000; a `since` alone gets 500).
    const held = updater.state.get<Record<string, CandleRow[]>>('ohlcs')['BTC/USD:USD']!;
    updater.state.merge('ohlcs', { 'BTC/USD:USD': held.slice(0, -600) }, 'test');
    const sim = (updater.session as unknown as { instance: SimExchange }).instance;
    const latest = sim.fetchOHLCV.bind(sim);
    const calls = ohlcvCalls(sim, (rows) => rows.slice(0, 250));
    await clock.advance(60_000);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    const fresh = (await latest('BTC/USD:USD', '1m', undefined, 1000)).map((r) => r.map(Number));
    const now = updater.state.get<Record<string, CandleRow[]>>('ohlcs')['BTC/USD:USD']!;
    expect(now.at(-1)![0]).toBe(fresh.at(-1)![0]);
    expect(now).toEqual(fresh);
    expect(updater.taskStatuses()['candles']!.ok).toBe(true);
  });

  it('asks for the whole window, not the gap, after a gap wider than the window; an empty answer keeps what was held', async () => {
    const { updater, clock } = await seedCandles();
    const sim = (updater.session as unknown as { instance: SimExchange }).instance;
    // The window ends 1500 minutes ago: wider than the 1000 candles kept.
    const old = (await sim.fetchOHLCV('BTC/USD:USD', '1m', clock.now() - 2_500 * 60_000, 1000)).map((r) => r.map(Number) as CandleRow);
    updater.state.merge('ohlcs', { 'BTC/USD:USD': old }, 'test');
    let empty = true;
    const calls = ohlcvCalls(sim, (rows) => (empty ? [] : rows));
    await clock.advance(60_000);
    expect(calls[0]!.slice(2)).toEqual([undefined, 1000]);
    // An empty answer is broken, not "nothing": the pass fails and the candles held stay.
    expect(updater.state.get<Record<string, CandleRow[]>>('ohlcs')['BTC/USD:USD']).toEqual(old);
    expect(updater.taskStatuses()['candles']!.lastError).toMatch(/nothing returned since/);
    empty = false;
    await clock.advance(60_000);
    // Refilled by the pass after (its retry may have read the forming candle earlier than this check).
    const fresh = (await sim.fetchOHLCV('BTC/USD:USD', '1m', undefined, 1000)).map((r) => r.map(Number));
    const refilled = updater.state.get<Record<string, CandleRow[]>>('ohlcs')['BTC/USD:USD']!;
    expectExchangeWindow(refilled, fresh);
  });

  it('fills the whole window from older pages when the exchange answers fewer rows than the window (ccxt caps Binance at 1000)', async () => {
    const { updater, clock } = await seedCandles();
    const sim = (updater.session as unknown as { instance: SimExchange }).instance;
    const latest = sim.fetchOHLCV.bind(sim);
    const old = (await latest('BTC/USD:USD', '1m', clock.now() - 2_500 * 60_000, 1000)).map((r) => r.map(Number) as CandleRow);
    updater.state.merge('ohlcs', { 'BTC/USD:USD': old }, 'test');
    // Pages of 250 rows: the latest ones without a `since`, the first ones from it.
    const calls = ohlcvCalls(sim, (rows, args) => (args[2] === undefined ? rows.slice(-250) : rows.slice(0, 250)));
    await clock.advance(60_000);
    // The window asked whole (one read), then three older pages.
    expect(calls.map((c) => c[2] === undefined)).toEqual([true, false, false, false]);
    const fresh = (await latest('BTC/USD:USD', '1m', undefined, 1000)).map((r) => r.map(Number));
    const filled = updater.state.get<Record<string, CandleRow[]>>('ohlcs')['BTC/USD:USD']!;
    expectExchangeWindow(filled, fresh);
  });

  it('a gap within the window is filled from the last candle held, none missing', async () => {
    const { updater, clock } = await seedCandles();
    const held = updater.state.get<Record<string, CandleRow[]>>('ohlcs')['BTC/USD:USD']!;
    updater.state.merge('ohlcs', { 'BTC/USD:USD': held.slice(0, -300) }, 'test');
    const sim = (updater.session as unknown as { instance: SimExchange }).instance;
    const calls = ohlcvCalls(sim);
    await clock.advance(60_000);
    expect(calls[0]![2]).toBe(held.at(-302)![0]);
    const fresh = (await sim.fetchOHLCV('BTC/USD:USD', '1m', undefined, 1000)).map((r) => r.map(Number));
    expect(updater.state.get<Record<string, CandleRow[]>>('ohlcs')['BTC/USD:USD']).toEqual(fresh);
  });
});

describe('t_get_open_positions and t_update_open_orders_dict', () => {
  it('shows a position once an order filled, and the dict kind tracks our orders', async () => {
    const { updater, clock } = await virtualUpdater({
      class_attributes: { watch_list: ['ETH/USD:USD'], last_price: {}, positions: {} },
      shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
      tasks: {
        t_update_tickers: { freq: 5 },
        t_execute_orders: { freq: 5 },
        t_get_open_positions: { name: 'positions', freq: 5 },
        t_update_open_orders_dict: { name: 'orders_dict', freq: 5 },
      },
    });
    current = updater;
    await startVirtual(updater, clock);
    await clock.advance(100);
    expect(updater.state.get('positions')).toEqual({});
    const price = updater.state.get<Record<string, number>>('last_price')['ETH/USD:USD']!;
    const order = updater.pendingOrders.push({ symbol: 'ETH/USD:USD', side: 'buy', amount: 0.5, type: 'market' });
    await advanceWithIo(clock, () => order.status === 'closed', 20_000);
    await clock.advance(6000);
    const positions = updater.state.get<Record<string, { contracts: number; side: string; entryPrice: number }>>('positions');
    expect(positions['ETH/USD:USD']).toMatchObject({ contracts: 0.5, side: 'long' });
    expect(positions['ETH/USD:USD']!.entryPrice).toBeGreaterThan(price * 0.99);
    expect(updater.taskStatuses()['orders_dict']).toMatchObject({ ok: true });
    expect(updater.taskStatuses()['orders_dict']!.runs).toBeGreaterThan(0);
  });
});

describe('malformed answers (a 200 with an HTML page)', () => {
  it('leave capital and candles as they were and mark the tasks down', async () => {
    server = await startSimServer({ port: 0, seed: 5, clock: new SystemClock() });
    const updater = await Updater.fromConfig(
      {
        exchange: {
          id: 'binanceusdm',
          apiKey: '${K}',
          secret: '${S}',
          urls: { api: server.url },
          options: { fetchCurrencies: false },
          timeout_ms: 1000,
          // Malformed REST answers are the subject: streams would keep the values fresh instead.
          stream: 'off',
        },
        class_attributes: { watch_list: ['BTC/USD:USD'], ohlcs: {}, total_capital: 0 },
        tasks: { t_update_balance: { name: 'balance', freq: 1 }, t_update_candles: { name: 'candles', freq: 1, limit: 50 } },
      },
      { env: { K: 'misso-sim-key', S: 'misso-sim-secret' }, logger: silentLogger(), storagePath: ':memory:' },
    );
    current = updater;
    await updater.start();
    const until = async (p: () => boolean): Promise<void> => {
      for (let i = 0; i < 100 && !p(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(p()).toBe(true);
    };
    await until(() => updater.state.get<number>('total_capital') > 0 && Object.keys(updater.state.get<object>('ohlcs')).length === 1);
    const capital = updater.state.get<number>('total_capital');
    const candles = JSON.stringify(updater.state.get('ohlcs'));
    server.faults.set('html:1:path=account|balance|klines');
    await until(() => updater.taskStatuses()['balance']!.ok === false && updater.taskStatuses()['candles']!.ok === false);
    // Refused at the exchange boundary as ccxt's BadResponse, a retryable fault.
    expect(updater.taskStatuses()['balance']!.lastError).toMatch(/HTML page instead of JSON/);
    expect(updater.taskStatuses()['candles']!.lastError).toMatch(/HTML page instead of JSON/);
    expect(updater.taskStatuses()['balance']!.lastErrorKind).toBe('retryable');
    expect(updater.taskStatuses()['candles']!.lastErrorKind).toBe('retryable');
    expect(updater.state.get('total_capital')).toBe(capital);
    expect(JSON.stringify(updater.state.get('ohlcs'))).toBe(candles);
  });
});
