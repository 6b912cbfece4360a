/**
 * `npm run bench:streaming`: streaming against polling, measured in the same run.
 *
 *   tsx bench/streaming.ts [--secs 60] [--warmup 70] [--smoke]
 *
 * 1. Latency and REST weight at 40 and 500 markets: two sim-servers with the same seed, one
 *    Updater streaming (`stream: on`) and one polling (`stream: off`), both with the seed's
 *    periods (tickers 10 s, candles 60 s × 1000, balance/positions/open orders 30 s), side by
 *    side for `--secs`. Event → state latency of a price change (from the 10 s step at which the
 *    venue's price changes to the state write) and of a fill (from the venue's fill event to the
 *    order manager's `filled`); REST weight per minute from each session's rate budget. Both are
 *    measured after `--warmup` seconds (default 70: past every task's first pass and the first
 *    candle period), so the window is the steady state, not the start-up.
 * 2. Memory and CPU per minute of a streaming Updater at 40, 500 and 2000 markets (server and
 *    engine share the process, so the figures cover both).
 *
 * `--smoke` runs 8 s per arm and checks that every figure is finite; timing is not judged.
 */
import { parseArgs } from 'node:util';
import { SystemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { Updater } from '../src/engine/updater.js';
import type { ManagedExchangeSession } from '../src/exchange/session.js';
import { DEFAULT_SIM_API_KEY, DEFAULT_SIM_SECRET, startSimServer, type SimServer } from '../src/sim/http/binance-server.js';

const STEP_MS = 10_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface ArmResult {
  mode: 'stream' | 'poll';
  markets: number;
  watchList: number;
  priceMs: number[];
  fillMs: number[];
  weightPerMin: number;
  /** Weight per minute per ccxt method in the window. */
  byMethod: Record<string, number>;
}

function pct(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function seedLikeConfig(server: SimServer, stream: 'on' | 'off', watchList: string[]): Record<string, unknown> {
  return {
    exchange: {
      id: 'binanceusdm',
      apiKey: '${K}',
      secret: '${S}',
      urls: { api: server.url },
      options: { fetchCurrencies: false },
      stream,
      rate_budget: { capacity: 200 },
    },
    class_attributes: { watch_list: watchList, last_price: {}, ohlcs: {} },
    orders: { require_fresh_price: false },
    tasks: {
      t_update_tickers: { freq: 10 },
      t_update_candles: { freq: 60, timeframe: '1m', limit: 1000 },
      t_update_balance: { freq: 30 },
      t_get_open_positions: { freq: 30 },
      t_get_open_orders: { freq: 30 },
      t_update_open_orders: { freq: 30 },
      t_execute_orders: {},
    },
  };
}

async function runArm(mode: 'stream' | 'poll', markets: number, secs: number, warmupSecs: number): Promise<ArmResult> {
  const server = await startSimServer({ port: 0, seed: 77, markets, clock: new SystemClock() });
  const swaps = server.venue.listMarkets().filter((m) => m.type === 'swap');
  // The seed's filter: 24 h volume of at least 2 M USD.
  const watchList = swaps.filter((m) => m.volumeUsd24h >= 2_000_000).map((m) => m.symbol);
  const updater = await Updater.fromConfig(seedLikeConfig(server, mode === 'stream' ? 'on' : 'off', watchList), {
    env: { K: DEFAULT_SIM_API_KEY, S: DEFAULT_SIM_SECRET },
    clock: new SystemClock(),
    logger: silentLogger(),
    storagePath: ':memory:',
  });
  const priceMs: number[] = [];
  const fillMs: number[] = [];
  const fillEvents = new Map<string, number>();
  server.venue.feed.subscribe((events) => {
    for (const e of events) if (e.execution === 'TRADE') fillEvents.set(e.order.id, Date.now());
  });
  try {
    await updater.start();
    const session = updater.session as ManagedExchangeSession;
    const weight = (): number => Object.values(session.budget.stats().byPriority).reduce((n, p) => n + p.grantedWeight, 0);
    // The strategy: every 2 s, a buy just under the touch on four symbols; most fill at the
    // next price step, when the venue's matching reaches them. It runs through the warm-up too,
    // so the measured window starts in the steady state, not with a first burst of fills.
    let i = 0;
    let measuring = false;
    let stop = false;
    const strategy = (async () => {
      while (!stop) {
        for (let k = 0; k < 4; k++) {
          const symbol = watchList[(i * 4 + k) % watchList.length]!;
          const m = server.venue.market(symbol);
          const last = server.venue.ticker(symbol).last;
          const price = Number((Math.floor((last * 0.9998) / m.tickSize) * m.tickSize).toFixed(10));
          const amount = Math.max(m.minAmount, Math.ceil(8 / price / m.lotSize) * m.lotSize);
          updater.pendingOrders.push([`b${mode}${i}-${k}`, Number(amount.toFixed(10)), price, 'buy', symbol]);
        }
        i++;
        await sleep(2_000);
      }
    })();
    // Warm-up: first REST passes and the first candle period, streams subscribed.
    await sleep(warmupSecs * 1000);
    measuring = true;
    const startWeight = weight();
    const startByMethod = session.stats().weights;
    const startedAt = Date.now();
    const lastSeen = new Map<string, number>();
    updater.state.on('change', (change) => {
      if (!measuring || change.name !== 'last_price') return;
      const prices = change.value as Record<string, number>;
      const now = Date.now();
      for (const [symbol, price] of Object.entries(prices)) {
        if (lastSeen.get(symbol) === price) continue;
        if (lastSeen.has(symbol)) priceMs.push(now - Math.floor(now / STEP_MS) * STEP_MS);
        lastSeen.set(symbol, price);
      }
    });
    updater.orders.on('filled', (order) => {
      if (!measuring) return;
      const at = order.id === null ? undefined : fillEvents.get(order.id);
      if (at !== undefined) {
        fillMs.push(Date.now() - at);
        fillEvents.delete(order.id!);
      }
    });
    await sleep(secs * 1000);
    stop = true;
    await strategy;
    const minutes = (Date.now() - startedAt) / 60_000;
    const byMethod: Record<string, number> = {};
    for (const [method, w] of Object.entries(session.stats().weights)) {
      const d = w - (startByMethod[method] ?? 0);
      if (d > 0) byMethod[method] = d / minutes;
    }
    return { mode, markets, watchList: watchList.length, priceMs, fillMs, weightPerMin: (weight() - startWeight) / minutes, byMethod };
  } finally {
    await updater.stop();
    await server.close();
  }
}

async function resources(markets: number, secs: number): Promise<{ markets: number; rssMb: number; heapMb: number; cpuSecPerMin: number }> {
  const server = await startSimServer({ port: 0, seed: 78, markets, clock: new SystemClock() });
  const swaps = server.venue.listMarkets().filter((m) => m.type === 'swap');
  const watchList = swaps.filter((m) => m.volumeUsd24h >= 2_000_000).map((m) => m.symbol);
  const updater = await Updater.fromConfig(seedLikeConfig(server, 'on', watchList), {
    env: { K: DEFAULT_SIM_API_KEY, S: DEFAULT_SIM_SECRET },
    clock: new SystemClock(),
    logger: silentLogger(),
    storagePath: ':memory:',
  });
  try {
    await updater.start();
    await sleep(3_000);
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    await sleep(secs * 1000);
    const cpu = process.cpuUsage(cpu0);
    const minutes = (Date.now() - t0) / 60_000;
    const mem = process.memoryUsage();
    return { markets, rssMb: mem.rss / 2 ** 20, heapMb: mem.heapUsed / 2 ** 20, cpuSecPerMin: (cpu.user + cpu.system) / 1e6 / minutes };
  } finally {
    await updater.stop();
    await server.close();
  }
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { secs: { type: 'string' }, warmup: { type: 'string' }, smoke: { type: 'boolean', default: false }, markets: { type: 'string' }, resources: { type: 'boolean', default: true } }, allowNegative: true });
  const sizes = values.markets ? values.markets.split(',').map(Number) : [40, 500];
  const secs = values.smoke ? 8 : Number(values.secs ?? 60);
  const warmup = values.smoke ? 3 : Number(values.warmup ?? 70);
  const lines: string[] = [];
  lines.push(`Streaming vs polling, ${secs} s per arm measured after a ${warmup} s warm-up, seed periods (tickers 10 s, candles 60 s × 1000, account 30 s).`, '');
  lines.push('| markets | watch list | mode | price p50 ms | price p99 ms | fill p50 ms | fill p99 ms | fills | REST weight/min |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const ratios: string[] = [];
  const methods: string[] = [];
  for (const markets of sizes) {
    const [stream, poll] = await Promise.all([runArm('stream', markets, secs, warmup), runArm('poll', markets, secs, warmup)]);
    for (const r of [stream, poll]) {
      lines.push(`| ${r.markets} | ${r.watchList} | ${r.mode} | ${fmt(pct(r.priceMs, 50))} | ${fmt(pct(r.priceMs, 99))} | ${fmt(pct(r.fillMs, 50))} | ${fmt(pct(r.fillMs, 99))} | ${r.fillMs.length} | ${fmt(r.weightPerMin)} |`);
    }
    for (const r of [stream, poll]) {
      const parts = Object.entries(r.byMethod).sort((a, b) => b[1] - a[1]).map(([m, w]) => `${m} ${fmt(w, 1)}`);
      methods.push(`- ${r.markets} markets, ${r.mode}: ${parts.join(', ')}`);
    }
    ratios.push(
      `- ${markets} markets: streaming's REST weight is ${fmt((100 * stream.weightPerMin) / poll.weightPerMin, 1)} % of polling's; ` +
        `price p50 ${fmt(pct(poll.priceMs, 50) / pct(stream.priceMs, 50), 1)}× faster, fill p50 ${fmt(pct(poll.fillMs, 50) / pct(stream.fillMs, 50), 1)}× faster.`,
    );
    if (values.smoke && ![stream.weightPerMin, poll.weightPerMin].every(Number.isFinite)) throw new Error('non-finite weight');
  }
  lines.push('', ...ratios, '', 'REST weight per minute by method:', '', ...methods, '', '| markets (streaming) | RSS MB | heap MB | CPU s per minute |', '| --- | --- | --- | --- |');
  for (const markets of values.resources ? [40, 500, 2000] : []) {
    const r = await resources(markets, values.smoke ? 5 : Math.min(secs, 60));
    lines.push(`| ${r.markets} | ${fmt(r.rssMb)} | ${fmt(r.heapMb)} | ${fmt(r.cpuSecPerMin, 2)} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ccxt.pro schedules listenKey keep-alives 20 minutes ahead; they would hold the process open.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench:streaming failed: ${String(error)}\n`);
    process.exit(1);
  },
);
