import { coerceError, StoppedError } from '../core/errors.js';
import { gate, type OrdersContext } from './context.js';
import type { Fill } from './fill-store.js';
import type { Order } from './order.js';
import { cleanSum } from './significant.js';

/** A loose view of a ccxt trade (from `fetchMyTrades` or `watchMyTrades`). */
export interface CcxtTradeLike {
  id?: string | undefined;
  order?: string | undefined;
  symbol?: string | undefined;
  side?: string | undefined;
  price?: number | undefined;
  amount?: number | undefined;
  timestamp?: number | undefined;
  takerOrMaker?: string | undefined;
  fee?: { cost?: number | undefined; currency?: string | undefined } | undefined;
  info?: unknown;
}

/** What {@link FillTracker.applyFill} did with a trade. */
export type ApplyFillResult = 'new' | 'duplicate' | 'unmatched' | 'invalid';

/** A finished order as the seed's `closed_trades` lists it. */
export interface ClosedTrade {
  clientOrderId: string;
  id: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  status: string;
  amount: number;
  filled: number;
  /** Average fill price. */
  average: number | null;
  /** Fees per currency. */
  fees: Record<string, number>;
  /** Sum of the fills' realised PnL where the exchange reports it, else null. */
  realizedPnl: number | null;
  closedAt: number | null;
}

const EPS = 1e-9;
const PAGE = 500;
/**
 * Whether an order's `filled` is ahead of the sum of its stored fills: by more than float noise,
 * which grows with the size (fills of 0.1 summed to 1e7 miss by more than 1e-9).
 */
export function owesFills(filled: number, stored: number): boolean {
  return filled > stored + Math.max(EPS, filled * 1e-9);
}

/** The longest span one `fetchMyTrades` answers from its `since` (Binance's `userTrades`: 7 days). */
const TRADES_WINDOW_MS = 7 * 24 * 3_600_000;

/** How long after its last change an order whose fills are not all stored is still looked up. */
const OWED_LOOKBACK_MS = 24 * 3_600_000;
/** Orders whose fills {@link FillTracker} keeps for their summaries. @internal */
export const RECENT_FILLS_MAX = 2048;
/** Index entries beyond twice the `closed_trades` list before the index is rebuilt. */
const CLOSED_INDEX_SLACK = 1024;

/**
 * Fills of our orders, one way in: {@link applyFill} takes a ccxt trade from any source (the
 * `fetchMyTrades` sync here, or a user stream) and stores it once per symbol and trade id. Keeps the
 * seed's `closed_trades` and positions derived from fills, cross-checked against the exchange.
 */
export class FillTracker {
  readonly #ctx: OrdersContext;
  /** `closed_trades`: finished orders with fills (same array for the manager's life). */
  readonly closedTrades: ClosedTrade[] = [];
  /** clientOrderId → its place in {@link closedTrades}, so a burst of fills is not a scan each. */
  readonly #closedAt = new Map<string, number>();
  /** Signed position per symbol (same object); the exchange's figure after each cross-check. */
  readonly positions: Record<string, number> = {};
  readonly #adjust = new Map<string, number>();
  /**
   * clientOrderId → the order's stored fills by trade id, for orders summarised lately: a burst
   * announces each finished order several times (its fill, its status), and each summary would
   * otherwise read the order's fills from the journal again. A fill stored later joins its
   * order's entry when announced; an order not here (evicted, or from before this process) is
   * read from the journal once.
   */
  readonly #recentFills = new Map<string, Map<string, Fill>>();
  /** Trade-id clashes already said (symbol, trade id, the second order). */
  readonly #clashes = new Set<string>();

  constructor(ctx: OrdersContext) {
    this.#ctx = ctx;
    ctx.events.on('order', (order) => {
      this.summarise(order);
    });
    for (const [symbol, net] of ctx.journal.fills.netBySymbol()) if (net !== 0) this.positions[symbol] = net;
  }

  /**
   * The one entry point for fills. Matches the trade to our order by exchange order id; stores
   * it unless its symbol's trade id is known; advances the order's `filled` if the fills say more. The
   * fill and that advance are one journal transaction through the health guard: when the
   * journal cannot be written (a full disk) this throws `StorageWriteError` with nothing
   * stored, announced or changed in memory, the journal is reported unhealthy, and the same
   * trade is taken as new once writes work again.
   */
  applyFill(trade: CcxtTradeLike): ApplyFillResult {
    const { book, journal, events } = this.#ctx;
    // `?.`: a JavaScript caller's null or undefined is an invalid trade too, not a TypeError.
    if (!trade?.id || !trade.order || !isNum(trade.price) || !isNum(trade.amount)) return 'invalid';
    let order = book.find({ id: String(trade.order) });
    if (!order) {
      const stored = journal.getByExchangeId(String(trade.order));
      if (!stored) return 'unmatched';
      book.track(stored);
      order = stored;
    }
    const fill: Fill = {
      tradeId: String(trade.id),
      clientOrderId: order.clientOrderId,
      orderId: String(trade.order),
      symbol: order.symbol,
      side: trade.side === 'sell' ? 'sell' : trade.side === 'buy' ? 'buy' : order.side,
      price: trade.price,
      amount: trade.amount,
      fee: trade.fee && isNum(trade.fee.cost) ? { cost: trade.fee.cost, currency: trade.fee.currency ?? null } : null,
      takerOrMaker: trade.takerOrMaker === 'maker' || trade.takerOrMaker === 'taker' ? trade.takerOrMaker : null,
      realizedPnl: realizedPnlOf(trade.info),
      timestamp: trade.timestamp ?? this.#ctx.clock.now(),
    };
    const known = order;
    // The fill and the order's `filled` it advances are one state change: both stored or neither.
    const stored = book.atomically(() => {
      if (!journal.fills.insert(fill)) return false;
      book.announce(() => {
        // A copy: listeners get `fill` itself, and what they do to it must not reach the summary.
        this.#recentFills.get(fill.clientOrderId)?.set(fill.tradeId, { ...fill, fee: fill.fee && { ...fill.fee } });
        const signed = fill.side === 'buy' ? fill.amount : -fill.amount;
        const was = this.positions[fill.symbol] ?? 0;
        // Without the sum's binary noise: a position closed out is absent, not 5.55e-17.
        const now = cleanSum(was + signed, Math.max(Math.abs(was), Math.abs(signed)));
        if (now === 0) delete this.positions[fill.symbol];
        else this.positions[fill.symbol] = now;
        events.emit('fill', known, fill);
      });
      const total = journal.fills.filledOf(known.clientOrderId);
      if (total > known.filled + EPS) book.apply(known, { filled: total }, 'fill');
      // Inside a caller's larger transaction (a streamed delivery) the summary waits for it too.
      book.announce(() => this.summarise(known));
      return true;
    }, [order]);
    if (!stored) this.#checkOwner(fill);
    return stored ? 'new' : 'duplicate';
  }

  /**
   * A trade id already stored for another order: the exchange numbered two trades alike (a venue
   * reset, a bug). The first is kept (its row is the key); the clash is said, not swallowed.
   */
  #checkOwner(fill: Fill): void {
    const owner = this.#ctx.journal.fills.ownerOf(fill.symbol, fill.tradeId);
    if (owner === null || owner === fill.clientOrderId) return;
    // Said once: every REST reconcile reads the same trades again.
    const clash = `${fill.symbol}|${fill.tradeId}|${fill.clientOrderId}`;
    if (this.#clashes.has(clash)) return;
    this.#clashes.add(clash);
    if (this.#clashes.size > 1000) this.#clashes.delete(this.#clashes.values().next().value!);
    const text = `trade ${fill.tradeId} of ${fill.symbol} reported for order ${fill.clientOrderId} is already stored for order ${owner}: kept the first; the exchange reused a trade id, check its fills`;
    this.#ctx.logger.error({ tradeId: fill.tradeId, symbol: fill.symbol, order: fill.clientOrderId, storedFor: owner }, 'trade id already stored for another order');
    this.#ctx.notify(text, 'error');
  }

  /** The stored fills of an order, oldest first. */
  fillsOf(order: Order | string): Fill[] {
    return this.#ctx.journal.fills.of(typeof order === 'string' ? order : order.clientOrderId);
  }

  /**
   * Fetches the trades of every order whose `filled` is ahead of its stored fills, per symbol
   * from the oldest such order on, and applies them. Returns the number of new fills.
   */
  async sync(signal?: AbortSignal): Promise<number> {
    const { book, journal, session, logger } = this.#ctx;
    const since = new Map<string, number>();
    const owed = (symbol: string, sentAt: number): void => {
      since.set(symbol, Math.min(since.get(symbol) ?? sentAt - 1000, sentAt - 1000));
    };
    for (const o of book.all()) {
      if (o.id === null || !owesFills(o.filled, journal.fills.filledOf(o.clientOrderId))) continue;
      owed(o.symbol, o.openedAt ?? o.submittedAt ?? o.createdAt);
    }
    // And those that left memory before their fills were read: a finished order the strategy
    // marked processed at once (a market order filled in its createOrder answer has no trade in
    // it), or one a reconciliation at start found filled.
    for (const o of journal.fills.ordersAhead(this.#ctx.clock.now() - OWED_LOOKBACK_MS)) owed(o.symbol, o.from);
    let added = 0;
    for (const [symbol, from] of since) {
      let cursor = from;
      for (let page = 0; page < 20; page++) {
        if (!(await gate(this.#ctx, signal))) return added;
        let trades: CcxtTradeLike[];
        try {
          trades = (await session.exchange.fetchMyTrades(symbol, cursor, PAGE)) as CcxtTradeLike[];
        } catch (error: unknown) {
          // Refused because the engine stops (its rate budget closed): nothing failed, and no pass follows.
          if (error instanceof StoppedError) {
            logger.debug({ symbol, err: error.message }, 'fetchMyTrades not sent: stopping');
            return added;
          }
          logger.warn({ symbol, err: coerceError(error).message }, 'fetchMyTrades failed; fills sync again next pass');
          break;
        }
        for (const t of trades) if (this.applyFill(t) === 'new') added++;
        const last = trades.at(-1)?.timestamp;
        if (trades.length >= PAGE && last !== undefined && last > cursor) {
          cursor = last;
          continue;
        }
        // A short page ends the read, unless the exchange answered only a window from `since`
        // (Binance: 7 days) and now is past it: an order owed fills since last month must not
        // hide this week's trades of its symbol.
        const now = this.#ctx.clock.now();
        if (cursor + TRADES_WINDOW_MS >= now) break;
        cursor = Math.max(cursor + TRADES_WINDOW_MS - 1000, last ?? cursor);
      }
    }
    return added;
  }

  /**
   * Compares the positions derived from fills with the exchange's. A difference beyond the
   * market's lot size is notified and the exchange's figure wins (kept as an adjustment).
   * Returns the symbols that disagreed.
   */
  async checkPositions(signal?: AbortSignal): Promise<string[]> {
    const { session, notify, logger } = this.#ctx;
    if (!(await gate(this.#ctx, signal))) return [];
    const before = this.#ctx.journal.fills.netBySymbol();
    const raw = (await session.exchange.fetchPositions()) as { symbol?: string; contracts?: number; side?: string }[];
    const exchange = new Map<string, number>();
    for (const p of raw) {
      if (!p.symbol || !isNum(p.contracts)) continue;
      exchange.set(p.symbol, p.side === 'short' ? -p.contracts : p.contracts);
    }
    const derived = this.#ctx.journal.fills.netBySymbol();
    const mismatched: string[] = [];
    for (const symbol of new Set([...derived.keys(), ...exchange.keys(), ...Object.keys(this.positions)])) {
      // Fills stored while the answer was on its way (the user stream): it may predate them, so it
      // neither judges this symbol nor replaces the running figure that has them; the next pass does.
      if (Math.abs((derived.get(symbol) ?? 0) - (before.get(symbol) ?? 0)) > EPS) continue;
      const truth = exchange.get(symbol) ?? 0;
      const lot = lotSize(session.exchange, symbol);
      // The fills alone explain the exchange's figure: an adjustment made when they lagged behind
      // it (fills the exchange had and the journal had not yet) is dropped, not carried on.
      if (Math.abs((derived.get(symbol) ?? 0) - truth) <= lot + EPS) this.#adjust.delete(symbol);
      const fromFills = (derived.get(symbol) ?? 0) + (this.#adjust.get(symbol) ?? 0);
      if (Math.abs(fromFills - truth) > lot + EPS) {
        mismatched.push(symbol);
        logger.warn({ symbol, fromFills, exchange: truth }, 'position from fills disagrees with the exchange');
        notify(`position ${symbol}: fills say ${fromFills}, the exchange says ${truth}; using the exchange's figure`, 'warn');
        this.#adjust.set(symbol, truth - (derived.get(symbol) ?? 0));
      }
      if (Math.abs(truth) > EPS) this.positions[symbol] = truth;
      else delete this.positions[symbol];
    }
    return mismatched;
  }

  /** Adds (or refreshes) the `closed_trades` entry of a finished order with fills. */
  summarise(order: Order): void {
    if (!order.isFinal || order.filled <= EPS) return;
    const fills = this.#fillsToSummarise(order.clientOrderId);
    const fees: Record<string, number> = {};
    let pnl: number | null = null;
    let cost = 0;
    let qty = 0;
    for (const f of fills) {
      cost += f.price * f.amount;
      qty += f.amount;
      if (f.fee) fees[f.fee.currency ?? '?'] = (fees[f.fee.currency ?? '?'] ?? 0) + f.fee.cost;
      if (f.realizedPnl !== null) pnl = (pnl ?? 0) + f.realizedPnl;
    }
    if (fills.length === 0 && order.fee) fees[order.fee.currency ?? '?'] = order.fee.cost;
    const summary: ClosedTrade = {
      clientOrderId: order.clientOrderId,
      id: order.id,
      symbol: order.symbol,
      side: order.side,
      status: order.status,
      amount: order.amount,
      filled: order.filled,
      average: qty > EPS ? cost / qty : order.average,
      fees,
      realizedPnl: pnl,
      closedAt: order.closedAt,
    };
    const id = order.clientOrderId;
    let i = this.#closedAt.get(id) ?? -1;
    // The strategy may have taken entries out of the array (it is its `closed_trades`): look again.
    if (i >= 0 && this.closedTrades[i]?.clientOrderId !== id) i = this.closedTrades.findIndex((t) => t.clientOrderId === id);
    if (i < 0) i = this.closedTrades.push(summary) - 1;
    else this.closedTrades[i] = summary;
    this.#closedAt.set(id, i);
    // A strategy that empties the list as it handles it leaves the index the places of entries
    // that are gone: rebuilt from the list once it is twice as long (amortised, one pass per
    // list's worth of new orders), so the index is bounded by the list, not by the process's life.
    if (this.#closedAt.size > 2 * this.closedTrades.length + CLOSED_INDEX_SLACK) this.#indexClosed();
  }

  /** Entries in the `closed_trades` index. @internal for tests */
  get closedIndexSize(): number {
    return this.#closedAt.size;
  }

  #indexClosed(): void {
    this.#closedAt.clear();
    // The first entry of an order listed twice, the one the scan in `summarise` finds.
    this.closedTrades.forEach((t, i) => {
      if (!this.#closedAt.has(t.clientOrderId)) this.#closedAt.set(t.clientOrderId, i);
    });
  }

  /** The order's stored fills, oldest first: from {@link #recentFills}, else from the journal. */
  #fillsToSummarise(clientOrderId: string): Fill[] {
    let byTrade = this.#recentFills.get(clientOrderId);
    if (!byTrade) {
      byTrade = new Map(this.fillsOf(clientOrderId).map((f) => [f.tradeId, f] as const));
      if (this.#recentFills.size >= RECENT_FILLS_MAX) this.#recentFills.delete(this.#recentFills.keys().next().value!);
      this.#recentFills.set(clientOrderId, byTrade);
      return [...byTrade.values()];
    }
    // The journal's order (time, then trade id), so sums add up in the same order either way.
    return [...byTrade.values()].sort((a, b) => a.timestamp - b.timestamp || (a.tradeId < b.tradeId ? -1 : a.tradeId > b.tradeId ? 1 : 0));
  }
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function realizedPnlOf(info: unknown): number | null {
  if (typeof info !== 'object' || info === null) return null;
  const v = (info as Record<string, unknown>)['realizedPnl'];
  const n = typeof v === 'string' ? Number(v) : v;
  return isNum(n) ? n : null;
}

function lotSize(exchange: { market(symbol: string): { precision?: { amount?: number | undefined } } }, symbol: string): number {
  try {
    return exchange.market(symbol).precision?.amount ?? 0;
  } catch {
    return 0;
  }
}
