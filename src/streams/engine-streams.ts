import type { Exchange } from 'ccxt';
import type { MissoConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { NotifyLevel } from '../core/notify-level.js';
import type { StateStore } from '../state/state-store.js';
import type { ExchangeSession } from '../exchange/types.js';
import type { OrderManager } from '../orders/manager.js';
import { MarketFeedThread } from './market-feed.js';
import { StreamManager } from './stream-manager.js';
import type { MarketStreamName } from './market-feed-protocol.js';

/** The streams the market-data thread carries. */
const MARKET_STREAMS: ReadonlySet<string> = new Set<MarketStreamName>(['tickers', 'candles']);

/** What the updater hands over to start streaming. */
export interface EngineStreamParts {
  config: MissoConfig;
  session: ExchangeSession;
  state: StateStore;
  orders: OrderManager;
  clock: Clock;
  logger: Logger;
  /** `condition`: see NotifyMessage (the stream notices' sides share one key per stream). */
  notify: (text: string, level: NotifyLevel, key?: string, condition?: string) => void;
  runTask: (name: string) => Promise<void>;
}

/**
 * The updater's stream manager for its config, or null when nothing streams. Watch calls go to
 * the session's current instance directly: they are not REST requests, so neither the restart
 * gate nor the rate budget applies.
 */
export function createEngineStreams(parts: EngineStreamParts): StreamManager | null {
  const session = parts.session as ExchangeSession & { instance?: Exchange };
  const instance = (): Exchange => session.instance ?? session.exchange;
  const cfg = parts.config.exchange;
  // Only a ccxt.pro class has websockets to move; the simulator's streams are in-process events.
  const threaded = (cfg.stream ?? 'auto') !== 'off' && (cfg.marketDataThread ?? 'worker') === 'worker' && session.exchange.has['ws'] === true;
  const marketFeed = threaded
    ? new MarketFeedThread({
      exchange: cfg,
      markets: async () => {
        const ex = instance();
        await ex.loadMarkets();
        return { markets: ex.markets, currencies: ex.currencies };
      },
      logger: parts.logger.child({ part: 'streams' }),
    })
    : null;
  let manager: StreamManager | null = null;
  // A rebuilt session reloaded its markets; the thread's copy would go stale (a market listed since unknown).
  // Market streams that are fresh (they rode out the outage that led to the rebuild, or there was none)
  // take the new markets in place; a thread whose streams are not is started anew, as the user streams are.
  if (marketFeed) {
    session.onReopen(async () => {
      const market = manager?.stats().filter((s) => MARKET_STREAMS.has(s.name)) ?? [];
      const healthy = market.length > 0 && market.every((s) => s.fresh);
      if (!(healthy && (await marketFeed.adoptMarkets()))) marketFeed.renew('exchange session rebuilt', true);
    });
  }
  manager = StreamManager.create({
    mode: parts.config.exchange.stream ?? 'auto',
    tasks: parts.config.tasks,
    exchange: session.exchange,
    instance,
    marketFeed,
    state: parts.state,
    orders: parts.orders,
    clock: parts.clock,
    logger: parts.logger.child({ part: 'streams' }),
    notify: parts.notify,
    runTask: parts.runTask,
  });
  // Streams backing off from the old session's failures try the new one at once.
  const made = manager;
  if (made) session.onReopen(async () => made.wake());
  return manager;
}
