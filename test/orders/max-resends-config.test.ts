import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import type { Order } from '../../src/orders/order.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { localExample, REPO_ROOT, SIM_ENV } from '../adversarial/support/local-example.js';
import { tempJournals } from '../support/temp-journals.js';
import { until } from '../support/wait.js';

// `orders.max_resends` from the config reaches the resolver: every placement is refused with a
// 5xx before the venue applies it, so each send is proven absent once the (short) visibility
// window has passed, and the order is sent again exactly `max_resends` times before it fails.
const journals = tempJournals('misso-max-resends');
let server: SimServer;
beforeAll(async () => {
  server = await startSimServer({ port: 0, seed: 5, clock: new SystemClock() });
});
afterEach(() => journals.cleanup());
afterAll(() => server.close());

const placements = (): number => server.counters.snapshot().requests['POST /fapi/v1/order'] ?? 0;

describe('orders.max_resends', () => {
  for (const maxResends of [0, 2]) {
    it(`max_resends: ${maxResends} sends an order refused every time ${maxResends + 1} times, then fails it`, async () => {
      const config = localExample(server.url, journals.path(), 500);
      config.orders = { ...(config.orders as object), require_fresh_price: false, visibility_window_secs: 0.2, max_resends: maxResends };
      const updater = await Updater.fromConfig(config, { baseDir: REPO_ROOT, env: SIM_ENV, logger: silentLogger() });
      await updater.start();
      try {
        server.faults.set('5xx:path=order:method=POST');
        const before = placements();
        const symbol = 'BTC/USD:USD';
        const price = Number(updater.exchange.priceToPrecision(symbol, server.venue.ticker(symbol).last * 0.8));
        const amount = Number(updater.exchange.amountToPrecision(symbol, 0.01));
        const order: Order = updater.pendingOrders.push({ symbol, side: 'buy', amount, price });
        await until(() => order.status !== 'pending', 20_000, 'the order settled');
        expect(order.status).toBe('failed');
        expect(order.reason).toMatch(/never found on the exchange/);
        expect(placements() - before).toBe(maxResends + 1);
        expect(server.venue.listOrders().filter((o) => o.clientOrderId === order.clientOrderId)).toEqual([]);
      } finally {
        server.faults.set('none');
        await updater.stop();
      }
    }, 40_000);
  }
});
