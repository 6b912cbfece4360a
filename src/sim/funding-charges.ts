import type { Account } from './account.js';
import { hashNormal } from './prng.js';
import { STEP_MS, type PricePath } from './price-path.js';
import type { VenueFeed } from './venue-feed.js';
import type { SimMarket } from './venue-types.js';
import { historyPage } from './history-page.js';

/** Binance USD-M's funding interval (00:00, 08:00 and 16:00 UTC). */
export const FUNDING_INTERVAL_MS = 8 * 3_600_000;
/** Binance's base funding rate per 8-hour interval (its interest part): +0.01%. */
export const FUNDING_BASE_RATE = 0.0001;
/** Binance's cap on a USD-M funding rate, either way: ±0.3%. */
export const FUNDING_RATE_CAP = 0.003;
/** Spread of the drawn premium (a standard normal scaled by it). */
const PREMIUM_SCALE = 0.0005;
/** Key of the funding draws in the venue seed's hash, apart from the price path's. */
const FUNDING_KEY = 0xf0d1;
const STEPS_PER_FUNDING = FUNDING_INTERVAL_MS / STEP_MS;
const WEEK_MS = 7 * 86_400_000;

/**
 * The funding rate a perpetual pays at funding time `timeMs`: the base plus a premium drawn from
 * the seed, the market's index and the time, capped at ±0.3% and rounded to Binance's 8
 * decimals (so the rate charged is exactly the one reported). Positive: longs pay shorts.
 */
export function fundingRateAt(seed: number, marketIndex: number, timeMs: number): number {
  const premium = PREMIUM_SCALE * hashNormal(seed, FUNDING_KEY, marketIndex, Math.floor(timeMs / FUNDING_INTERVAL_MS), 0);
  const rate = Math.min(FUNDING_RATE_CAP, Math.max(-FUNDING_RATE_CAP, FUNDING_BASE_RATE + premium));
  return Math.round(rate * 1e8) / 1e8 || 0;
}

/** One funding fee the account paid (negative `income`) or received, as Binance's income history lists it. */
export interface SimFundingFee {
  symbol: string;
  /** The funding time, an 8-hour boundary. */
  time: number;
  rate: number;
  /** The market's price at `time`: the close of the last price step before it. */
  markPrice: number;
  /** The position charged: positive long, negative short. */
  contracts: number;
  /** The wallet change in USD: −contracts × markPrice × rate. */
  income: number;
  /** Unique per fee: the funding time plus the market's index. */
  tranId: string;
}

/** Which fees {@link FundingLedger.fees} returns, as Binance's `GET /fapi/v1/income` chooses them. */
export interface FundingFeeQuery {
  symbol?: string;
  /** The first `limit` fees at or after this time. */
  startTime?: number;
  /** No fee after this time. Without `startTime` and `endTime`: the last 7 days. */
  endTime?: number;
  limit: number;
}

/** The venue's parts funding reads and moves. */
export interface FundingParts {
  seed: number;
  /** The `funding` knob: off, every rate is 0 and nothing is charged. */
  enabled: boolean;
  path: PricePath;
  account: Account;
  bySymbol: ReadonlyMap<string, SimMarket>;
  index: ReadonlyMap<string, number>;
  feed: VenueFeed;
  now: () => number;
  /** Walks the venue up to now (funding included) before an answer. */
  sync: () => void;
}

/**
 * Funding of the venue's perpetuals: the seeded rate of each funding time ({@link fundingRateAt},
 * 0 with the knob off), and, as the venue walks its price steps past a funding time (after the
 * matching of the step that ends there, before its liquidation check), the fee of every open
 * position, applied to the wallet and pushed as a `FUNDING_FEE` wallet event.
 */
export class FundingLedger {
  readonly #parts: FundingParts;
  readonly #fees: SimFundingFee[] = [];

  constructor(parts: FundingParts) {
    this.#parts = parts;
  }

  /** Whether funding is charged (the `funding` knob). */
  get enabled(): boolean {
    return this.#parts.enabled;
  }

  /** The rate of `symbol` at funding time `timeMs` (0 with funding off). */
  rate(symbol: string, timeMs: number): number {
    const index = this.#parts.index.get(symbol);
    if (!this.#parts.enabled || index === undefined || this.#parts.bySymbol.get(symbol)?.type !== 'swap') return 0;
    return fundingRateAt(this.#parts.seed, index, timeMs);
  }

  /** Charges the funding due at the end of step `step`, if that is a funding time (after the step's matching). */
  settleStep(step: number): void {
    if (this.#parts.enabled && (step + 1) % STEPS_PER_FUNDING === 0) this.#charge(step + 1);
  }

  /** The first step at or after `from` that ends at a funding time; Infinity with funding off. */
  nextChargeStep(from: number): number {
    if (!this.#parts.enabled) return Infinity;
    return Math.ceil((from + 1) / STEPS_PER_FUNDING) * STEPS_PER_FUNDING - 1;
  }

  /**
   * The fees charged so far, oldest first: those of `symbol` (or all) in the window, the first
   * `limit` from `startTime` when given, else the latest `limit`.
   */
  fees(query: FundingFeeQuery): SimFundingFee[] {
    this.#parts.sync();
    const { startTime, endTime, limit } = query;
    const from = startTime ?? (endTime === undefined ? this.#parts.now() - WEEK_MS : -Infinity);
    const chosen = this.#fees.filter((f) => (query.symbol === undefined || f.symbol === query.symbol) && f.time >= from && f.time <= (endTime ?? Infinity));
    return historyPage(chosen, startTime !== undefined, limit).map((f) => ({ ...f }));
  }

  /** Charges every open position the funding at the end of step `step - 1`. */
  #charge(step: number): void {
    const { account, bySymbol, index, path, feed } = this.#parts;
    const time = step * STEP_MS;
    const markOf = (symbol: string): number => path.closeOfStep(index.get(symbol)!, step - 1);
    for (const p of account.positions(bySymbol, markOf, time)) {
      const rate = this.rate(p.symbol, time);
      const contracts = p.side === 'long' ? p.contracts : -p.contracts;
      const income = -contracts * p.markPrice * rate;
      if (income === 0) continue;
      account.adjustWallet(income);
      const tranId = String(time + index.get(p.symbol)!);
      this.#fees.push({ symbol: p.symbol, time, rate, markPrice: p.markPrice, contracts, income, tranId });
      feed.emitWallet({ reason: 'FUNDING_FEE', delta: income, wallet: account.wallet, at: time });
    }
  }
}
