import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import { FakeStatusSource } from '../support/fake-status-source.js';

interface Exposition {
  types: Map<string, string>;
  helps: Map<string, string>;
  /** `name{a="1",b="2"}` with labels sorted → value. */
  samples: Map<string, number>;
}

/** Parses the Prometheus text format strictly enough that a malformed line fails the test. */
function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      const [name, ...words] = line.slice(7).split(' ');
      helps.set(name ?? '', words.join(' '));
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (!name || !type) throw new Error(`bad TYPE line: ${line}`);
      types.set(name, type);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const [, name, rawLabels, rawValue] = m;
    const labels: string[] = [];
    if (rawLabels) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
      let lm: RegExpExecArray | null;
      let consumed = 0;
      while ((lm = re.exec(rawLabels))) {
        labels.push(`${lm[1]}="${lm[2]}"`);
        consumed = re.lastIndex;
      }
      if (consumed !== rawLabels.length) throw new Error(`bad labels: ${line}`);
    }
    // Prometheus parses values with Go's ParseFloat, which takes NaN in any case (prom-client writes `Nan`).
    const value = /^nan$/i.test(rawValue ?? '') ? Number.NaN : Number(rawValue);
    if (Number.isNaN(value) && !/^nan$/i.test(rawValue ?? '')) throw new Error(`bad value: ${line}`);
    samples.set(`${name}{${labels.sort().join(',')}}`, value);
  }
  return { types, helps, samples };
}

const servers: StatusServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(processMetrics = false) {
  const source = new FakeStatusSource();
  const server = await startStatusServer({ source, clock: new VirtualClock(), processMetrics });
  servers.push(server);
  const scrape = async (): Promise<Exposition> => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await res.text());
  };
  return { source, server, scrape };
}

function value(e: Exposition, key: string): number {
  const v = e.samples.get(key);
  if (v === undefined) throw new Error(`missing series ${key}`);
  return v;
}

describe('/metrics', () => {
  it('exports per-task health with the right types and values', async () => {
    const { scrape } = await setup();
    const e = await scrape();
    expect(e.types.get('misso_task_up')).toBe('gauge');
    expect(e.types.get('misso_task_runs_total')).toBe('counter');
    expect(e.types.get('misso_task_failures_total')).toBe('counter');
    expect(value(e, 'misso_up{}')).toBe(1);
    expect(value(e, 'misso_ready{}')).toBe(1);
    for (const task of ['update_tickers', 'update_balance', 'execute_orders', 'update_ohlcv']) {
      expect(value(e, `misso_task_up{task="${task}"}`)).toBe(1);
    }
    expect(value(e, 'misso_task_runs_total{task="update_tickers"}')).toBe(57);
    expect(value(e, 'misso_task_failures_total{task="update_balance"}')).toBe(1);
    expect(value(e, 'misso_task_failures_total{task="update_tickers"}')).toBe(0);
    expect(value(e, 'misso_task_last_duration_seconds{task="update_ohlcv"}')).toBe(1.8);
    expect(value(e, 'misso_task_interval_seconds{task="update_ohlcv"}')).toBe(60);
    // A task without a period (event-driven) has no interval series rather than a fake 0.
    expect(e.samples.has('misso_task_interval_seconds{task="execute_orders"}')).toBe(false);
    expect(value(e, 'misso_task_state{state="waiting",task="execute_orders"}')).toBe(1);
    expect(value(e, 'misso_task_state{state="sleeping",task="execute_orders"}')).toBe(0);
    expect(value(e, 'misso_task_last_success_timestamp_seconds{task="update_tickers"}')).toBe(1_699_999_998.5);
    expect(value(e, 'misso_phase{phase="running"}')).toBe(1);
    expect(value(e, 'misso_phase{phase="faulted"}')).toBe(0);
    expect(value(e, 'misso_readiness{flag="journal"}')).toBe(1);
  });

  it('exports attribute freshness, orders, budget, exchange and capital', async () => {
    const { scrape } = await setup();
    const e = await scrape();
    expect(value(e, 'misso_attribute_age_seconds{attribute="last_price"}')).toBe(0.8);
    expect(value(e, 'misso_attribute_max_age_seconds{attribute="last_price"}')).toBe(3);
    expect(value(e, 'misso_attribute_stale{attribute="last_price"}')).toBe(0);
    expect(value(e, 'misso_attribute_stale{attribute="total_capital"}')).toBe(1);
    expect(e.samples.has('misso_attribute_max_age_seconds{attribute="watch_list"}')).toBe(false);
    expect(value(e, 'misso_orders{status="pending"}')).toBe(2);
    expect(value(e, 'misso_orders{status="open"}')).toBe(5);
    expect(value(e, 'misso_orders{status="recently_closed"}')).toBe(1);
    expect(value(e, 'misso_orders{status="lost"}')).toBe(0);
    expect(value(e, 'misso_orders_submitted_total{}')).toBe(9);
    expect(value(e, 'misso_orders_failed_total{}')).toBe(1);
    expect(value(e, 'misso_exchange_restarts_total{}')).toBe(2);
    expect(value(e, 'misso_exchange_restarting{}')).toBe(0);
    expect(value(e, 'misso_exchange_in_flight{}')).toBe(1);
    expect(value(e, 'misso_budget_capacity{}')).toBe(1200);
    expect(value(e, 'misso_budget_window_seconds{}')).toBe(60);
    expect(value(e, 'misso_budget_used{}')).toBe(340);
    expect(value(e, 'misso_budget_waiting{priority="market"}')).toBe(3);
    expect(value(e, 'misso_budget_paused{}')).toBe(0);
    expect(value(e, 'misso_capital{kind="free"}')).toBe(8120.25);
    expect(value(e, 'misso_last_price{symbol="BTC/USD:USD"}')).toBe(43125.5);
  });

  it('exports a last price for every watched symbol, with their count', async () => {
    const { source, scrape } = await setup();
    source.snap.prices = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`S${i}/USD:USD`, 10 + i]));
    source.snap.pricesTotal = 9;
    const e = await scrape();
    for (let i = 0; i < 9; i++) expect(value(e, `misso_last_price{symbol="S${i}/USD:USD"}`)).toBe(10 + i);
    expect(value(e, 'misso_last_price_symbols{}')).toBe(9);
    expect(e.helps.get('misso_last_price')).toContain('up to 500');
  });

  it('follows changes: a down task, a pause, a restart in progress', async () => {
    const { source, scrape } = await setup();
    source.setTask('update_tickers', { ok: false, consecutiveFailures: 4, state: 'backoff' });
    source.snap.exchange.restarting = true;
    source.snap.exchange.budget.pausedUntil = source.snap.now + 5000;
    const e = await scrape();
    expect(value(e, 'misso_task_up{task="update_tickers"}')).toBe(0);
    expect(value(e, 'misso_task_consecutive_failures{task="update_tickers"}')).toBe(4);
    expect(value(e, 'misso_task_state{state="backoff",task="update_tickers"}')).toBe(1);
    expect(value(e, 'misso_ready{}')).toBe(0);
    expect(value(e, 'misso_exchange_restarting{}')).toBe(1);
    expect(value(e, 'misso_budget_paused{}')).toBe(1);
    expect(value(e, 'misso_budget_paused_until_timestamp_seconds{}')).toBe(1_700_000_005);
  });

  it('task_up says what its values mean: a task whose first run is not due yet is up, one not started is not', async () => {
    const { source, scrape } = await setup();
    // t_restart_exchange sleeps its period before its first run; a service (execute_orders)
    // never finishes a pass: both report ok with no runs.
    source.setTask('restart_exchange', { kind: 't_restart_exchange', ok: true, runs: 0, lastSuccessAt: null, lastDurationMs: null });
    source.setTask('update_fills', { ok: null, runs: 0, lastSuccessAt: null, lastDurationMs: null, state: 'waiting' });
    const e = await scrape();
    expect(value(e, 'misso_task_up{task="restart_exchange"}')).toBe(1);
    expect(value(e, 'misso_task_up{task="update_fills"}')).toBe(0);
    const help = e.helps.get('misso_task_up') ?? '';
    expect(help).not.toMatch(/has not run/);
    expect(help).toMatch(/first run is not due yet/);
    expect(help).toMatch(/not started/);
  });

  it("exports each stream's lag behind the exchange, and none for a stream without event times", async () => {
    const { source, scrape } = await setup();
    const stream = { up: true, phase: 'up' as const, lastMessageAgeMs: 200, messages: 40, reconnects: 0, stalls: 0, stallAfterMs: 10_000, lastError: null };
    source.snap.streams = [
      { ...stream, name: 'tickers', lagMs: 1_250, maxLagMs: 8_000 },
      { ...stream, name: 'candles', lagMs: null, maxLagMs: null },
    ];
    const e = await scrape();
    expect(e.types.get('misso_stream_lag_seconds')).toBe('gauge');
    expect(value(e, 'misso_stream_lag_seconds{stream="tickers"}')).toBe(1.25);
    expect(value(e, 'misso_stream_lag_max_seconds{stream="tickers"}')).toBe(8);
    expect(e.samples.has('misso_stream_lag_seconds{stream="candles"}')).toBe(false);
    expect(e.samples.has('misso_stream_lag_max_seconds{stream="candles"}')).toBe(false);
    expect(value(e, 'misso_stream_up{stream="candles"}')).toBe(1);
  });

  it('keeps counters monotonic across snapshots, including a reset of the source totals', async () => {
    const { source, scrape } = await setup();
    expect(value(await scrape(), 'misso_task_runs_total{task="update_tickers"}')).toBe(57);

    source.setTask('update_tickers', { runs: 60, failures: 2 });
    let e = await scrape();
    expect(value(e, 'misso_task_runs_total{task="update_tickers"}')).toBe(60);
    expect(value(e, 'misso_task_failures_total{task="update_tickers"}')).toBe(2);

    // Scraping twice without change must not count twice.
    e = await scrape();
    expect(value(e, 'misso_task_runs_total{task="update_tickers"}')).toBe(60);

    // The engine rebuilt the task and counts from zero again: the exported counter keeps rising.
    source.setTask('update_tickers', { runs: 3, failures: 0 });
    e = await scrape();
    expect(value(e, 'misso_task_runs_total{task="update_tickers"}')).toBe(63);
    expect(value(e, 'misso_task_failures_total{task="update_tickers"}')).toBe(2);

    source.setTask('update_tickers', { runs: 5 });
    source.snap.exchange.restarts = 3;
    source.snap.orders.submitted = 12;
    e = await scrape();
    expect(value(e, 'misso_task_runs_total{task="update_tickers"}')).toBe(65);
    expect(value(e, 'misso_exchange_restarts_total{}')).toBe(3);
    expect(value(e, 'misso_orders_submitted_total{}')).toBe(12);
  });

  it('drops gauges of a task that is gone but keeps its counters', async () => {
    const { source, scrape } = await setup();
    await scrape();
    delete source.snap.tasks.update_ohlcv;
    const e = await scrape();
    expect(e.samples.has('misso_task_up{task="update_ohlcv"}')).toBe(false);
    expect(value(e, 'misso_task_runs_total{task="update_ohlcv"}')).toBe(1);
  });

  it('still answers when the engine cannot give a snapshot, with misso_up 0', async () => {
    const { source, scrape } = await setup();
    await scrape();
    source.failWith = new Error('engine gone');
    const e = await scrape();
    expect(value(e, 'misso_up{}')).toBe(0);
    expect(value(e, 'misso_ready{}')).toBe(0);
  });

  it('uses its own registry: two servers do not share series, and process metrics are prefixed', async () => {
    const a = await setup(true);
    const b = await setup(true);
    a.source.setTask('update_tickers', { runs: 100 });
    const ea = await a.scrape();
    const eb = await b.scrape();
    expect(value(ea, 'misso_task_runs_total{task="update_tickers"}')).toBe(100);
    expect(value(eb, 'misso_task_runs_total{task="update_tickers"}')).toBe(57);
    expect(ea.types.get('misso_process_cpu_user_seconds_total')).toBe('counter');
  });
});
