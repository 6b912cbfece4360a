import type { Account } from './account.js';
import { LIQUIDATION_FEE_RATE, maintMarginRatio } from './margin-rules.js';
import type { NextFillId } from './matching.js';
import type { OrderStore } from './order-store.js';
import { STEP_MS, type PricePath } from './price-path.js';
import { cleanNumber } from './universe.js';
import type { VenueFeed } from './venue-feed.js';
import type { SimFill, SimMarket, SimOrder } from './venue-types.js';

/** Bars the safety scan tries, coarsest first. */
const SCAN_MS = [86_400_000, 14_400_000, 3_600_000, 900_000, 300_000, 60_000] as const;

/** The prefix of a liquidation order's client order id, as Binance's (`autoclose-…`). */
export const LIQUIDATION_CLIENT_ID_PREFIX = 'autoclose-';

/** One liquidation the venue made: when, the orders it closed the positions with, and the wallet's side of it. */
export interface SimLiquidation {
  /** The 10 s price step at whose close it happened (its time is the step's end). */
  step: number;
  at: number;
  /** Margin balance (wallet + unrealised PnL at the step's close) and maintenance margin that tripped it. */
  marginBalance: number;
  maintenanceMargin: number;
  /** Ids of the venue's closing orders, one per position. */
  orderIds: string[];
  /** Each closed position: its symbol, the closing order and the notional closed at the step's close. */
  closes: { symbol: string; orderId: string; notional: number }[];
  /** Ids of the account's open orders it expired. */
  expiredOrderIds: string[];
  /** The clearance fee taken (notional × 1.25 %, at most what was left). */
  clearanceFee: number;
  /** What the insurance fund paid to bring the wallet back to 0 (0 when it stayed at or above). */
  insuranceCover: number;
}

/** The venue's parts a liquidation reads and moves. */
export interface LiquidationParts {
  /** The `liquidation` knob: off, nothing is ever liquidated. */
  enabled: boolean;
  path: PricePath;
  orders: OrderStore;
  account: Account;
  bySymbol: ReadonlyMap<string, SimMarket>;
  index: ReadonlyMap<string, number>;
  feed: VenueFeed;
  fillId: NextFillId;
  /** Walks the venue up to now before an answer. */
  sync: () => void;
}

/**
 * Liquidation of the account, checked at the close of every 10 s price step while a position is
 * open: when the margin balance (wallet + unrealised PnL at the step's close) is at or below the
 * positions' maintenance margin (notional × `maintMarginRatio`), every open order expires (reason
 * liquidation), each position is closed by a venue order (`autoclose-…`, type `liquidation`)
 * filled whole at the step's close without fee, then a clearance fee of 1.25 % of the notional
 * closed (at most what is left) is taken, and a wallet left below 0 is brought back to 0 (the
 * insurance fund pays the rest), pushed as an `INSURANCE_CLEAR` wallet change.
 */
export class Liquidator {
  readonly #parts: LiquidationParts;
  readonly #done: SimLiquidation[] = [];

  constructor(parts: LiquidationParts) {
    this.#parts = parts;
  }

  /** Whether liquidation is on (the `liquidation` knob). */
  get enabled(): boolean {
    return this.#parts.enabled;
  }

  /** Every liquidation so far, oldest first (copies), after walking the venue up to now. */
  history(): SimLiquidation[] {
    this.#parts.sync();
    return this.#done.map((l) => ({ ...l, orderIds: [...l.orderIds], expiredOrderIds: [...l.expiredOrderIds], closes: l.closes.map((c) => ({ ...c })) }));
  }

  /**
   * The clearance fees as Binance's income history lists them (`INSURANCE_CLEAR`), oldest first:
   * one row per position closed, its share of the fee by notional (negative: paid), the closing
   * order's id as `tranId`. What the insurance fund covered is no income of the account's.
   */
  clearanceIncome(): { symbol: string; time: number; income: number; tranId: string }[] {
    return this.history().flatMap((l) => {
      const total = l.closes.reduce((s, c) => s + c.notional, 0);
      if (l.clearanceFee === 0 || total === 0) return [];
      return l.closes.map((c) => ({ symbol: c.symbol, time: l.at, income: -(l.clearanceFee * c.notional) / total, tranId: c.orderId }));
    });
  }

  /**
   * The first step in `[from, upto)` whose close may be at or below maintenance, skipping whole
   * bars (from a day down to a minute) whose worst prices (a long's low, a short's high) keep the
   * margin balance above it: a position held for days is checked in a few dozen bars, not a
   * step at a time. The positions and the wallet must not change before `upto` (no open order,
   * no funding time: the caller stops the range at the next one). `upto` when off.
   */
  nextDueStep(from: number, upto: number): number {
    if (!this.#parts.enabled || !this.#parts.account.hasPositions) return upto;
    let step = from;
    while (step < upto) {
      const next = this.#pastSafeBar(step, upto);
      if (next === step) return step;
      step = next;
    }
    return upto;
  }

  /** Checks the close of step `step` and liquidates if due; true when it did. */
  check(step: number): boolean {
    const { enabled, account, path, index } = this.#parts;
    if (!enabled || !account.hasPositions) return false;
    const at = (step + 1) * STEP_MS;
    const markOf = (symbol: string): number => path.closeOfStep(index.get(symbol)!, step);
    const positions = account.positions(this.#parts.bySymbol, markOf, at);
    const marginBalance = account.wallet + positions.reduce((s, p) => s + p.unrealizedPnl, 0);
    const maintenanceMargin = positions.reduce((s, p) => s + p.maintenanceMargin, 0);
    if (positions.length === 0 || marginBalance > maintenanceMargin) return false;
    this.#liquidate(step, at, marginBalance, maintenanceMargin, markOf);
    return true;
  }

  #liquidate(step: number, at: number, marginBalance: number, maintenanceMargin: number, markOf: (symbol: string) => number): void {
    const { orders, account, feed, bySymbol } = this.#parts;
    const expiredOrderIds: string[] = [];
    for (const o of orders.open()) {
      o.expiredBy = 'liquidation';
      orders.settle(o, 'expired', at);
      expiredOrderIds.push(o.id);
    }
    const closes: SimLiquidation['closes'] = [];
    for (const [symbol, contracts] of account.holdings()) {
      const price = markOf(symbol);
      closes.push({ symbol, orderId: this.#close(bySymbol.get(symbol)!, contracts, price, at).id, notional: Math.abs(contracts) * price });
    }
    const notional = closes.reduce((s, c) => s + c.notional, 0);
    const orderIds = closes.map((c) => c.orderId);
    const clearanceFee = Math.min(notional * LIQUIDATION_FEE_RATE, Math.max(0, account.wallet));
    account.adjustWallet(-clearanceFee);
    const insuranceCover = Math.max(0, -account.wallet);
    account.adjustWallet(insuranceCover);
    // The fund's cover lands the wallet on 0 itself, not on the float tail of a sum.
    if (insuranceCover > 0 || Math.abs(account.wallet) < 1e-9) account.adjustWallet(-account.wallet);
    const delta = insuranceCover - clearanceFee;
    if (delta !== 0) feed.emitWallet({ reason: 'INSURANCE_CLEAR', delta, wallet: account.wallet, at });
    this.#done.push({ step, at, marginBalance, maintenanceMargin, orderIds, closes, expiredOrderIds, clearanceFee, insuranceCover });
  }

  /** Closes one position by a venue order filled whole at `price`, no fee; pushed as NEW then its fill. */
  #close(market: SimMarket, contracts: number, price: number, at: number): SimOrder {
    const { orders, account, feed, fillId } = this.#parts;
    const side = contracts > 0 ? 'sell' : 'buy';
    const amount = Math.abs(contracts);
    const order = orders.addNew(
      {
        clientOrderId: `${LIQUIDATION_CLIENT_ID_PREFIX}${orders.peekId()}`,
        symbol: market.symbol,
        side,
        type: 'liquidation',
        price,
        amount,
        reduceOnly: true,
        timeInForce: 'IOC',
        triggerPrice: undefined,
        triggerKind: undefined,
      },
      at,
    );
    const effect = account.applyFill(market, side, price, amount, 0);
    const fill: SimFill = { id: fillId(), orderId: order.id, symbol: market.symbol, side, price, amount, fee: 0, feeCurrency: 'USD', feeRate: 0, maker: false, realizedPnl: effect.realizedPnl, timestamp: at };
    order.fills.push(fill);
    Object.assign(order, { filled: amount, remaining: 0, average: price, cost: cleanNumber(price * amount), lastTradeTimestamp: at });
    feed.emit('TRADE', order, at, fill);
    orders.settle(order, 'closed', at);
    return order;
  }

  /**
   * The end of the coarsest bar holding `step` (ending by `upto`) whose worst prices keep the
   * margin balance above maintenance; `step` itself when not even a minute's does.
   */
  #pastSafeBar(step: number, upto: number): number {
    for (const ms of SCAN_MS) {
      const steps = ms / STEP_MS;
      const bar = Math.floor(step / steps);
      const end = (bar + 1) * steps;
      if (end > upto) continue;
      if (this.#worstCushion(ms, bar) > 0) return end;
    }
    return step;
  }

  /** Margin balance less maintenance margin with every position at its worst price of the bar. */
  #worstCushion(durationMs: number, barIndex: number): number {
    const { account, bySymbol, index, path } = this.#parts;
    let cushion = account.wallet;
    for (const [symbol, contracts, entry] of account.holdings()) {
      const bar = path.bar(index.get(symbol)!, durationMs, barIndex);
      const price = contracts > 0 ? bar.low : bar.high;
      const ratio = maintMarginRatio(bySymbol.get(symbol)!);
      cushion += contracts * (price - entry) - Math.abs(contracts) * price * ratio;
    }
    return cushion;
  }
}
