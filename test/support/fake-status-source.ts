import type { StatusEvent, StatusSnapshot, StatusSource, TaskStatus } from '../../src/http/types.js';

/**
 * A small in-memory StatusSource: the status server's own contract, filled by the test. It is
 * not a stand-in for the engine's logic, only a holder of a snapshot plus a listener list.
 */
export class FakeStatusSource implements StatusSource {
  snap: StatusSnapshot;
  readonly #listeners = new Set<(event: StatusEvent) => void>();
  /** How many times snapshot() was called. */
  snapshots = 0;
  /** When set, snapshot() throws it. */
  failWith: Error | null = null;

  constructor(now = 1_700_000_000_000) {
    this.snap = baseSnapshot(now);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  snapshot(): StatusSnapshot {
    this.snapshots++;
    if (this.failWith) throw this.failWith;
    return structuredClone(this.snap);
  }

  subscribe(listener: (event: StatusEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Pushes an event to every listener, applying it to the snapshot first as an engine would. */
  emit(event: StatusEvent): void {
    if (event.type === 'task') this.snap.tasks[event.task] = event.status;
    if (event.type === 'attribute') this.snap.attributes[event.attribute] = event.status;
    if (event.type === 'phase') this.snap.phase = event.phase;
    for (const listener of this.#listeners) listener(event);
  }

  /** Replaces one task's status, keeping the fields not given. */
  setTask(name: string, patch: Partial<TaskStatus>): TaskStatus {
    const current = this.snap.tasks[name] ?? task('t_update_template', 5);
    const next = { ...current, ...patch };
    this.snap.tasks[name] = next;
    return next;
  }
}

/** A healthy task status. */
export function task(kind: string, freqSecs: number | null, overrides: Partial<TaskStatus> = {}): TaskStatus {
  return {
    kind,
    ok: true,
    runs: 10,
    failures: 0,
    consecutiveFailures: 0,
    lastError: null,
    lastErrorKind: null,
    lastErrorClass: null,
    lastSuccessAt: 1_700_000_000_000 - 1500,
    lastDurationMs: 42,
    freqSecs,
    state: 'sleeping',
    ...overrides,
  };
}

function baseSnapshot(now: number): StatusSnapshot {
  return {
    name: 'seed-updater',
    exchangeId: 'sim',
    startedAt: now - 60_000,
    now,
    phase: 'running',
    ready: true,
    readiness: { config: true, init_update: true, exchange: true, journal: true },
    tasks: {
      update_tickers: task('t_update_tickers', 1, { runs: 57, lastDurationMs: 12 }),
      update_balance: task('t_update_balance', 5, { runs: 12, failures: 1 }),
      execute_orders: task('t_execute_orders', null, { runs: 3, lastDurationMs: 250, state: 'waiting' }),
      update_ohlcv: task('t_update_candles', 60, { runs: 1, lastDurationMs: 1800 }),
    },
    attributes: {
      watch_list: {
        updatedAt: now - 30_000,
        ageMs: 30_000,
        maxAgeMs: null,
        stale: false,
        source: 'init',
        summary: '27 symbols',
      },
      last_price: {
        updatedAt: now - 800,
        ageMs: 800,
        maxAgeMs: 3000,
        stale: false,
        source: 'update_tickers',
        summary: '27 prices',
      },
      total_capital: {
        updatedAt: now - 20_000,
        ageMs: 20_000,
        maxAgeMs: 15_000,
        stale: true,
        source: 'update_balance',
        summary: '10234.5',
      },
    },
    orders: { pending: 2, open: 5, recentlyClosed: 1, lost: 0, failed: 1, rejected: 2, submitted: 9 },
    exchange: {
      restarting: false,
      inFlight: 1,
      restarts: 2,
      budget: {
        capacity: 1200,
        windowMs: 60_000,
        usedInWindow: 340,
        waiting: { order: 0, status: 1, account: 0, market: 3 },
        pausedUntil: null,
      },
    },
    prices: { 'BTC/USD:USD': 43125.5, 'ETH/USD:USD': 2281.25, 'DOGE/USD:USD': 0.08412 },
    capital: { total: 10234.5, free: 8120.25 },
  };
}
