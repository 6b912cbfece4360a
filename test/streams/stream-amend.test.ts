/**
 * An amend made outside misso (another client, the venue itself) reaches the order book by the
 * user stream: `open_orders` and the journal show the new price and amount, and the strategy gets
 * an `order` event named like misso's own amend (`…:edited`). Once on the in-process sim in
 * virtual time, once through an unmodified ccxt.pro binanceusdm against misso sim-server, whose
 * ORDER_TRADE_UPDATE carries execution type AMENDMENT.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import type { Order } from '../../src/orders/order.js';
import { DEFAULT_SIM_API_KEY, DEFAULT_SIM_SECRET, startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import { simClient } from '../sim-server/fixtures/sim-client.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';
import { until } from '../support/wait.js';

const BTC = 'BTC/USD:USD';

function collectKinds(u: Updater): { kind: string; clientOrderId: string }[] {
  const kinds: { kind: string; clientOrderId: string }[] = [];
  u.orders.on('order', (order: Order, change) => kinds.push({ kind: change.kind, clientOrderId: order.clientOrderId }));
  return kinds;
}

describe('an amend made outside misso is learned from the user stream', () => {
  let updater: Updater | undefined;
  let server: SimServer | undefined;

  afterEach(async () => {
    await updater?.stop();
    await server?.close();
    updater = undefined;
    server = undefined;
  });

  it('in-process sim (virtual time): an amend on the venue shows in open_orders and the journal, without a REST read', async () => {
    const built = await virtualUpdater({
      exchange: { id: 'sim', seed: 12 },
      class_attributes: { watch_list: [BTC], last_price: {} },
      orders: { require_fresh_price: false },
      tasks: { t_execute_orders: {}, t_update_open_orders: { freq: 600 }, t_get_open_orders: { freq: 600 } },
    });
    updater = built.updater;
    const { clock } = built;
    const u = built.updater;
    await startVirtual(u, clock);
    await clock.advanceUntil(() => u.streamStats().some((s) => s.name === 'orders' && s.fresh), 30_000);
    const sim = (u.session as unknown as { instance: SimExchange }).instance;
    const venue = sim.getVenue();
    const last = venue.ticker(BTC).last;
    const price = Number(sim.priceToPrecision(BTC, last * 0.8));
    const amount = Number(sim.amountToPrecision(BTC, 20 / price));
    const kinds = collectKinds(u);
    const order = u.pendingOrders.push(['quote-1', amount, price, 'buy', BTC]);
    await clock.advanceUntil(() => order.status === 'open', 10_000, 10);
    await clock.advance(1_000);
    const reads = (): number => (sim.counters().calls['fetchOrder'] ?? 0) + (sim.counters().calls['fetchOpenOrders'] ?? 0);
    const readsBefore = reads();

    const newPrice = Number(sim.priceToPrecision(BTC, last * 0.7));
    const newAmount = Number(sim.amountToPrecision(BTC, amount * 3));
    venue.amendOrder({ id: order.id! }, { price: newPrice, amount: newAmount });
    await clock.advanceUntil(() => order.price === newPrice, 10_000, 10);

    expect(order).toMatchObject({ price: newPrice, amount: newAmount, remaining: newAmount, status: 'open' });
    expect(u.orders.openOrders[BTC]).toEqual([order]);
    expect(u.journal.get(order.clientOrderId)).toMatchObject({ price: newPrice, amount: newAmount, remaining: newAmount });
    expect(kinds).toContainEqual({ kind: 'ws:edited', clientOrderId: order.clientOrderId });
    expect(reads()).toBe(readsBefore);
  });

  it('sim-server + ccxt.pro binanceusdm: an editOrder by a separate raw ccxt client is learned from the AMENDMENT event', async () => {
    server = await startSimServer({ port: 0, seed: 41, wsPushMs: 100 });
    const s = server;
    updater = await Updater.fromConfig(
      {
        exchange: {
          id: 'binanceusdm',
          apiKey: '${SIM_KEY}',
          secret: '${SIM_SECRET}',
          urls: { api: s.url },
          options: { fetchCurrencies: false },
          stream: 'on',
        },
        class_attributes: { watch_list: [BTC], last_price: {} },
        orders: { require_fresh_price: false },
        tasks: { t_execute_orders: {}, t_update_open_orders: { freq: 600 }, t_get_open_orders: { freq: 600 } },
      },
      {
        env: { SIM_KEY: DEFAULT_SIM_API_KEY, SIM_SECRET: DEFAULT_SIM_SECRET },
        clock: new SystemClock(),
        logger: silentLogger(),
        storagePath: ':memory:',
      },
    );
    const u = updater;
    await u.start();
    await until(() => u.streamStats().some((st) => st.name === 'orders' && st.fresh), 5_000, 'the orders stream fresh');
    const raw = simClient(s.url);
    await raw.loadMarkets();
    const last = s.venue.ticker(BTC).last;
    const price = Number(raw.priceToPrecision(BTC, last * 0.8));
    const amount = Number(raw.amountToPrecision(BTC, 20 / price));
    const kinds = collectKinds(u);
    const order = u.pendingOrders.push(['quote-2', amount, price, 'buy', BTC]);
    await until(() => order.status === 'open', 5_000, 'the order open');
    const readsBefore = s.counters.snapshot().requests['GET /fapi/v1/order'] ?? 0;

    const newPrice = Number(raw.priceToPrecision(BTC, last * 0.7));
    const newAmount = Number(raw.amountToPrecision(BTC, amount * 2));
    await raw.editOrder(order.id!, BTC, 'limit', 'buy', newAmount, newPrice);
    await until(() => order.price === newPrice, 5_000, 'the amend learned');

    expect(order).toMatchObject({ price: newPrice, amount: newAmount, remaining: newAmount, status: 'open' });
    expect(u.orders.openOrders[BTC]).toEqual([order]);
    expect(u.journal.get(order.clientOrderId)).toMatchObject({ price: newPrice, amount: newAmount });
    expect(kinds).toContainEqual({ kind: 'ws:edited', clientOrderId: order.clientOrderId });
    expect(s.counters.snapshot().requests['GET /fapi/v1/order'] ?? 0).toBe(readsBefore);
  });
});
