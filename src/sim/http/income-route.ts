import type { SimVenue } from '../venue.js';
import { dec } from './binance-format.js';
import { callVenue, intParam, optionalIntParam, type Route } from './binance-routes.js';
import { perpetualById } from './binance-account-routes.js';
import { historyPage } from '../history-page.js';

/** The wallet's currency, as `ACCOUNT_UPDATE` and the balance routes name it. */
const ASSET = 'USD';
const USD_DECIMALS = 8;
const WEEK_MS = 7 * 86_400_000;

/** One income row before formatting. */
interface IncomeRow {
  type: 'FUNDING_FEE' | 'INSURANCE_CLEAR';
  symbol: string;
  time: number;
  income: number;
  tranId: string;
}

/**
 * `GET /fapi/v1/income[?symbol=S&incomeType=T&startTime&endTime&limit]` (signed; ccxt's
 * `fetchFundingHistory`): the account's income history. The venue's incomes outside fills are
 * funding (the `funding` knob, see `funding-charges.ts`), `FUNDING_FEE` rows, and a liquidation's
 * clearance fee (see `liquidation.ts`), `INSURANCE_CLEAR` rows; another `incomeType` answers `[]`.
 * As on Binance: oldest first, `limit` 100 by default (at most 1000); a `startTime` keeps the
 * first `limit` from it, otherwise the latest `limit` up to `endTime`, and with neither time the
 * last 7 days.
 */
export function incomeRoutes(venue: SimVenue): Map<string, Route> {
  const key = 'GET /fapi/v1/income';
  const handle: Route['handle'] = (r) =>
    callVenue(() => {
      const { params } = r;
      const id = params.get('symbol');
      const type = params.get('incomeType');
      const symbol = id !== null && id !== '' ? perpetualById(venue, id).symbol : undefined;
      const startTime = optionalIntParam(params, 'startTime');
      const endTime = optionalIntParam(params, 'endTime');
      const limit = intParam(params, 'limit', 100, 1, 1000);
      const wants = (t: IncomeRow['type']): boolean => type === null || type === '' || type === t;
      const rows: IncomeRow[] = [];
      if (wants('FUNDING_FEE')) {
        const all = venue.funding.fees({ limit: Infinity, ...(symbol === undefined ? {} : { symbol }), ...(startTime === undefined ? {} : { startTime }), ...(endTime === undefined ? {} : { endTime }) });
        rows.push(...all.map((f) => ({ type: 'FUNDING_FEE' as const, symbol: f.symbol, time: f.time, income: f.income, tranId: f.tranId })));
      }
      if (wants('INSURANCE_CLEAR')) {
        const from = startTime ?? (endTime === undefined ? venue.now() - WEEK_MS : -Infinity);
        const cleared = venue.liquidations.clearanceIncome().filter((c) => (symbol === undefined || c.symbol === symbol) && c.time >= from && c.time <= (endTime ?? Infinity));
        rows.push(...cleared.map((c) => ({ type: 'INSURANCE_CLEAR' as const, ...c })));
      }
      rows.sort((a, b) => a.time - b.time);
      const page = historyPage(rows, startTime !== undefined, limit);
      return page.map((row) => formatIncome(venue, row));
    }, key);
  return new Map<string, Route>([[key, { signed: true, handle }]]);
}

/** One income row, as Binance sends it (amounts as strings, times as numbers, `tradeId` empty). */
function formatIncome(venue: SimVenue, row: IncomeRow): Record<string, unknown> {
  return { symbol: venue.market(row.symbol).id, incomeType: row.type, income: dec(row.income, USD_DECIMALS), asset: ASSET, time: row.time, info: row.type, tranId: row.tranId, tradeId: '' };
}
