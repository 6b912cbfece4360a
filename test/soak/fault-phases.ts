import type { Updater } from '../../src/engine/updater.js';
import type { ManagedExchangeSession } from '../../src/exchange/session.js';
import type { ErrorKind } from '../../src/exchange/types.js';
import type { SimServer } from '../../src/sim/http/binance-server.js';
import type { FaultKind } from '../../src/sim/http/fault-spec.js';
import { SOAK_CALLING_TASKS, SOAK_PERIODIC } from './soak-config.js';
import type { SoakRecorder } from './soak-recorder.js';

/** What a phase can look at while its fault is on. */
export interface SoakContext {
  readonly updater: Updater;
  readonly session: ManagedExchangeSession;
  readonly server: SimServer;
  readonly recorder: SoakRecorder;
}

/** Counters read when a phase switches its fault on; the phase reports differences from them. */
export interface PhaseBaseline {
  at: number;
  errors: Record<ErrorKind, number>;
  penalties: { rate_limit: number; ban: number };
  faults: Record<string, number>;
}

/** One fault class of the soak: how it is switched on, when it has bitten, what it may cause. */
export interface FaultPhase {
  readonly name: FaultKind;
  /** The `--faults` spec switched on for the phase. */
  readonly spec: string;
  /** The session's error kinds this fault can cause; seeing any other kind is a misclassification. */
  readonly allowedKinds: readonly ErrorKind[];
  /** Kinds that must be seen at least once for the phase to have tested anything. */
  readonly requiredKinds: readonly ErrorKind[];
  /** Tasks that must fail at least once while the fault is on, each with `taskKind`. */
  readonly failingTasks: readonly string[];
  /** The kind a failed pass of a task must carry in its status. */
  readonly taskKind: ErrorKind | null;
  /** Resting orders the strategy queues right after the fault goes on. */
  readonly orders: number;
  /** Attributes whose every write is kept while the fault is on. */
  readonly captureWrites: readonly string[];
  /** The fault goes off after this long even if it has not bitten (the test then fails). */
  readonly maxOnMs: number;
  /** True once the fault has done what the phase needs to observe. */
  bitten(ctx: SoakContext, base: PhaseBaseline): boolean;
  /** Extra figures the phase measured, for its own assertions. */
  readonly facts: Record<string, number>;
}

const LONGEST_FREQ_MS = Math.max(...Object.values(SOAK_PERIODIC)) * 1000;
// Long enough for every task to come round at least twice, even right after a success.
const MAX_ON_MS = 3 * LONGEST_FREQ_MS;

/** Total requests the server has received (admin calls are not counted by the server). */
export function serverRequests(server: SimServer): number {
  return Object.values(server.counters.snapshot().requests).reduce((a, b) => a + b, 0);
}

function everyTaskFailed(tasks: readonly string[]) {
  return (ctx: SoakContext, base: PhaseBaseline): boolean =>
    tasks.every((t) => ctx.recorder.passesOf(t, base.at).some((p) => !p.ok));
}

function requestFault(name: FaultKind, spec: string, kind: ErrorKind): FaultPhase {
  return {
    name,
    spec,
    allowedKinds: [kind],
    requiredKinds: [kind],
    failingTasks: SOAK_CALLING_TASKS,
    taskKind: kind,
    orders: 0,
    captureWrites: [],
    maxOnMs: MAX_ON_MS,
    bitten: everyTaskFailed(SOAK_CALLING_TASKS),
    facts: {},
  };
}

/**
 * A one-shot 418 with a 2 s ban: the first request gets it, then the server refuses everything
 * for 2 s. The phase stays on for the whole ban and counts what reached the server meanwhile.
 */
function banPhase(): FaultPhase {
  const facts: Record<string, number> = {};
  let seenAt = 0;
  let requestsAtBan = -1;
  return {
    name: '418',
    spec: '418:calls=1:ban=2',
    allowedKinds: ['rate_limit'],
    requiredKinds: ['rate_limit'],
    failingTasks: [],
    taskKind: 'rate_limit',
    orders: 0,
    captureWrites: [],
    maxOnMs: MAX_ON_MS,
    facts,
    bitten(ctx, base) {
      const budget = ctx.session.budget.stats();
      if (budget.penalties.ban === base.penalties.ban) return false;
      const now = Date.now();
      seenAt ||= now;
      // Requests already on the wire when the 418 came back still land; give them 300 ms.
      if (requestsAtBan < 0) {
        if (now - seenAt < 300) return false;
        requestsAtBan = serverRequests(ctx.server);
      }
      // Stop counting just before the client's ban ends, while the server still refuses all.
      if (now < budget.bannedUntil - 100) return false;
      facts['requestsDuringBan'] = serverRequests(ctx.server) - requestsAtBan;
      facts['banMs'] = budget.bannedUntil - seenAt;
      return true;
    },
  };
}

/**
 * The soak's phases, one per fault class, in the order `--faults` documents them. Built fresh
 * for each run because the ban phase keeps state.
 */
export function faultPhases(): FaultPhase[] {
  return [
    requestFault('5xx', '5xx', 'retryable'),
    requestFault('429', '429:retry=1', 'rate_limit'),
    banPhase(),
    requestFault('hang', 'hang', 'retryable'),
    requestFault('reset', 'reset', 'retryable'),
    {
      // A 200 with an HTML page: fetchTickers throws a TypeError (retryable); other calls parse
      // the page into junk without throwing, so every task must at least have been offered it.
      name: 'html',
      spec: 'html',
      allowedKinds: ['retryable'],
      requiredKinds: ['retryable'],
      failingTasks: ['update_tickers'],
      taskKind: 'retryable',
      orders: 0,
      captureWrites: ['total_capital', 'free_capital', 'positions', 'ohlcs', 'last_price', 'is_open_orders'],
      maxOnMs: MAX_ON_MS,
      facts: {},
      bitten: (ctx, base) =>
        Object.keys(SOAK_PERIODIC).every((t) => ctx.recorder.passesOf(t, base.at + 200).length > 0),
    },
    {
      // createOrder is applied, then its answer is lost: the outcome is unknown to the engine.
      name: 'lost',
      spec: 'lost:path=order:method=POST',
      allowedKinds: ['retryable', 'not_found'],
      requiredKinds: ['retryable'],
      failingTasks: [],
      taskKind: null,
      orders: 2,
      captureWrites: [],
      maxOnMs: MAX_ON_MS,
      facts: {},
      bitten: (ctx, base) => ctx.server.counters.faultCount('lost') - (base.faults['lost'] ?? 0) >= 2,
    },
    {
      // New orders stay invisible to queries for 4 s: the status poll is told "not found".
      name: 'visibility',
      spec: 'visibility:4000',
      allowedKinds: ['not_found'],
      requiredKinds: ['not_found'],
      failingTasks: [],
      taskKind: null,
      orders: 2,
      captureWrites: [],
      maxOnMs: MAX_ON_MS,
      facts: {},
      bitten: (ctx, base) => ctx.session.stats().errors.not_found > base.errors.not_found,
    },
  ];
}
