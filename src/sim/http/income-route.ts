import type { SimFundingFee } from '../funding-charges.js';
import type { SimVenue } from '../venue.js';
import { dec } from './binance-format.js';
import { callVenue, intParam, optionalIntParam, type Route } from './binance-routes.js';
import { perpetualById } from './binance-account-routes.js';

/** The wallet's currency, as `ACCOUNT_UPDATE` and the balance routes name it. */
const ASSET = 'USD';
const USD_DECIMALS = 8;

/**
 * `GET /fapi/v1/income[?symbol=S&incomeType=T&startTime&endTime&limit]` (signed; ccxt's
 * `fetchFundingHistory`): the account's income history. The venue's only income outside fills is
 * funding (the `funding` knob, see `funding-charges.ts`), so its rows are `FUNDING_FEE`s, and an
 * `incomeType` other than that answers `[]`. As on Binance: oldest first, `limit` 100 by default
 * (at most 1000); a `startTime` keeps the first `limit` from it, otherwise the latest `limit` up
 * to `endTime`, and with neither time the last 7 days.
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
      const query = {
        limit: intParam(params, 'limit', 100, 1, 1000),
        ...(symbol === undefined ? {} : { symbol }),
        ...(startTime === undefined ? {} : { startTime }),
        ...(endTime === undefined ? {} : { endTime }),
      };
      if (type !== null && type !== '' && type !== 'FUNDING_FEE') return [];
      return venue.funding.fees(query).map((f) => formatIncome(venue, f));
    }, key);
  return new Map<string, Route>([[key, { signed: true, handle }]]);
}

/** One income row, as Binance sends it (amounts as strings, times as numbers, `tradeId` empty for funding). */
function formatIncome(venue: SimVenue, f: SimFundingFee): Record<string, unknown> {
  return { symbol: venue.market(f.symbol).id, incomeType: 'FUNDING_FEE', income: dec(f.income, USD_DECIMALS), asset: ASSET, time: f.time, info: 'FUNDING_FEE', tranId: f.tranId, tradeId: '' };
}
