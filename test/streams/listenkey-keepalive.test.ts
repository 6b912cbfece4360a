/**
 * A failed listenKey keep-alive (PUT /fapi/v1/listenKey answered 5xx) through an unmodified
 * ccxt.pro binanceusdm: the user stream is re-dialled with a key from POST, filled by REST, and
 * keeps delivering; no process-ending rejection on the way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import { DEFAULT_SIM_API_KEY, DEFAULT_SIM_SECRET, startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { collectUnhandledRejections } from '../support/unhandled.js';
import { until } from '../support/wait.js';

const ETH = 'ETH/USD:USD';

describe('listenKey keep-alive failure', () => {
  let server: SimServer | undefined;
  let updater: Updater | undefined;
  afterEach(async () => {
    await updater?.stop();
    await server?.close();
    updater = undefined;
    server = undefined;
  });

  it('a failed keep-alive leads to a re-dial with a key from POST, and the user stream delivers again', async () => {
    const unhandled = collectUnhandledRejections();
    server = await startSimServer({ port: 0, seed: 43, wsPushMs: 100 });
    updater = await Updater.fromConfig(
      {
        exchange: {
          id: 'binanceusdm', apiKey: '${K}', secret: '${S}', urls: { api: server.url }, stream: 'on',
          // Keep-alives every 1.5 s instead of 20 min, so the failure comes within the test.
          options: { fetchCurrencies: false, listenKeyRefreshRate: 1500 },
        },
        class_attributes: { watch_list: [ETH] },
        orders: { require_fresh_price: false },
        tasks: { t_update_open_orders: { freq: 120 } },
      },
      { env: { K: DEFAULT_SIM_API_KEY, S: DEFAULT_SIM_SECRET }, clock: new SystemClock(), logger: silentLogger(), storagePath: ':memory:' },
    );
    await updater.start();
    const u = updater;
    const srv = server;
    await until(() => u.streamStats()[0]?.fresh === true, 5_000, 'orders stream fresh');
    const posts = (): number => srv.counters.snapshot().requests['POST /fapi/v1/listenKey'] ?? 0;
    const postsBefore = posts();
    srv.faults.set('5xx:calls=1:path=/fapi/v1/listenKey:method=PUT');
    await until(() => (srv.counters.snapshot().faults['5xx'] ?? 0) >= 1, 5_000, 'the keep-alive failed');
    await until(() => posts() > postsBefore, 5_000, 'a key asked for again');
    await until(() => u.streamStats()[0]?.fresh === true, 10_000, 'orders stream fresh again');
    expect(u.streamStats()[0]!.reconnects).toBeGreaterThan(0);
    const price = Number((srv.venue.ticker(ETH).last * 0.5).toFixed(2));
    const foreign = srv.venue.placeOrder({ symbol: ETH, side: 'buy', type: 'limit', price, amount: 0.1, clientOrderId: 'foreign-ka' });
    await until(() => u.orders.isOpenOrders[ETH]?.buys.some((o) => o.id === foreign.id) === true, 5_000, 'the foreign order by stream');
    // Exactly one private socket stays open: the failed key's is not left dangling beside the new one.
    expect(srv.ws.counters.open).toBeLessThanOrEqual(1);
    expect(unhandled).toEqual([]);
  }, 40_000);
});
