import type { Exchange } from 'ccxt';
import type { Clock } from '../core/clock.js';
import { coerceError, StoppedError } from '../core/errors.js';
import type { Redactor } from '../core/redact.js';
import { ControlRefusal, type RefusalStatus } from '../http/control-refusal.js';
import type { OperatorSource, OrderChanges, OrderListKind, OrderView, PositionView } from '../http/types.js';
import { AmendError } from '../orders/amend.js';
import type { CancelResult } from '../orders/cancel.js';
import { CancelFilterError } from '../orders/cancel-filter.js';
import { IntentError } from '../orders/intent.js';
import type { OrderJournal } from '../orders/journal.js';
import type { OrderManager } from '../orders/manager.js';
import type { Order } from '../orders/order.js';
import { OrderRefError } from '../orders/order-ref.js';
import { symbolRefusal, type SymbolContext } from '../orders/symbol-hint.js';
import { isFinalStatus } from '../orders/transitions.js';
import { boundedAnswer, controlAnswerMs } from './bounded-answer.js';
import { CapitalCurve } from './capital-curve.js';
import { nextCandleAt, OperatorReads } from './operator-reads.js';
import type { ExchangeSession } from '../exchange/types.js';
import type { StateStore } from '../state/state-store.js';
import { watchList } from '../tasks/attr.js';

/** What {@link createOperatorSource} reads from the updater; getters, because most parts exist only after start. */
export interface OperatorDeps {
  state: StateStore;
  clock: Clock;
  orders: () => OrderManager | null;
  journal: () => OrderJournal | null;
  exchange: () => Exchange | null;
  /** The session `exchange` belongs to: the operator's reads go at its budget's lowest priority. Absent: called on `exchange`. */
  session?: () => ExchangeSession | null;
  stop: (reason: string) => void;
  restartExchange: (reason: string) => Promise<void>;
  /**
   * How long a cancel or an amend is awaited before the request is answered 502 while the work
   * goes on. @defaultValue {@link controlAnswerMs} of the default exchange timeout (30 s)
   */
  answerMs?: number;
  /** State attributes never shown (the exchange object, the queue). */
  hidden: ReadonlySet<string>;
}

// What the order routes answer (503) until the order manager holds the journal's orders.
const NOT_STARTED = 'orders are not available yet: the updater is still starting';
/** Orders listed per kind. */
const LIST_LIMIT = 200;
// exchange.timeout_ms's default.
const DEFAULT_EXCHANGE_TIMEOUT_MS = 10_000;
const INTENT_FIELDS = ['symbol', 'side', 'amount', 'price', 'type', 'params', 'tag'];

/** The engine's side of the control API (see `OperatorSource` in src/http/types.ts). */
export function createOperatorSource(deps: OperatorDeps): OperatorSource & { close(): void } {
  const capital = new CapitalCurve(deps.state, deps.clock);
  const reads = new OperatorReads({ clock: deps.clock });
  const manager = (): OrderManager => {
    const m = deps.orders();
    if (!m) throw new ControlRefusal(NOT_STARTED, 503);
    return m;
  };
  const answerMs = deps.answerMs ?? controlAnswerMs(DEFAULT_EXCHANGE_TIMEOUT_MS);
  const bounded = <T>(what: string, call: () => Promise<T>): Promise<T> => boundedAnswer(deps.clock, answerMs, what, refusing(call));

  return {
    orders: (kind: OrderListKind) => listOrders(kind, deps),
    state: (keys) => {
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        if (deps.hidden.has(key) || !deps.state.has(key)) throw new ControlRefusal(`no state attribute named '${key}'`, 404, 'keys');
        out[key] = JSON.parse(JSON.stringify(deps.state.get(key) ?? null)) as unknown;
      }
      return out;
    },
    candles: async (symbol, timeframe, limit) => {
      const exchange = deps.exchange();
      if (!exchange) throw new ControlRefusal('the exchange is not connected yet', 503);
      // Read as POST and DELETE /api/orders read a symbol, with the same suggestion.
      const refused = symbolRefusalOf(exchange, symbol, { related: strategySymbols(deps) });
      if (refused !== null) throw new ControlRefusal(refused, 404, 'symbol');
      if (!exchange.markets?.[symbol]) throw new ControlRefusal('the markets are not loaded yet: ask again once the exchange is connected', 503);
      const timeframes = exchange.timeframes as Record<string, unknown> | undefined;
      if (timeframes && !(timeframe in timeframes)) {
        throw new ControlRefusal(`timeframe ${timeframe} is not offered; use one of ${Object.keys(timeframes).join(', ')}`, 400, 'timeframe');
      }
      // Served from memory, coalesced, last in the budget, or refused: never the strategy's calls' wait.
      const now = deps.clock.now();
      return reads.read(deps.session?.() ?? null, exchange, 'fetchOHLCV', [symbol, timeframe, undefined, limit], candleRows, nextCandleAt(exchange, timeframe, now));
    },
    positions: () => positionViews(deps.state.get('positions')),
    capital: () => capital.points(),
    placeOrder: (intent) => {
      // Judged by the markets once they are loaded: the symbol here, the amount and price by the
      // queue's own fit. Before that (the exchange still connecting) the order is taken and
      // judged when it is sent, a `rejected` order then, as for a strategy's push.
      const refused = symbolRefusalOf(deps.exchange(), intent['symbol'], { related: strategySymbols(deps) });
      if (refused !== null) throw new ControlRefusal(`${refused} Nothing was queued.`, 400, 'symbol');
      try {
        return orderView(manager().queue.pushOrRefuse(intent));
      } catch (error: unknown) {
        // The library's wording names an Updater; an operator over HTTP gets what it means for them.
        if (error instanceof StoppedError) throw new ControlRefusal('misso is stopping: no new orders are taken, and this one was not (nothing was written); send it again once misso runs', 503);
        if (!(error instanceof IntentError)) throw error;
        const field = error.field ?? INTENT_FIELDS.find((f) => new RegExp(`\\b${f}\\b`).test(error.message.split(': ').slice(1).join(': '))) ?? null;
        throw new ControlRefusal(error.message, 400, field);
      }
    },
    cancelOrder: async (clientOrderId) => orderView(cancelled(await bounded('cancel', () => manager().cancel(clientOrderId)))),
    cancelOrders: async (filter) => {
      // As for a new order: an exchange id is refused with the unified symbol to give (the
      // library's cancelAll would take it), so both routes read a symbol alike.
      const ours = unfinishedSymbols(deps);
      const refused = symbolRefusalOf(deps.exchange(), filter.symbol, { ours, related: strategySymbols(deps) });
      if (refused !== null) throw new ControlRefusal(`${refused} Nothing was cancelled.`, 400, 'symbol');
      const results = await bounded('cancel of these orders', () => manager().cancelAll(filter));
      return results.map((r) => ({ order: orderView(r.order), outcome: r.outcome, reason: r.reason }));
    },
    amendOrder: async (clientOrderId, changes: OrderChanges) => {
      // A change over a risk limit judged already is a 400 naming the field, with nothing journaled.
      const r = await bounded('amend', () => manager().amend(clientOrderId, changes, { refuseOverLimits: true }));
      if (!r.amended) throw new ControlRefusal(`not amended: ${r.reason ?? 'no reason given'}`, r.reason === 'stopped' ? 503 : 409);
      // An amend by cancel-then-replace answers with the replacement: the live order.
      return orderView(r.order);
    },
    stop: (reason) => deps.stop(reason),
    restartExchange: (reason) => deps.restartExchange(reason),
    close: () => capital.close(),
  };
}

/** Why `symbol` is refused ({@link symbolRefusal}); null for a symbol that is not a string (the body's checks say so) or with no exchange yet. */
function symbolRefusalOf(exchange: Exchange | null, symbol: unknown, context: SymbolContext): string | null {
  if (exchange === null || typeof symbol !== 'string') return null;
  return symbolRefusal(symbol, exchange, context);
}

/** The symbols of our unfinished orders. */
function unfinishedSymbols(deps: OperatorDeps): string[] {
  return deps.orders()?.orders.filter((o) => !o.isFinal).map((o) => o.symbol) ?? [];
}

/** The strategy's markets, whose kind a suggestion prefers: its watch list and its unfinished orders'. */
function strategySymbols(deps: OperatorDeps): string[] {
  return [...watchList(deps.state.has('watch_list') ? deps.state.get('watch_list') : null), ...unfinishedSymbols(deps)];
}

/**
 * Runs an order-manager call, turning what it rejects with into refusals: an unknown order is a
 * 404, impossible changes a 400, and anything else (the exchange unreachable, a crash) a 502
 * with its message, since the engine could not get an answer from the exchange.
 */
async function refusing<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error: unknown) {
    if (error instanceof ControlRefusal) throw error;
    // The updater is stopping (or stopped): nothing was asked of the exchange.
    if (error instanceof StoppedError) throw new ControlRefusal(error.message, 503);
    if (error instanceof OrderRefError) throw new ControlRefusal(error.message, 404, 'clientOrderId');
    if (error instanceof AmendError) throw new ControlRefusal(error.message, 400, error.field);
    if (error instanceof CancelFilterError) throw new ControlRefusal(error.message, 400, error.field);
    throw new ControlRefusal(`no answer from the exchange: ${coerceError(error).message}`, 502);
  }
}

/** A settled cancel that did not cancel becomes a refusal saying why. */
function cancelled(r: CancelResult): Order {
  switch (r.outcome) {
    case 'canceled':
    case 'unsent':
      return r.order;
    case 'final':
      return refuse(r.replacedBy === null ? `order ${r.order.clientOrderId} is already ${r.status}` : `order ${r.order.clientOrderId} is ${r.reason ?? r.status}`, 409);
    case 'aborted':
      return refuse(`not cancelled: the updater is stopping (${r.reason ?? 'stopped'}); the cancel resumes at the next start`, 503);
    case 'failed':
      return refuse(`the exchange refused the cancel: ${r.reason ?? 'no reason given'}`, 409);
  }
}

function refuse(message: string, status: RefusalStatus): never {
  throw new ControlRefusal(message, status);
}

function listOrders(kind: OrderListKind, deps: OperatorDeps): OrderView[] {
  const manager = deps.orders();
  const live = manager?.orders ?? [];
  if (kind === 'open') {
    // Before the manager holds the journal's orders an empty list would read as "none open", and
    // a client that re-places missing orders would place them twice: refused as the changes are.
    if (!manager) throw new ControlRefusal(NOT_STARTED, 503);
    return live.filter((o) => !isFinalStatus(o.status)).sort((a, b) => a.seq - b.seq).map(orderView);
  }
  // Finished orders leave memory after a while; the journal keeps them all.
  let all: Order[];
  try {
    all = deps.journal()?.all() ?? live;
  } catch {
    all = live;
  }
  const wanted = all.filter((o) =>
    kind === 'failed' ? o.status === 'failed' || o.status === 'rejected' || o.lost : isFinalStatus(o.status),
  );
  wanted.sort((a, b) => (b.closedAt ?? b.updatedAt) - (a.closedAt ?? a.updatedAt));
  return wanted.slice(0, LIST_LIMIT).map(orderView);
}

/** ccxt's OHLCV rows as plain numbers. */
function candleRows(raw: unknown): number[][] {
  return (raw as unknown[][]).map((r) => r.map((v) => Number(v)));
}

/** The plain view of an order. */
export function orderView(o: Order): OrderView {
  return {
    clientOrderId: o.clientOrderId,
    id: o.id,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    price: o.price,
    amount: o.amount,
    filled: o.filled,
    remaining: o.remaining,
    average: o.average,
    status: o.status,
    reason: o.reason ?? (o.lost ? 'lost: not found on the exchange' : null),
    tag: o.tag,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    closedAt: o.closedAt,
  };
}

function num(v: unknown): number | null {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/** `positions` as the tasks store it (`{symbol: ccxt position}`) → views. */
function positionViews(value: unknown): PositionView[] {
  if (value === null || typeof value !== 'object') return [];
  const out: PositionView[] = [];
  for (const [symbol, raw] of Object.entries(value as Record<string, unknown>)) {
    if (raw === null || typeof raw !== 'object') continue;
    const p = raw as Record<string, unknown>;
    const side = p['side'] === 'long' || p['side'] === 'short' ? p['side'] : null;
    out.push({
      symbol,
      side,
      size: Math.abs(num(p['contracts']) ?? 0),
      entryPrice: num(p['entryPrice']),
      markPrice: num(p['markPrice']),
      unrealizedPnl: num(p['unrealizedPnl']),
      notional: num(p['notional']),
      leverage: num(p['leverage']),
    });
  }
  return out.sort((a, b) => a.symbol.localeCompare(b.symbol));
}

/**
 * The operator source with every answer and refusal scrubbed of the config's secrets (an
 * exchange error echoing a signed URL in an order's reason, a state value holding a key).
 */
export function redactedOperator<T extends OperatorSource>(source: T, redactor: Redactor): T {
  const scrub = <R>(call: () => R): R => {
    try {
      const out = call();
      if (out instanceof Promise) {
        return out.then(
          (v: unknown) => redactor.value(v),
          (e: unknown) => {
            throw e instanceof Error ? redactor.error(e) : e;
          },
        ) as R;
      }
      return redactor.value(out);
    } catch (error: unknown) {
      throw error instanceof Error ? redactor.error(error) : error;
    }
  };
  return {
    ...source,
    orders: (kind) => scrub(() => source.orders(kind)),
    state: (keys) => scrub(() => source.state(keys)),
    candles: (symbol, timeframe, limit) => scrub(() => source.candles(symbol, timeframe, limit)),
    positions: () => scrub(() => source.positions()),
    placeOrder: (intent) => scrub(() => source.placeOrder(intent)),
    cancelOrder: (id) => scrub(() => source.cancelOrder(id)),
    cancelOrders: (filter) => scrub(() => source.cancelOrders(filter)),
    amendOrder: (id, changes) => scrub(() => source.amendOrder(id, changes)),
  };
}
