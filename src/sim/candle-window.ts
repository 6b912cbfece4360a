import { STEP_MS, type PricePath } from './price-path.js';
import { SimError } from './sim-error.js';
import { listingTime } from './universe.js';
import { SIM_MAX_CANDLE_LIMIT, SIM_TIMEFRAMES, isSimTimeframe, type SimCandle } from './venue-types.js';

const DEFAULT_CANDLE_LIMIT = 500;

/**
 * OHLCV rows of market number `m` at time `now`, oldest first, ending with the current unfinished
 * candle. With `since`, the candles opening at or after it; without, the latest ones. None opens
 * before the candle holding the market's listing (`listingTime`, `exchangeInfo`'s `onboardDate`),
 * as on Binance, where a `startTime` before it gives the first candles. `widen` folds into a row
 * the trades the path does not hold (the account's own fills, see `own-trade-minutes.ts`).
 * @param limit - @defaultValue 500, at most 1500
 */
export function candleRows(
  path: PricePath,
  m: number,
  timeframe: string,
  now: number,
  since?: number,
  limit?: number,
  widen: (row: SimCandle, timeframeMs: number) => SimCandle = (row) => row,
): SimCandle[] {
  if (!isSimTimeframe(timeframe)) {
    throw new SimError('bad_request', `timeframe ${timeframe} is not one of ${Object.keys(SIM_TIMEFRAMES).join(', ')}`);
  }
  const tf = SIM_TIMEFRAMES[timeframe];
  const count = limit ?? DEFAULT_CANDLE_LIMIT;
  if (!Number.isInteger(count) || count < 1 || count > SIM_MAX_CANDLE_LIMIT) {
    throw new SimError('bad_request', `limit must be an integer from 1 to ${SIM_MAX_CANDLE_LIMIT}, got ${limit}`);
  }
  if (since !== undefined && (typeof since !== 'number' || !Number.isFinite(since))) {
    throw new SimError('bad_request', `since must be a time in ms since the epoch, got ${String(since)}`);
  }
  const current = Math.floor(now / tf);
  const listed = Math.floor(listingTime(now) / tf);
  const first = Math.max(listed, since === undefined ? current - count + 1 : Math.ceil(since / tf));
  const last = Math.min(current, first + count - 1);
  const upto = Math.floor(now / STEP_MS);
  const rows: SimCandle[] = [];
  for (let i = first; i <= last; i++) {
    const b = i < current ? path.bar(m, tf, i) : path.partialBar(m, tf, i, upto);
    rows.push(widen([i * tf, b.open, b.high, b.low, b.close, b.volume], tf));
  }
  return rows;
}
