/**
 * One process of `bench/streaming.ts`, so the exchange and each engine have their own event
 * loop, as they would in use (misso never shares its process with the exchange):
 *
 *   node --import tsx bench/streaming-child.ts server <markets> <seed>
 *   node --import tsx bench/streaming-child.ts engine <url> <probe url> <stream|poll> <watch list, comma separated>
 *
 * Both talk to the parent over IPC. Times are epoch milliseconds with sub-millisecond precision
 * (`performance.timeOrigin + performance.now()`), comparable across processes of one machine.
 * The server reports every venue fill event and proposes the strategy's orders every 2 s; the
 * engine reports every order it sees filled, price-change latencies and, when asked, its REST
 * weight (per method and per budget priority), event-loop delay, memory and CPU. The server also
 * sends a bare timestamped websocket frame every ~100 ms: the floor any fill latency sits on.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import { SystemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import type { MissoConfigInput } from '../src/config/schema.js';
import { Updater } from '../src/engine/updater.js';
import { OrderJournal } from '../src/orders/journal.js';
import { OrderManager } from '../src/orders/manager.js';
import type { ManagedExchangeSession } from '../src/exchange/session.js';
import { DEFAULT_SIM_API_KEY, DEFAULT_SIM_SECRET, startSimServer } from '../src/sim/http/binance-server.js';
import { onWsRead } from './support.js';

const STEP_MS = 10_000;
const now = (): number => performance.timeOrigin + performance.now();
/**
 * `--trace DIR` of bench/streaming.ts: this process's fill path as `[epoch ms, what, …]` rows,
 * written to DIR at the end as `server-<port>.json` / `engine-<port>-<mode>.json` (one arm's
 * two share the port), for bench/streaming-trace.ts.
 */
const TRACE = process.env['MISSO_BENCH_TRACE'];
const trace: unknown[][] = [];
const mark = (...e: unknown[]): void => {
  if (TRACE) trace.push([now(), ...e]);
};
const dumpTrace = (name: string): void => {
  if (!TRACE) return;
  mkdirSync(TRACE, { recursive: true });
  writeFileSync(join(TRACE, `${name}.json`), JSON.stringify(trace));
};
const portOf = (url: string): string => new URL(url).port;
/** The main thread's involuntary context switches so far (Linux), or undefined elsewhere. */
const preemptions = (): number | undefined => {
  try {
    return Number(/nonvoluntary_ctxt_switches:\s*(\d+)/.exec(readFileSync('/proc/thread-self/status', 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
};
/** The last message's hand-over to the channel (the channel keeps their order). */
let lastSend: Promise<void> = Promise.resolve();
const send = (message: unknown): void => {
  if (!process.connected) return;
  lastSend = new Promise((resolve) => process.send?.(message, () => resolve()));
};
/**
 * Exits once every message sent so far is through the channel: `process.exit` drops what is still
 * queued, and a report of a 600 s run (its latency samples) is large; the parent then saw only the
 * exit ("child exited (0) before 'report'") on a busy machine.
 */
const exitAfterSends = (): void => {
  void lastSend.then(() => process.exit(0));
};

/**
 * Reports to the parent sent a while after a burst, not during it: a message per fill would wake
 * the parent process while the engine still handles the burst, and on two cores a third busy
 * process takes the engine's core (a 5 ms stall in the middle of ccxt's parsing was seen).
 */
function laterReports(delayMs = 250): { push: (message: unknown) => void; flush: () => void } {
  let held: unknown[] = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    for (const m of held) send(m);
    held = [];
  };
  return {
    push: (message) => {
      held.push(message);
      timer ??= setTimeout(flush, delayMs);
    },
    flush,
  };
}

/** What an engine reports at the end of its window. */
export interface EngineReport {
  type: 'report';
  priceMs: number[];
  /** The floor: a bare websocket frame from the server process to this one, ms. */
  floorMs: number[];
  weightPerMin: number;
  /** Weight per minute per budget priority (`order` is the strategy's own order entry). */
  byPriority: Record<string, number>;
  byMethod: Record<string, number>;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** The engine's garbage-collection pauses in the window: [start (epoch ms), duration ms]. */
  gcPauses: [number, number][];
  rssMb: number;
  heapMb: number;
  cpuSecPerMin: number;
}

/** One order the strategy places: `[tag, amount, price, side, symbol]`. */
export type PlannedOrder = [string, number, number, 'buy', string];

async function server(markets: number, seed: number, orderOffsetMs: number): Promise<void> {
  const srv = await startSimServer({ port: 0, seed, markets, clock: new SystemClock() });
  const swaps = srv.venue.listMarkets().filter((m) => m.type === 'swap');
  // The seed's filter: 24 h volume of at least 2 M USD.
  const watchList = swaps.filter((m) => m.volumeUsd24h >= 2_000_000).map((m) => m.symbol);
  // A fill is timed from the venue's work, not from when its listeners heard of it (the server's
  // own formatting and sending count too): from the start of the walk that matched it (the push
  // timer's advance) …
  let walkStartedAt: number | undefined;
  /** The walk under way emitted events (the face walks twice a tick: the second one rarely matches). */
  let walkEmitted = false;
  const advance = srv.venue.advance.bind(srv.venue);
  srv.venue.advance = () => {
    const startedAt = now();
    walkStartedAt = startedAt;
    walkEmitted = false;
    advance();
    // Only walks that matched something are a step of the trace, stamped with their start.
    if (TRACE && walkEmitted) trace.push([startedAt, 'walk0'], [now(), 'walk1']);
    // The feed delivers the walk's events a microtask after it; this one runs after that.
    queueMicrotask(() => (walkStartedAt = undefined));
  };
  // … and from the moment the venue's matching produced it: the walk matches markets one after another, where
  // a venue matches each on its own engine, so a fill of the walk's last market is not charged
  // with the others' matching (the parent reports both).
  const matchedAt = new Map<string, number>();
  // The venue also walks inside any REST request that comes after a step ended, before the push
  // timer: no walk start is stamped then, and the batch's first match stands in for it.
  let firstMatchAt: number | undefined;
  const emit = srv.venue.feed.emit.bind(srv.venue.feed);
  srv.venue.feed.emit = (...args: Parameters<typeof emit>) => {
    if (walkStartedAt !== undefined) walkEmitted = true;
    if (args[0] === 'TRADE') {
      const at = now();
      matchedAt.set(args[1].id, at);
      // A match outside the push timer's walk (inside a REST request) starts a step of its own.
      if (firstMatchAt === undefined && walkStartedAt === undefined) mark('match0');
      firstMatchAt ??= at;
    }
    emit(...args);
  };
  if (TRACE) {
    // When the venue's face hands a burst's first order update to its socket.
    const send = WebSocket.prototype.send;
    let marked = false;
    WebSocket.prototype.send = function (this: WebSocket, data: unknown, ...rest: unknown[]) {
      if (!marked && typeof data === 'string' && data.startsWith('{"e":"ORDER_TRADE_UPDATE"')) {
        marked = true;
        mark('send');
        queueMicrotask(() => (marked = false));
      }
      return (send as (...a: unknown[]) => void).call(this, data, ...rest);
    } as typeof send;
  }
  const fillReports = laterReports();
  srv.venue.feed.subscribe((events) => {
    const heard = now();
    const walkAt = walkStartedAt ?? firstMatchAt ?? heard;
    firstMatchAt = undefined;
    mark('feed', events.length);
    for (const e of events) {
      if (e.execution !== 'TRADE') continue;
      fillReports.push({ type: 'fill', id: e.order.id, at: matchedAt.get(e.order.id) ?? walkAt, walkAt });
    }
    // Dropped after the batch: an order filled twice in one walk has two TRADE events here, and
    // the second must not fall back to the walk's start.
    for (const e of events) matchedAt.delete(e.order.id);
  });
  // The floor: a bare websocket frame every ~100 ms to the engine process, timed like a fill.
  const probe = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => probe.once('listening', r));
  const probeTimer = setInterval(() => {
    const text = JSON.stringify({ t: now() });
    for (const c of probe.clients) c.send(text);
  }, 97);
  let i = 0;
  // The strategy: every 2 s, a buy just under the touch on four symbols; most fill at the next
  // price step, when the venue's matching reaches them.
  const propose = (): void => {
    const orders: PlannedOrder[] = [];
    for (let k = 0; k < 4; k++) {
      const symbol = watchList[(i * 4 + k) % watchList.length]!;
      const m = srv.venue.market(symbol);
      const last = srv.venue.ticker(symbol).last;
      const price = Number((Math.floor((last * 0.9998) / m.tickSize) * m.tickSize).toFixed(10));
      const amount = Math.max(m.minAmount, Math.ceil(8 / price / m.lotSize) * m.lotSize);
      orders.push([`b${i}-${k}`, Number(amount.toFixed(10)), price, 'buy', symbol]);
    }
    i++;
    send({ type: 'orders', orders });
  };
  // In the push timer's phase (created in the same turn, so both fire in one timers phase), or
  // `orderOffsetMs` after it.
  let timer = orderOffsetMs > 0 ? undefined : setInterval(propose, 2_000);
  const offset = orderOffsetMs > 0 ? setTimeout(() => (timer = setInterval(propose, 2_000)), orderOffsetMs) : undefined;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  process.on('message', (m: { type: string }) => {
    if (m.type !== 'stop') return;
    fillReports.flush();
    clearInterval(timer);
    clearTimeout(offset);
    clearInterval(probeTimer);
    probe.close();
    const cpu = process.cpuUsage(cpu0);
    send({ type: 'stopped', cpuSecPerMin: (cpu.user + cpu.system) / 1e6 / ((Date.now() - t0) / 60_000) });
    dumpTrace(`server-${portOf(srv.url)}`);
    void srv.close().finally(exitAfterSends);
  });
  const address = probe.address() as { port: number };
  send({ type: 'ready', url: srv.url, watchList, probeUrl: `ws://127.0.0.1:${address.port}` });
}

function seedLikeConfig(url: string, stream: 'on' | 'off', watchList: string[]): MissoConfigInput {
  return {
    exchange: {
      id: 'binanceusdm',
      apiKey: '${K}',
      secret: '${S}',
      urls: { api: url },
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

async function engine(url: string, probeUrl: string, mode: 'stream' | 'poll', watchList: string[]): Promise<void> {
  // `--engine-nice N`: this (main) thread's priority, before any thread of the engine starts.
  const nice = process.env['MISSO_BENCH_ENGINE_NICE'];
  if (nice !== undefined) setPriority(Number(nice));
  // A journal file, as in use: every fill and transition is synced to disk before it counts.
  const dir = mkdtempSync(join(tmpdir(), 'misso-bench-'));
  // `--pinned`: the event loop's thread on a CPU of its own (process.cpu_affinity), as
  // MISSO_BENCH_PIN says (`main/others`, CPU lists); the parent keeps the venue off it.
  const pin = process.env['MISSO_BENCH_PIN']?.split('/').map((list) => list.split(',').map(Number));
  const config = seedLikeConfig(url, mode === 'stream' ? 'on' : 'off', watchList);
  if (pin) config['process'] = { cpu_affinity: { main: pin[0] ?? [], others: pin[1] } };
  const updater = await Updater.fromConfig(config, {
    env: { K: DEFAULT_SIM_API_KEY, S: DEFAULT_SIM_SECRET },
    clock: new SystemClock(),
    logger: silentLogger(),
    storagePath: join(dir, 'journal.db'),
    newJournal: true,
  });
  await updater.start();
  if (process.env['MISSO_BENCH_NOCKPT']) updater.journal.db.pragma('wal_autocheckpoint = 0');
  const session = updater.session as ManagedExchangeSession;
  // When each order's final ORDER_TRADE_UPDATE reached the engine (ccxt has parsed the frame):
  // splits a fill's latency into the way there (server, loopback, waking this process) and the
  // engine's own part (ccxt's handling, the order book, the journal).
  const arrivedAt = new Map<string, number>();
  // When a read's bytes reach ws's frame parser; not the probe's frames (a few dozen bytes): a
  // user-stream read is hundreds of bytes or more.
  if (TRACE) {
    onWsRead((chunk) => {
      if (measuring && chunk.length >= 256) trace.push([now(), 'chunk', chunk.length]);
    });
  }
  const target = session.instance as unknown as { handleMessage: (client: unknown, message: unknown) => unknown };
  const handle = target.handleMessage;
  target.handleMessage = (client: unknown, message: unknown) => {
    const m = message as { e?: unknown; o?: { i?: unknown; X?: unknown } } | null;
    if (m?.e === 'ORDER_TRADE_UPDATE' && m.o?.X === 'FILLED') arrivedAt.set(String(m.o.i), now());
    if (!TRACE || !measuring) return handle.call(target, client, message);
    // A user-stream frame also counts the times the OS took this thread's core while it was
    // handled (market frames not: a read of /proc for each would weigh on what is measured).
    const user = m?.e === 'ORDER_TRADE_UPDATE' || m?.e === 'ACCOUNT_UPDATE';
    const before = user ? preemptions() : undefined;
    const t0 = now();
    try {
      return handle.call(target, client, message);
    } finally {
      const t1 = now();
      const taken = before === undefined ? undefined : (preemptions() ?? before) - before;
      trace.push([t0, 'msg', m?.e ?? '?', m?.o?.X ?? '', t1 - t0, taken]);
    }
  };
  // When ccxt answers the user stream's watch calls, and with how many updates.
  if (TRACE) {
    const ex = session.instance as unknown as Record<string, (...a: unknown[]) => Promise<unknown[]>>;
    for (const name of ['watchMyTrades', 'watchOrders']) {
      const f = ex[name]!;
      ex[name] = function (this: unknown, ...a: unknown[]) {
        const answer = f.apply(this, a);
        void answer.then((got) => measuring && trace.push([now(), name, got.length]), () => undefined);
        return answer;
      };
    }
  }
  // The order manager's two stream entries, timed (a burst's fills, then its order updates), with
  // the times the OS took this thread's core while they ran; and the journal's transaction in
  // them (the rest of an entry is its announcements).
  if (TRACE) {
    const o = OrderManager.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const name of ['applyFills', 'applyStreamOrders']) {
      const f = o[name]!;
      o[name] = function (this: unknown, ...a: unknown[]) {
        const before = measuring ? preemptions() : undefined;
        const t0 = now();
        try {
          return f.apply(this, a);
        } finally {
          const t1 = now();
          if (measuring) trace.push([t0, name, (a[0] as unknown[]).length, t1 - t0, before === undefined ? undefined : (preemptions() ?? before) - before]);
        }
      };
    }
    const j = OrderJournal.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const atomically = j['atomically']!;
    j['atomically'] = function (this: unknown, ...a: unknown[]) {
      const t0 = now();
      try {
        return atomically.apply(this, a);
      } finally {
        if (measuring) trace.push([t0, 'transaction', String(a[1] ?? 'synced'), now() - t0]);
      }
    };
  }
  const loop = monitorEventLoopDelay({ resolution: 5 });
  let measuring = false;
  let startedAt = 0;
  let cpu0 = process.cpuUsage();
  let start = session.stats();
  const priceMs: number[] = [];
  const floorMs: number[] = [];
  const gcPauses: [number, number][] = [];
  /** Each pause's kind (perf_hooks' `NODE_PERFORMANCE_GC_*`: 1 minor, 4 major, 8 incremental, 16 weak callbacks), for the trace. */
  const gcKinds: number[] = [];
  const gc = new PerformanceObserver((list) => {
    if (!measuring) return;
    for (const e of list.getEntries()) {
      gcPauses.push([performance.timeOrigin + e.startTime, e.duration]);
      gcKinds.push(((e as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind ?? 0);
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  const probe = new WebSocket(probeUrl);
  probe.on('message', (data) => {
    if (measuring) floorMs.push(now() - (JSON.parse(String(data)) as { t: number }).t);
  });
  const lastSeen = new Map<string, number>();
  updater.state.on('change', (change) => {
    if (!measuring || change.name !== 'last_price') return;
    const t = now();
    for (const [symbol, price] of Object.entries(change.value as Record<string, number>)) {
      if (lastSeen.get(symbol) === price) continue;
      if (lastSeen.has(symbol)) priceMs.push(t - Math.floor(t / STEP_MS) * STEP_MS);
      lastSeen.set(symbol, price);
    }
  });
  // Stamped as each is announced, sent to the parent once the burst is through: an IPC send per
  // fill would sit in the path of the burst's later fills and add to what is measured.
  const filledReports = laterReports();
  updater.orders.on('filled', (order) => {
    if (!measuring || order.id === null) return;
    filledReports.push({ type: 'filled', id: order.id, at: now(), arrivedAt: arrivedAt.get(order.id) });
    mark('filled', order.id);
    arrivedAt.delete(order.id);
  });
  process.on('message', (m: { type: string; orders?: PlannedOrder[] }) => {
    if (m.type === 'orders') {
      for (const o of m.orders ?? []) updater.pendingOrders.push([`${mode}-${o[0]}`, o[1], o[2], o[3], o[4]]);
    } else if (m.type === 'measure') {
      measuring = true;
      // Lines a CPU profile's timestamps (µs, the monotonic clock) up with the trace's (epoch ms).
      mark('clock', Number(process.hrtime.bigint() / 1000n));
      startedAt = Date.now();
      cpu0 = process.cpuUsage();
      start = session.stats();
      loop.enable();
    } else if (m.type === 'report') {
      filledReports.flush();
      loop.disable();
      gc.disconnect();
      probe.close();
      const minutes = (Date.now() - startedAt) / 60_000;
      const end = session.stats();
      const perMin = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
        Object.fromEntries(Object.entries(a).map(([k, v]) => [k, (v - (b[k] ?? 0)) / minutes]).filter(([, v]) => (v as number) > 0));
      const granted = (s: typeof end): Record<string, number> =>
        Object.fromEntries(Object.entries(s.budget.byPriority).map(([p, st]) => [p, st.grantedWeight]));
      const byPriority = perMin(granted(end), granted(start));
      const cpu = process.cpuUsage(cpu0);
      const mem = process.memoryUsage();
      const report: EngineReport = {
        type: 'report',
        priceMs,
        floorMs,
        weightPerMin: Object.values(byPriority).reduce((n, w) => n + w, 0),
        byPriority,
        byMethod: perMin(end.weights, start.weights),
        loopDelayP50Ms: loop.percentile(50) / 1e6,
        loopDelayP99Ms: loop.percentile(99) / 1e6,
        loopDelayMaxMs: loop.max / 1e6,
        gcPauses,
        rssMb: mem.rss / 2 ** 20,
        heapMb: mem.heapUsed / 2 ** 20,
        cpuSecPerMin: (cpu.user + cpu.system) / 1e6 / minutes,
      };
      send(report);
      gcPauses.forEach(([t, d], i) => trace.push([t, 'gc', d, gcKinds[i]]));
      dumpTrace(`engine-${portOf(url)}-${mode}`);
      // ccxt.pro schedules listenKey keep-alives 20 minutes ahead; they would hold the process open.
      void updater.stop().finally(() => {
        rmSync(dir, { recursive: true, force: true });
        exitAfterSends();
      });
    }
  });
  send({ type: 'ready' });
}

const [role, a, b, c, d] = process.argv.slice(2);
const main = role === 'server' ? server(Number(a), Number(b), Number(c ?? 0)) : engine(a!, b!, c as 'stream' | 'poll', (d ?? '').split(',').filter(Boolean));
main.catch((error: unknown) => {
  process.stderr.write(`streaming-child ${role} failed: ${String(error)}\n`);
  process.exit(1);
});
