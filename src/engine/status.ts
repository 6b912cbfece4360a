import { budgetOf } from '../exchange/budget.js';
import type { ExchangeSession } from '../exchange/types.js';
import { toTaskStatus, type TaskHealth } from '../core/task-status.js';
import { PRICES_SHOWN, type AttributeStatus, type Phase, type ReadinessFlags, type StatusSnapshot, type StreamStatus } from '../http/types.js';
import type { OrderStats } from '../orders/manager.js';
import type { StateStore } from '../state/state-store.js';
import { HIDDEN_ATTRIBUTES } from '../state/builtin-attributes.js';
import type { StreamStats } from '../streams/stream-loop.js';

/** What {@link buildSnapshot} reads. */
export interface SnapshotInput {
  name: string;
  exchangeId: string;
  startedAt: number;
  now: number;
  phase: Phase;
  readiness: ReadinessFlags;
  /** Why a false flag is false, where known. @defaultValue none */
  readinessReasons?: StatusSnapshot['readinessReasons'];
  tasks: Record<string, TaskHealth>;
  state: StateStore;
  orderStats: OrderStats | null;
  session: ExchangeSession | null;
  restarts: number;
  /** The streams' metrics. @defaultValue [] */
  streams?: readonly StreamStats[];
}

/** A short human summary of a value: never the value itself (it may be large). */
export function summarize(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4);
  if (typeof value === 'string') return value.length > 40 ? `${value.slice(0, 37)}...` : value;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `${value.length} items`;
  if (typeof value === 'object') return `${Object.keys(value).length} keys`;
  return typeof value;
}

/** One attribute's freshness as the status API shows it; null for a hidden or unknown attribute. */
export function attributeStatus(state: StateStore, name: string): AttributeStatus | null {
  if (HIDDEN_ATTRIBUTES.has(name) || !state.has(name)) return null;
  const meta = state.meta(name);
  return {
    updatedAt: meta?.updatedAt ?? null,
    ageMs: state.ageMs(name),
    maxAgeMs: meta?.maxAgeMs ?? null,
    stale: state.isStale(name),
    source: meta?.source ?? null,
    summary: summarize(state.get(name)),
  };
}

/** Builds the status server's snapshot from the engine's parts. */
export function buildSnapshot(input: SnapshotInput): StatusSnapshot {
  const { state, now } = input;
  const attributes: Record<string, AttributeStatus> = {};
  for (const name of state.names()) {
    const status = attributeStatus(state, name);
    if (status) attributes[name] = status;
  }
  const tasks: StatusSnapshot['tasks'] = {};
  for (const [name, s] of Object.entries(input.tasks)) tasks[name] = toTaskStatus(s);
  const lastPrice = Object.entries(state.get<Record<string, number> | null>('last_price') ?? {});
  const prices = Object.fromEntries(lastPrice.slice(0, PRICES_SHOWN));
  const orderStats = input.orderStats;
  const budget = sessionBudget(input.session, now);
  const allUp = Object.values(tasks).every((t) => t.ok !== false);
  return {
    name: input.name,
    exchangeId: input.exchangeId,
    startedAt: input.startedAt,
    now,
    phase: input.phase,
    ready: input.phase === 'running' && Object.values(input.readiness).every(Boolean) && allUp,
    readiness: input.readiness,
    ...(input.readinessReasons && Object.keys(input.readinessReasons).length > 0 ? { readinessReasons: input.readinessReasons } : {}),
    tasks,
    attributes,
    orders: {
      pending: orderStats?.pending ?? 0,
      open: orderStats?.open ?? 0,
      recentlyClosed: orderStats?.recentlyClosed ?? 0,
      lost: orderStats?.lost ?? 0,
      failed: orderStats?.ended.failed ?? 0,
      rejected: orderStats?.ended.rejected ?? 0,
      submitted: orderStats?.sent ?? 0,
    },
    exchange: {
      restarting: input.session?.restarting ?? false,
      inFlight: input.session?.inFlight ?? 0,
      restarts: input.restarts,
      budget,
    },
    prices,
    pricesTotal: lastPrice.length,
    capital: {
      total: numberOrNull(state.get('total_capital')),
      free: numberOrNull(state.get('free_capital')),
    },
    streams: (input.streams ?? []).map((st) => streamStatus(st, now)),
  };
}

function streamStatus(st: StreamStats, now: number): StreamStatus {
  // Not up again until its recovery is told: a stream that answers each resubscription once
  // and stalls again is not up between its stalls.
  const up = st.phase === 'up' && st.fresh && st.held !== false;
  return {
    name: st.name,
    up,
    phase: st.phase,
    lastMessageAgeMs: st.lastMessageAt === null ? null : Math.max(0, now - st.lastMessageAt),
    lagMs: st.lagMs,
    maxLagMs: st.maxLagMs,
    messages: st.messages,
    reconnects: st.reconnects,
    stalls: st.stalls,
    stallAfterMs: st.stallAfterMs,
    // While not up, why: the stall or failure not yet recovered from (connected again, it may
    // not be proven, or not held for its limit yet).
    lastError: up ? null : st.lastError,
  };
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function sessionBudget(session: ExchangeSession | null, now: number): StatusSnapshot['exchange']['budget'] {
  const budget = budgetOf(session);
  if (!budget) return { capacity: 0, windowMs: 0, usedInWindow: 0, waiting: {}, pausedUntil: null };
  const stats = budget.stats();
  const waiting: Record<string, number> = {};
  for (const [priority, s] of Object.entries(stats.byPriority)) waiting[priority] = s.waiting;
  const pausedUntil = Math.max(stats.pausedUntil, stats.bannedUntil);
  return {
    capacity: stats.capacity,
    windowMs: stats.windowMs,
    usedInWindow: stats.used,
    waiting,
    pausedUntil: pausedUntil > now ? pausedUntil : null,
  };
}
