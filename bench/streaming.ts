/**
 * `npm run bench:streaming`: streaming against polling, measured in the same run.
 *
 *   tsx bench/streaming.ts [--secs 600] [--warmup 70] [--markets 40,500] [--no-resources] [--no-alone]
 *                          [--no-side-by-side] [--slow MS] [--profile DIR] [--trace DIR]
 *                          [--engine-flags="…"] [--server-flags="…"] [--order-offset MS] [--engine-nice=N] [--pinned] [--smoke]
 *
 * Every sim-server and every engine is its own process (bench/streaming-child.ts), as in use:
 * the exchange's work never runs on misso's event loop, and neither arm's on the other's.
 *
 * 1. Latency and REST weight at 40 and 500 markets: two sim-servers with the same seed, one
 *    Updater streaming (`stream: on`) and one polling (`stream: off`), both with the seed's
 *    periods (tickers 10 s, candles 60 s × 1000, balance/positions/open orders 30 s), side by
 *    side for `--secs` (default 600: one whole cycle of every task's default reconcile period,
 *    so the weight is the steady state's average, not the luck of which passes fell in the
 *    window). Event → state latency of a price change (from the 10 s step at which the venue's
 *    price changes to the state write) and of a fill (from the venue's fill event in the server
 *    process to the order manager's `filled` in the engine process); REST weight per minute from
 *    each session's rate budget, with the strategy's own order entry (budget priority `order`)
 *    apart from the seed config's reads. Measured after `--warmup` seconds (default 70: past
 *    every task's first pass and the first candle period).
 *    Then (unless `--no-alone`) the streaming arm again by itself for `--secs`: on a 2-core machine
 *    the side-by-side polling arm's engine and server wake at the same 10 s price step and take
 *    the cores the fill path needs; alone is the latency of one strategy on its machine.
 *    `--no-side-by-side` runs only that (the fill path's figures, quickly); `--slow MS` prints every
 *    fill slower than MS with its split and where in the 10 s price step its venue event fell;
 *    `--profile DIR` has each engine write a CPU profile there (open it in Chrome's DevTools);
 *    `--engine-flags="…"` starts the engines with those Node flags (with `=`: they start with a dash),
 *    `--server-flags="…"` the sim-servers; `--order-offset MS` has the strategy queue its orders MS
 *    after each of the venue's push ticks instead of in the same instant; `--engine-nice=N` runs
 *    the engine's main thread at nice N (with `=`: N may start with a dash); `--pinned` runs each
 *    alone arm a second time with the engine's event loop on a CPU of its own
 *    (`process.cpu_affinity`) and the venue and the bench off that CPU (`--no-alone --pinned`:
 *    that arm only);
 *    `--trace DIR` has each process write the timeline of its fill path there, which
 *    `tsx bench/streaming-trace.ts DIR` breaks down step by step (server walk, frames, applies).
 * 2. Memory and CPU per minute of a streaming engine at 40, 500 and 2000 markets, and the
 *    sim-server's CPU beside it.
 *
 * `--smoke` runs 8 s per arm and checks that every figure is finite; timing is not judged.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { EngineReport, PlannedOrder } from './streaming-child.js';

const CHILD = resolve(import.meta.dirname, 'streaming-child.ts');
/** The CPUs of the machine, read before `--pinned` moves this process onto fewer. */
const CPUS = availableParallelism();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface ArmResult extends EngineReport {
  mode: 'stream' | 'poll';
  markets: number;
  watchList: number;
  fillMs: number[];
  /** The same fills timed from the start of the venue's walk over every market (stricter). */
  fromWalkMs: number[];
  /** Venue fill → the final order update reached the engine (server, loopback, scheduling). */
  wayMs: number[];
  /** That arrival → the order manager's `filled` (the engine's own part). */
  engineMs: number[];
  /** Each measured fill's venue time and `filled` time (epoch ms), to match with GC pauses. */
  spans: [number, number][];
  serverCpuSecPerMin: number;
}

function pct(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

type Message = { type: string } & Record<string, unknown>;

/** A child process of the bench and the messages it sends. */
/** Every child started, so that a failed run leaves none behind (a sim-server would run on). */
const CHILDREN = new Set<ChildProcess>();

class Child {
  readonly proc: ChildProcess;
  readonly #waiting = new Map<string, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  readonly #handlers = new Map<string, (m: Message) => void>();

  constructor(args: string[], extraEnv: Record<string, string> = {}) {
    const engine = args[0] === 'engine';
    const profile = profileDir !== undefined && engine ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-interval=100'] : [];
    const flags = engine ? engineFlags : args[0] === 'server' ? serverFlags : [];
    const env = {
      ...process.env,
      ...(traceDir === undefined ? {} : { MISSO_BENCH_TRACE: traceDir }),
      ...(engine && engineNice !== undefined ? { MISSO_BENCH_ENGINE_NICE: String(engineNice) } : {}),
      ...extraEnv,
    };
    this.proc = fork(CHILD, args, { execArgv: ['--import', 'tsx', ...flags, ...profile], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    CHILDREN.add(this.proc);
    this.proc.on('exit', () => CHILDREN.delete(this.proc));
    this.proc.on('message', (m: Message) => {
      const waiter = this.#waiting.get(m.type);
      if (waiter) {
        this.#waiting.delete(m.type);
        waiter.resolve(m);
      }
      this.#handlers.get(m.type)?.(m);
    });
    // 'exit' can come before the last messages are read from the channel: give them a moment.
    this.proc.on('exit', (code) => {
      setTimeout(() => {
        for (const [type, waiter] of this.#waiting) waiter.reject(new Error(`child exited (${code}) before '${type}'`));
        this.#waiting.clear();
      }, 2_000);
    });
  }

  next<T extends Message>(type: string): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#waiting.set(type, { resolve: resolve as (m: Message) => void, reject });
    });
  }

  on(type: string, handler: (m: Message) => void): void {
    this.#handlers.set(type, handler);
  }

  send(message: Message): void {
    if (this.proc.connected) this.proc.send(message);
  }
}

/** A sim-server process and an engine process on it. */
async function startArm(
  mode: 'stream' | 'poll',
  markets: number,
  seed: number,
  pinned = false,
): Promise<{
  server: Child; engine: Child; watchList: string[]; fillMs: number[]; fromWalkMs: number[]; wayMs: number[]; engineMs: number[]; spans: [number, number][];
}> {
  const server = new Child(['server', String(markets), String(seed), String(orderOffsetMs)]);
  const ready = await server.next<Message & { url: string; probeUrl: string; watchList: string[] }>('ready');
  const main = String(CPUS - 1);
  const others = Array.from({ length: CPUS - 1 }, (_, i) => i).join(',');
  const engine = new Child(['engine', ready.url, ready.probeUrl, mode, ready.watchList.join(',')], pinned ? { MISSO_BENCH_PIN: `${main}/${others}` } : {});
  await engine.next('ready');
  // `--pinned`: the engine's event loop alone on the last CPU (its own config did that), and the
  // venue and this process off it, as a host keeps other work off a latency-bound thread's core.
  // Set after the engine started: a child inherits the affinity of its parent.
  if (pinned) for (const pid of [server.proc.pid!, process.pid]) execFileSync('taskset', ['-a', '-p', '-c', others, String(pid)], { stdio: 'ignore' });
  const fillMs: number[] = [];
  const fromWalkMs: number[] = [];
  const wayMs: number[] = [];
  const engineMs: number[] = [];
  const fillAt = new Map<string, { at: number; walkAt: number }>();
  const filledAt = new Map<string, Message>();
  const spans: [number, number][] = [];
  const record = ({ at: fill, walkAt }: { at: number; walkAt: number }, filled: Message): void => {
    fillMs.push((filled['at'] as number) - fill);
    fromWalkMs.push((filled['at'] as number) - walkAt);
    spans.push([fill, filled['at'] as number]);
    if (slowMs !== undefined && (filled['at'] as number) - fill > slowMs) {
      const arrived = filled['arrivedAt'];
      process.stderr.write(
        `slow fill ${mode}: ${((filled['at'] as number) - fill).toFixed(1)} ms at ${(fill % 10_000).toFixed(0)} ms into the step` +
          (typeof arrived === 'number' ? `, way ${(arrived - fill).toFixed(1)}, engine ${((filled['at'] as number) - arrived).toFixed(1)}\n` : '\n'),
      );
    }
    const arrived = filled['arrivedAt'];
    if (typeof arrived === 'number') {
      wayMs.push(arrived - fill);
      engineMs.push((filled['at'] as number) - arrived);
    }
  };
  server.on('orders', (m) => engine.send({ type: 'orders', orders: m['orders'] as PlannedOrder[] }));
  // The order's last venue fill to the engine's `filled`; the two arrive on separate channels.
  server.on('fill', (m) => {
    const id = String(m['id']);
    const fill = { at: m['at'] as number, walkAt: m['walkAt'] as number };
    fillAt.set(id, fill);
    const done = filledAt.get(id);
    if (done !== undefined) {
      record(fill, done);
      filledAt.delete(id);
    }
  });
  engine.on('filled', (m) => {
    const id = String(m['id']);
    const at = fillAt.get(id);
    if (at === undefined) filledAt.set(id, m);
    else record(at, m);
    fillAt.delete(id);
  });
  return { server, engine, watchList: ready.watchList, fillMs, fromWalkMs, wayMs, engineMs, spans };
}

async function finishArm(arm: Awaited<ReturnType<typeof startArm>>, mode: 'stream' | 'poll', markets: number): Promise<ArmResult> {
  const reported = arm.engine.next<EngineReport & Message>('report');
  arm.engine.send({ type: 'report' });
  const report = await reported;
  const stopped = arm.server.next<Message & { cpuSecPerMin: number }>('stopped');
  arm.server.send({ type: 'stop' });
  const serverCpu = (await stopped).cpuSecPerMin;
  return {
    ...report, mode, markets, watchList: arm.watchList.length, fillMs: arm.fillMs, fromWalkMs: arm.fromWalkMs, wayMs: arm.wayMs, engineMs: arm.engineMs, spans: arm.spans,
    serverCpuSecPerMin: serverCpu,
  };
}

async function runSize(markets: number, secs: number, warmupSecs: number): Promise<[ArmResult, ArmResult]> {
  const [stream, poll] = await Promise.all([startArm('stream', markets, 77), startArm('poll', markets, 77)]);
  // Warm-up: first REST passes and the first candle period, streams subscribed, orders flowing.
  await sleep(warmupSecs * 1000);
  for (const arm of [stream, poll]) {
    arm.fillMs.length = 0;
    arm.fromWalkMs.length = 0;
    arm.wayMs.length = 0;
    arm.engineMs.length = 0;
    arm.spans.length = 0;
    arm.engine.send({ type: 'measure' });
  }
  await sleep(secs * 1000);
  return Promise.all([finishArm(stream, 'stream', markets), finishArm(poll, 'poll', markets)]);
}

/**
 * A streaming engine and its server with nothing else running: the fill path's own latency.
 * `pinned`: with the engine's event loop on a CPU of its own (see startArm).
 */
async function runAlone(markets: number, secs: number, warmupSecs: number, pinned = false): Promise<ArmResult> {
  const arm = await startArm('stream', markets, 77, pinned);
  await sleep(warmupSecs * 1000);
  arm.fillMs.length = 0;
  arm.fromWalkMs.length = 0;
  arm.wayMs.length = 0;
  arm.engineMs.length = 0;
  arm.spans.length = 0;
  arm.engine.send({ type: 'measure' });
  await sleep(secs * 1000);
  const result = await finishArm(arm, 'stream', markets);
  // This process back on every CPU for the next arm.
  if (pinned) execFileSync('taskset', ['-a', '-p', '-c', `0-${CPUS - 1}`, String(process.pid)], { stdio: 'ignore' });
  return result;
}

/** `--slow MS`: every fill slower than this is printed to stderr with its split. */
let slowMs: number | undefined;
/** `--profile DIR`: each engine process writes a V8 CPU profile there (100 µs sampling). */
let profileDir: string | undefined;
/** `--trace DIR`: every process writes a timeline of its fill path there (see streaming-trace.ts). */
let traceDir: string | undefined;
/** `--engine-flags "…"`: Node/V8 flags for the engine processes (e.g. a GC setting to compare). */
let engineFlags: string[] = [];
/** `--server-flags "…"`: the same for the sim-server processes (e.g. a CPU profile of the venue's side). */
let serverFlags: string[] = [];
/**
 * `--order-offset MS`: the strategy's 2 s order timer starts this long after the venue's 1 s push
 * timer. At 0 (the default, as before) the strategy queues its orders in the same instant the
 * venue walks and sends the step's fills, every time.
 */
let orderOffsetMs = 0;
/**
 * `--engine-nice N`: the engine's main thread runs at nice N (below 0 needs CAP_SYS_NICE). Only
 * that thread: V8's helpers and libuv's pool, started before it, keep nice 0 (systemd's `Nice=`
 * would set every thread).
 */
let engineNice: number | undefined;

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      secs: { type: 'string' }, warmup: { type: 'string' }, smoke: { type: 'boolean', default: false },
      markets: { type: 'string' }, resources: { type: 'boolean', default: true }, alone: { type: 'boolean', default: true },
      'side-by-side': { type: 'boolean', default: true }, slow: { type: 'string' }, profile: { type: 'string' },
      'engine-flags': { type: 'string' }, 'server-flags': { type: 'string' }, trace: { type: 'string' },
      'order-offset': { type: 'string' }, 'engine-nice': { type: 'string' }, pinned: { type: 'boolean', default: false },
    },
    allowNegative: true,
  });
  const sizes = values.markets ? values.markets.split(',').map(Number) : [40, 500];
  const secs = values.smoke ? 8 : Number(values.secs ?? 600);
  const warmup = values.smoke ? 3 : Number(values.warmup ?? 70);
  if (values.slow !== undefined) slowMs = Number(values.slow);
  profileDir = values.profile;
  traceDir = values.trace === undefined ? undefined : resolve(values.trace);
  engineFlags = (values['engine-flags'] ?? '').split(' ').filter(Boolean);
  serverFlags = (values['server-flags'] ?? '').split(' ').filter(Boolean);
  orderOffsetMs = Number(values['order-offset'] ?? 0);
  engineNice = values['engine-nice'] === undefined ? undefined : Number(values['engine-nice']);
  const lines: string[] = [];
  lines.push(`Streaming vs polling, ${secs} s per arm measured after a ${warmup} s warm-up, seed periods (tickers 10 s, candles 60 s × 1000, account 30 s).`, '');
  lines.push('| markets | watch list | mode | price p50 ms | price p99 ms | fill p50 ms | fill p99 ms | fills | seed config REST weight/min | order entry weight/min |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const fillLines = [
    'Where a streamed fill\'s time goes (ms, p50 / p99): venue fill → its order update reached the engine; that → the order manager\'s `filled`; a bare websocket frame between the same two processes (the floor); the engine\'s event-loop delay.',
    '',
    'Side by side: the streaming arm while the polling arm (its own engine and server) runs on the same cores. Alone: a streaming arm by itself afterwards, as one strategy on its machine.',
    '',
    'GC: the engine\'s garbage-collection pauses of 1 ms or more in the window (their longest), and how many fills one of them fell on, between the venue\'s event and the `filled` (and the fill p50 / p99 of the others).',
    '',
    'Fill total is timed from the venue\'s match of the fill; "from the walk\'s start" from the start of the venue\'s walk that matched it, over every market with orders (stricter: the walk matches markets one after another, where a venue matches each on its own engine).',
    '',
    '| markets | run | fills | fill total | from the walk\'s start | venue → engine | engine → state | loopback floor | engine loop delay p99 / max | GC pauses (max ms) | fills a pause fell on (others p50 / p99) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const fillRow = (markets: number, run: string, r: ArmResult): string => {
    const pauses = r.gcPauses.filter(([, ms]) => ms >= 1);
    const paused = r.spans.map(([from, to]) => pauses.some(([at, ms]) => at < to && at + ms > from));
    const hit = paused.filter(Boolean).length;
    const others = r.fillMs.filter((_, i) => !paused[i]);
    return (
      `| ${markets} | ${run} | ${r.engineMs.length} | ${p5099(r.fillMs)} | ${p5099(r.fromWalkMs)} | ${p5099(r.wayMs)} | ${p5099(r.engineMs)} | ${p5099(r.floorMs)} | ` +
      `${fmt(r.loopDelayP99Ms, 1)} / ${fmt(r.loopDelayMaxMs, 1)} | ${pauses.length} (${fmt(Math.max(0, ...pauses.map(([, ms]) => ms)), 1)}) | ${hit} (${p5099(others)}) |`
    );
  };
  const p5099 = (v: readonly number[]): string => `${fmt(pct(v, 50), 1)} / ${fmt(pct(v, 99), 1)}`;
  const ratios: string[] = [];
  const methods: string[] = [];
  const seedWeight = (r: ArmResult): number => r.weightPerMin - (r.byPriority['order'] ?? 0);
  for (const markets of sizes) {
    const alone = async (): Promise<void> => {
      if (values.alone) fillLines.push(fillRow(markets, 'alone', await runAlone(markets, secs, warmup)));
      if (values.pinned) fillLines.push(fillRow(markets, 'alone, pinned', await runAlone(markets, secs, warmup, true)));
    };
    if (!values['side-by-side']) {
      await alone();
      continue;
    }
    const [stream, poll] = await runSize(markets, secs, warmup);
    for (const r of [stream, poll]) {
      lines.push(
        `| ${r.markets} | ${r.watchList} | ${r.mode} | ${fmt(pct(r.priceMs, 50))} | ${fmt(pct(r.priceMs, 99))} | ${fmt(pct(r.fillMs, 50), 1)} | ` +
          `${fmt(pct(r.fillMs, 99), 1)} | ${r.fillMs.length} | ${fmt(seedWeight(r), 1)} | ${fmt(r.byPriority['order'] ?? 0, 1)} |`,
      );
      const parts = Object.entries(r.byMethod).sort((x, y) => y[1] - x[1]).map(([m, w]) => `${m} ${fmt(w, 1)}`);
      methods.push(`- ${r.markets} markets, ${r.mode}: ${parts.join(', ')}`);
    }
    fillLines.push(fillRow(markets, 'side by side', stream));
    await alone();
    ratios.push(
      `- ${markets} markets: streaming's REST weight for the seed's config is ${fmt((100 * seedWeight(stream)) / seedWeight(poll), 1)} % of polling's ` +
        `(${fmt((100 * stream.weightPerMin) / poll.weightPerMin, 1)} % with the order entry); price p50 ${fmt(pct(poll.priceMs, 50) / pct(stream.priceMs, 50), 1)}× faster, ` +
        `fill p50 ${fmt(pct(poll.fillMs, 50) / pct(stream.fillMs, 50), 1)}× faster.`,
    );
    if (values.smoke && ![stream.weightPerMin, poll.weightPerMin].every(Number.isFinite)) throw new Error('non-finite weight');
  }
  lines.push('', ...ratios, '', ...fillLines, '', 'REST weight per minute by method:', '', ...methods, '');
  if (values.resources) {
    lines.push('| markets (streaming) | engine RSS MB | engine heap MB | engine CPU s per minute | sim-server CPU s per minute |', '| --- | --- | --- | --- | --- |');
    for (const markets of [40, 500, 2000]) {
      const arm = await startArm('stream', markets, 78);
      await sleep(values.smoke ? 2_000 : 10_000);
      arm.engine.send({ type: 'measure' });
      await sleep(values.smoke ? 5_000 : 60_000);
      const r = await finishArm(arm, 'stream', markets);
      lines.push(`| ${r.markets} | ${fmt(r.rssMb)} | ${fmt(r.heapMb)} | ${fmt(r.cpuSecPerMin, 2)} | ${fmt(r.serverCpuSecPerMin, 2)} |`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench:streaming failed: ${String(error)}\n`);
    for (const child of CHILDREN) child.kill('SIGKILL');
    process.exit(1);
  },
);
