import type { Exchange } from 'ccxt';
import { exchangeConfig } from '../../src/config/defaults.js';
import { SystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createExchange } from '../../src/exchange/factory.js';
import { MarketFeedThread } from '../../src/streams/market-feed.js';
import type { SimServer } from '../../src/sim/http/binance-server.js';

/**
 * A market-data thread for binanceusdm against `srv`, with the markets of `main`, an engine-side
 * ccxt instance of the same exchange (close both). `delayMarketsMs` holds the markets back that
 * long; `served` settles once they were handed over (the thread is constructed within that turn).
 */
export async function feedOnServer(
  srv: SimServer,
  options: { dropAnswerMs?: number; delayMarketsMs?: number } = {},
): Promise<{ feed: MarketFeedThread; main: Exchange; served: Promise<void> }> {
  const cfg = exchangeConfig({ id: 'binanceusdm', urls: { api: srv.url }, options: { fetchCurrencies: false } });
  const main = await createExchange(cfg, { clock: new SystemClock(), logger: silentLogger() });
  let serve = (): void => undefined;
  const served = new Promise<void>((resolve) => (serve = resolve));
  const feed = new MarketFeedThread({
    exchange: cfg,
    markets: async () => {
      await main.loadMarkets();
      if (options.delayMarketsMs) await new Promise((resolve) => setTimeout(resolve, options.delayMarketsMs));
      serve();
      return { markets: main.markets, currencies: main.currencies };
    },
    logger: silentLogger(),
    ...(options.dropAnswerMs === undefined ? {} : { dropAnswerMs: options.dropAnswerMs }),
  });
  return { feed, main, served };
}
