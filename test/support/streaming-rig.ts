import type { MissoConfigInput } from '../../src/config/schema.js';
import { afterEach } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import type { Notifier } from '../../src/notify/index.js';
import type { StreamStats } from '../../src/streams/stream-loop.js';
import { DEFAULT_SIM_API_KEY, DEFAULT_SIM_SECRET, startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';

/** The market the streaming tests trade. */
export const STREAM_SYMBOL = 'ETH/USD:USD';

/**
 * A `misso sim-server` (real time) and an Updater streaming from it through an unmodified
 * ccxt.pro binanceusdm, with every order task at `freq: 120`, so REST cannot hide what the streams
 * miss. `orders` and `exchange` extend the defaults. Not started.
 */
export async function streamingRig(options: { orders?: Record<string, unknown>; exchange?: Record<string, unknown>; logger?: Logger } = {}): Promise<{
  server: SimServer;
  updater: Updater;
  stream: (name: string) => StreamStats;
  close: () => Promise<void>;
}> {
  const server = await startSimServer({ port: 0, seed: 41, wsPushMs: 200, clock: new SystemClock() });
  const updater = await Updater.fromConfig(
    {
      exchange: {
        id: 'binanceusdm', apiKey: '${SIM_KEY}', secret: '${SIM_SECRET}', urls: { api: server.url },
        options: { fetchCurrencies: false }, stream: 'on', rate_budget: { capacity: 100 }, ...options.exchange,
      },
      class_attributes: { watch_list: [STREAM_SYMBOL], last_price: {} },
      orders: { require_fresh_price: false, ...options.orders },
      tasks: {
        t_update_tickers: { freq: 120 },
        t_execute_orders: {},
        t_update_open_orders: { freq: 120 },
        t_get_open_orders: { freq: 120 },
        t_update_fills: { freq: 120 },
      },
    },
    { env: { SIM_KEY: DEFAULT_SIM_API_KEY, SIM_SECRET: DEFAULT_SIM_SECRET }, clock: new SystemClock(), logger: options.logger ?? silentLogger(), storagePath: ':memory:' },
  );
  return {
    server,
    updater,
    stream: (name) => updater.streamStats().find((s) => s.name === name)!,
    close: async () => {
      await updater.stop();
      await server.close();
    },
  };
}

/**
 * An Updater on `server` (already started) through an unmodified ccxt.pro binanceusdm, with
 * `tasks` as given. `exchange` extends the exchange section (`stream: 'on'` by default).
 * Started unless `start: false`.
 */
export async function simServerUpdater(
  server: SimServer,
  options: { tasks: MissoConfigInput['tasks']; watchList?: string[]; exchange?: Record<string, unknown>; start?: boolean; notifier?: Notifier; logger?: Logger },
): Promise<Updater> {
  const updater = await Updater.fromConfig(
    {
      exchange: {
        id: 'binanceusdm', apiKey: '${SIM_KEY}', secret: '${SIM_SECRET}', urls: { api: server.url },
        options: { fetchCurrencies: false }, stream: 'on', ...options.exchange,
      },
      class_attributes: { watch_list: options.watchList ?? [STREAM_SYMBOL], last_price: {} },
      orders: { require_fresh_price: false },
      tasks: options.tasks,
    },
    {
      env: { SIM_KEY: DEFAULT_SIM_API_KEY, SIM_SECRET: DEFAULT_SIM_SECRET }, clock: new SystemClock(), logger: options.logger ?? silentLogger(), storagePath: ':memory:',
      ...(options.notifier ? { notifier: options.notifier } : {}),
    },
  );
  if (options.start !== false) await updater.start();
  return updater;
}

/**
 * The sim-server and Updater a test of the calling `describe` sets: both stopped (the updater
 * first) after each test.
 */
export function stoppedAfterEach(): { server: SimServer | undefined; updater: Updater | undefined } {
  const held: { server: SimServer | undefined; updater: Updater | undefined } = { server: undefined, updater: undefined };
  afterEach(async () => {
    await held.updater?.stop();
    await held.server?.close();
    held.updater = undefined;
    held.server = undefined;
  });
  return held;
}
