/**
 * A REST open-orders refresh (a `t_get_open_orders` pass, every `reconcile_secs` while the user
 * stream is healthy) rebuilds `is_open_orders` from an answer the exchange computed before
 * changes the stream has already applied. It must keep them:
 * - an order canceled after the answer was computed, whose cancel the stream delivered first, is
 *   not listed again;
 * - an order placed after the answer was computed, which the stream announced first, is not dropped.
 * Either would stay wrong until the next refresh (300 s by default). In-process sim, virtual time:
 * 2 s of latency on REST calls (the answer is computed halfway), stream pushes every 100 ms.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const BTC = 'BTC/USD:USD';

function sim(u: Updater): SimExchange {
  return (u.session as unknown as { instance: SimExchange }).instance;
}

describe('is_open_orders after a REST answer older than the stream', () => {
  let updater: Updater | undefined;
  afterEach(async () => {
    await updater?.stop();
    updater = undefined;
  });

  it('an order the stream reported canceled is not listed as open', async () => {
    const built = await virtualUpdater({
      exchange: { id: 'sim', seed: 11, stream_push_ms: 100 },
      class_attributes: { watch_list: [BTC], last_price: {} },
      orders: { require_fresh_price: false },
      tasks: { t_update_tickers: { freq: 10 }, t_execute_orders: {}, t_update_open_orders: { freq: 120 }, t_get_open_orders: { freq: 120 } },
    });
    updater = built.updater;
    const { clock } = built;
    const u = built.updater;
    await startVirtual(u, clock);
    await clock.advanceUntil(() => u.streamStats().length > 0 && u.streamStats().every((s) => s.fresh), 30_000);
    const last = sim(u).getVenue().ticker(BTC).last;
    const order = u.pendingOrders.push({ symbol: BTC, side: 'buy', amount: 0.001, price: Number(u.exchange.priceToPrecision(BTC, last * 0.9)) });
    const listed = (): boolean => (u.orders.isOpenOrders[BTC]?.buys ?? []).some((o) => o.clientOrderId === order.clientOrderId);
    await clock.advanceUntil(() => order.status === 'open' && listed(), 30_000);

    const calls = (): number => sim(u).counters().calls['fetchOpenOrders'] ?? 0;
    const before = calls();
    sim(u).setKnobs({ latency_ms: 2000 });
    let refreshed = false;
    void u.orders.refreshIsOpenOrders().then(() => (refreshed = true));
    // The exchange has answered (halfway through the latency); then the order is canceled on
    // the exchange (another client of the account) and the stream says so before the answer lands.
    await clock.advanceUntil(() => calls() > before, 10_000, 10);
    await clock.advance(1_100);
    sim(u).getVenue().cancelOrder({ clientOrderId: order.clientOrderId });
    await clock.advanceUntil(() => order.status === 'canceled', 5_000);
    await clock.advanceUntil(() => refreshed, 10_000);
    sim(u).setKnobs({ latency_ms: 0 });
    await clock.advance(5_000);
    expect(order.status).toBe('canceled');
    expect(listed()).toBe(false);
  });

  it('an order placed (and announced by the stream) while the refresh was under way stays listed', async () => {
    const built = await virtualUpdater({
      exchange: { id: 'sim', seed: 11, stream_push_ms: 100 },
      class_attributes: { watch_list: [BTC], last_price: {} },
      orders: { require_fresh_price: false },
      tasks: { t_update_tickers: { freq: 10 }, t_execute_orders: {}, t_update_open_orders: { freq: 120 }, t_get_open_orders: { freq: 120 } },
    });
    updater = built.updater;
    const { clock } = built;
    const u = built.updater;
    await startVirtual(u, clock);
    await clock.advanceUntil(() => u.streamStats().length > 0 && u.streamStats().every((s) => s.fresh), 30_000);
    const last = sim(u).getVenue().ticker(BTC).last;
    const calls = (): number => sim(u).counters().calls['fetchOpenOrders'] ?? 0;
    const before = calls();
    sim(u).setKnobs({ latency_ms: 2000 });
    let refreshed = false;
    void u.orders.refreshIsOpenOrders().then(() => (refreshed = true));
    await clock.advanceUntil(() => calls() > before, 10_000, 10);
    // The strategy places an order right after the refresh went out: the exchange takes it after
    // it computed the open list, and the stream announces it before that list lands.
    const order = u.pendingOrders.push({ symbol: BTC, side: 'buy', amount: 0.001, price: Number(u.exchange.priceToPrecision(BTC, last * 0.9)) });
    const listed = (): boolean => (u.orders.isOpenOrders[BTC]?.buys ?? []).some((o) => o.clientOrderId === order.clientOrderId);
    await clock.advanceUntil(() => refreshed, 10_000);
    sim(u).setKnobs({ latency_ms: 0 });
    await clock.advance(5_000);
    expect(sim(u).getVenue().getOrder({ clientOrderId: order.clientOrderId }).status).toBe('open');
    expect(order.status).toBe('open');
    expect(listed()).toBe(true);
  });
});
