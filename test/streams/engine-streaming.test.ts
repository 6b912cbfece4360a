/**
 * The engine streams through an unmodified ccxt.pro binanceusdm against misso sim-server:
 * prices and order changes arrive by websocket while REST only reconciles, a silent stream is
 * caught by the watchdog and resubscribed (a silent user stream by the market going through a
 * resting order of ours), and an expired listenKey is renewed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Updater } from '../../src/engine/updater.js';
import { StatusMetrics } from '../../src/http/status-metrics.js';
import type { StreamStats } from '../../src/streams/stream-loop.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { pino } from 'pino';
import { SystemClock, VirtualClock } from '../../src/core/clock.js';
import type { Order } from '../../src/orders/order.js';
import { SimVenue } from '../../src/sim/venue.js';
import { simServerUpdater } from '../support/streaming-rig.js';
import { CollectingNotifier } from '../support/virtual-updater.js';
import { notFresh, until } from '../support/wait.js';
import type { MissoConfigInput } from '../../src/config/schema.js';

const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';

function streamingUpdater(server: SimServer, tasks: MissoConfigInput['tasks']): Promise<Updater> {
  return simServerUpdater(server, { tasks, watchList: [BTC, ETH] });
}

describe('engine streaming against sim-server', () => {
  let server: SimServer | undefined;
  let updater: Updater | undefined;

  afterEach(async () => {
    await updater?.stop();
    await server?.close();
    updater = undefined;
    server = undefined;
  });

  it('prices and fills arrive by stream while REST only reconciles (freq 120)', async () => {
    server = await startSimServer({ port: 0, seed: 31, wsPushMs: 100 });
    updater = await streamingUpdater(server, {
      t_update_tickers: { freq: 120 },
      t_execute_orders: {},
      t_update_open_orders: { freq: 120 },
      t_get_open_orders: { freq: 120 },
    });
    const u = updater;
    await until(() => u.state.meta('last_price')?.source === 'ws', 15_000, () => `a streamed price: ${notFresh(u)}`);
    const streamed = u.state.get<Record<string, number>>('last_price');
    expect(Object.keys(streamed).sort()).toEqual([BTC, ETH]);
    await until(() => u.streamStats().every((s) => s.fresh), 15_000, () => `every stream fresh: ${notFresh(u)}`);

    const ticker = server.venue.ticker(BTC);
    u.pendingOrders.push(['rest-1', 0.01, Number((ticker.last * 0.5).toFixed(1)), 'buy', BTC]);
    u.pendingOrders.push({ symbol: ETH, side: 'buy', amount: 0.1, tag: 'taker-1' });
    await until(() => u.orders.orders.some((o) => o.symbol === ETH && o.status === 'closed'), 5_000, 'the market order closed');
    const taker = u.orders.orders.find((o) => o.symbol === ETH)!;
    expect(taker.filled).toBe(0.1);
    // Its trade came by watchMyTrades as well as in the order's update: stored once, no REST read.
    await until(() => u.orders.fillsOf(taker).length > 0, 5_000, 'the taker fill by watchMyTrades');
    expect(u.orders.fillsOf(taker).reduce((n, f) => n + f.amount, 0)).toBeCloseTo(taker.filled, 9);
    expect(u.streamStats().map((s) => s.name)).toContain('trades');
    expect(server.counters.snapshot().requests['GET /fapi/v1/userTrades'] ?? 0).toBe(0);
    // The exchange's view follows by stream: the resting order is listed, nothing else.
    await until(() => (u.orders.isOpenOrders[BTC]?.buys.length ?? 0) === 1, 5_000, 'the resting order in is_open_orders');
    expect(Object.keys(u.orders.isOpenOrders)).toEqual([BTC]);
    const resting = u.orders.isOpenOrders[BTC]!.buys[0]!;
    server.venue.cancelOrder({ id: resting.id! });
    await until(() => u.orders.isOpenOrders[BTC] === undefined, 5_000, 'the canceled order leaves is_open_orders');
    expect(u.orders.orders.find((o) => o.id === resting.id)?.status).toBe('canceled');
    expect(u.journal.counts()).toMatchObject({ closed: 1, canceled: 1 });
  });

  it('cancels we make are echoed by the user stream (often before their REST answer): no stall', async () => {
    server = await startSimServer({ port: 0, seed: 32, wsPushMs: 100 });
    updater = await streamingUpdater(server, { t_execute_orders: {}, t_update_open_orders: { freq: 120, stall_after_secs: 1 } });
    const u = updater;
    await until(() => u.streamStats().length > 0 && u.streamStats().every((s) => s.fresh), 15_000, () => `streams fresh: ${notFresh(u)}`);
    const price = Number((server.venue.ticker(BTC).last * 0.5).toFixed(1));
    const buys = [0, 1, 2].map(() => u.pendingOrders.push({ symbol: BTC, side: 'buy', amount: 0.01, price }));
    await until(() => (u.orders.isOpenOrders[BTC]?.buys.length ?? 0) === 3, 5_000, 'the buys resting');
    const results = await Promise.all(buys.map((b) => u.orders.cancel(b)));
    expect(results.map((r) => r.status)).toEqual(['canceled', 'canceled', 'canceled']);
    // Past the 1 s limit by a watchdog check and more.
    await new Promise((r) => setTimeout(r, 2_500));
    const orders = u.streamStats().find((s) => s.name === 'orders')!;
    expect(orders.stalls).toBe(0);
    expect(orders.phase).toBe('up');
  });

  it("Binance's wallet-only ACCOUNT_UPDATE sets the equity from the push; the free margin follows by REST at freq, not per fill", async () => {
    server = await startSimServer({ port: 0, seed: 34, wsPushMs: 100 });
    updater = await streamingUpdater(server, {
      t_execute_orders: {},
      t_update_open_orders: { freq: 120 },
      t_update_balance: { freq: 3 },
      t_get_open_positions: { freq: 120 },
    });
    const u = updater;
    const srv = server;
    await until(() => u.streamStats().length === 4 && u.streamStats().every((s) => s.fresh), 15_000, () => `streams fresh: ${notFresh(u)}`);
    const accountReads = (): number =>
      Object.entries(srv.counters.snapshot().requests).filter(([k]) => /\/account$/.test(k)).reduce((n, [, c]) => n + c, 0);
    let equityAtFill: number | undefined;
    let readsAtFill = 0;
    srv.venue.feed.subscribe((events) => {
      if (equityAtFill !== undefined || !events.some((e) => e.execution === 'TRADE')) return;
      equityAtFill = srv.venue.balance().total;
      readsAtFill = accountReads();
    });
    const changes: { name: string; value: unknown; source: string; reads: number }[] = [];
    u.state.on('change', (c) => {
      if (equityAtFill !== undefined && (c.name === 'total_capital' || c.name === 'free_capital')) changes.push({ ...c, reads: accountReads() });
    });
    u.pendingOrders.push({ symbol: ETH, side: 'buy', amount: 0.1, tag: 'taker' });
    await until(() => changes.some((c) => c.name === 'total_capital'), 5_000, 'the equity after the fill');
    const pushed = changes.find((c) => c.name === 'total_capital')!;
    // Wallet plus the position's unrealised PnL, from the push: no REST read behind it.
    expect(pushed.source).toBe('ws');
    expect(pushed.value as number).toBeCloseTo(equityAtFill!, 4);
    expect(pushed.reads).toBe(readsAtFill);
    // The margin the position now uses is not in the push: one REST read at the task's next tick.
    await until(() => accountReads() > readsAtFill && u.state.meta('free_capital')?.source === 't_update_balance', 8_000, 'the REST read of the margin');
    expect(u.state.get<number>('free_capital')).toBeCloseTo(srv.venue.balance().free, 0);
  });

  it('a funding fee (wallet-only ACCOUNT_UPDATE, no position) moves equity and free margin from the push alone', async () => {
    server = await startSimServer({ port: 0, seed: 35, wsPushMs: 100 });
    updater = await streamingUpdater(server, {
      t_execute_orders: {},
      t_update_open_orders: { freq: 120 },
      t_update_balance: { freq: 1 },
      t_get_open_positions: { freq: 120 },
    });
    const u = updater;
    const srv = server;
    await until(() => u.streamStats().length === 4 && u.streamStats().every((s) => s.fresh), 15_000, () => `streams fresh: ${notFresh(u)}`);
    await until(() => typeof u.state.get('free_capital') === 'number', 5_000, 'a first balance');
    const before = { total: u.state.get<number>('total_capital'), free: u.state.get<number>('free_capital') };
    const accountReads = (): number =>
      Object.entries(srv.counters.snapshot().requests).filter(([k]) => /\/account$/.test(k)).reduce((n, [, c]) => n + c, 0);
    const reads = accountReads();
    srv.venue.adjustWallet(-1.25, 'FUNDING_FEE');
    await until(() => u.state.get<number>('total_capital') !== before.total, 5_000, 'the pushed funding fee');
    expect(u.state.get<number>('total_capital')).toBeCloseTo(before.total - 1.25, 6);
    expect(u.state.get<number>('free_capital')).toBeCloseTo(before.free - 1.25, 6);
    expect(u.state.meta('free_capital')?.source).toBe('ws');
    // Nothing was left for REST: three more freq ticks read nothing (the reconcile period is 300 s).
    await new Promise((r) => setTimeout(r, 3_000));
    expect(accountReads()).toBe(reads);
  });

  it('a connected but silent stream is caught by the watchdog, resubscribed, and recovers', async () => {
    server = await startSimServer({ port: 0, seed: 32, wsPushMs: 100 });
    updater = await streamingUpdater(server, { t_update_tickers: { freq: 120, stall_after_secs: 1 } });
    const u = updater;
    // The start-up wait of the other rigs here (a loaded machine takes longer than 5 s: CI 89 and 91).
    await until(() => u.streamStats()[0]?.fresh === true, 15_000, () => `tickers fresh: ${notFresh(u)}`);
    server.faults.set('wsstall:calls=1:path=market');
    const stalledAt = Date.now();
    await until(() => (u.streamStats()[0]?.stalls ?? 0) === 1, 5_000, 'the stall detected');
    expect(Date.now() - stalledAt).toBeLessThan(1_000 + 1_000 + 500);
    await until(() => u.streamStats()[0]?.fresh === true, 10_000, 'recovered');
    expect(server.ws.counters.stalls).toBe(1);
    // Up again once it held for its limit (its recovery told), not at its first message.
    await until(() => u.snapshotStatus().streams![0]!.up, 5_000, 'up again');
    const status = u.snapshotStatus().streams!;
    expect(status).toEqual([expect.objectContaining({ name: 'tickers', up: true, stalls: 1, stallAfterMs: 1000 })]);
    expect(status[0]!.reconnects).toBeGreaterThan(0);
    const metrics = new StatusMetrics({ processMetrics: false });
    metrics.update(u.snapshotStatus(), true);
    const text = await metrics.render();
    expect(text).toContain('misso_stream_stalls_total{stream="tickers"} 1');
    expect(text).toContain('misso_stream_up{stream="tickers"} 1');
    expect(text).toMatch(/misso_stream_last_message_age_seconds\{stream="tickers"\} \d/);
    // The price came from the stream, and says so.
    expect(u.state.meta('last_price')?.source).toBe('ws');
  });

  it('an expired listenKey is renewed and the user stream keeps delivering', async () => {
    server = await startSimServer({ port: 0, seed: 33, wsPushMs: 100 });
    updater = await streamingUpdater(server, { t_update_open_orders: { freq: 120 } });
    const u = updater;
    await until(() => u.streamStats()[0]?.fresh === true, 5_000, 'orders stream fresh');
    const firstKey = server.listenKeys.current(Date.now());
    server.faults.set('listenkey_expire:calls=1');
    await until(() => server!.ws.counters.listenKeysExpired === 1, 5_000, 'the key expired');
    await until(() => server!.listenKeys.current(Date.now()) !== undefined && server!.listenKeys.current(Date.now()) !== firstKey, 10_000, 'a new key');
    await until(() => u.streamStats()[0]?.fresh === true, 10_000, 'orders stream fresh again');
    // An order placed behind the engine's back (no REST task lists open orders here) can only
    // reach is_open_orders through the renewed user stream.
    const price = Number((server.venue.ticker(ETH).last * 0.5).toFixed(2));
    const foreign = server.venue.placeOrder({ symbol: ETH, side: 'buy', type: 'limit', price, amount: 0.1, clientOrderId: 'foreign-1' });
    await until(() => u.orders.isOpenOrders[ETH]?.buys.some((o) => o.id === foreign.id) === true, 5_000, 'the foreign order by stream');
    expect(u.streamStats()[0]?.reconnects).toBeGreaterThan(0);
  });

  it('a listenKey that dies in the same read as an order update: the update is applied, then the user stream reconnects and fills the gap', async () => {
    // No push tick draws the fault (wsPushMs a minute): it fires right behind the next order update.
    server = await startSimServer({ port: 0, seed: 36, wsPushMs: 60_000 });
    updater = await streamingUpdater(server, { t_execute_orders: {}, t_update_open_orders: { freq: 120 } });
    const u = updater;
    const srv = server;
    await until(() => u.streamStats().length > 0 && u.streamStats().every((s) => s.fresh), 15_000, () => `streams fresh: ${notFresh(u)}`);
    const price = Number((srv.venue.ticker(BTC).last * 0.5).toFixed(1));
    u.pendingOrders.push(['rest-a', 0.01, price, 'buy', BTC]);
    u.pendingOrders.push(['rest-b', 0.01, price, 'buy', BTC]);
    await until(() => (u.orders.isOpenOrders[BTC]?.buys.length ?? 0) === 2, 5_000, 'both orders open by stream');
    const [a, b] = ['rest-a', 'rest-b'].map((tag) => u.orders.orders.find((o) => o.tag === tag)!);
    const orders = (): StreamStats => u.streamStats().find((s) => s.name === 'orders')!;
    const reconnects = orders().reconnects;
    const polls = (): number => srv.counters.snapshot().requests['GET /fapi/v1/order'] ?? 0;
    const pollsBefore = polls();

    // A's cancel goes out, and the dying key's listenKeyExpired right behind it: the engine reads
    // both in one chunk. B is canceled once the key is dead, so no stream carries it: only the gap
    // fill after the reconnection can.
    srv.faults.set('listenkey_expire:calls=1');
    srv.venue.cancelOrder({ id: a!.id! });
    for (let i = 0; i < 1_000 && srv.ws.counters.listenKeysExpired === 0; i++) await Promise.resolve();
    expect(srv.ws.counters.listenKeysExpired).toBe(1);
    srv.venue.cancelOrder({ id: b!.id! });

    await until(() => orders().reconnects > reconnects, 5_000, 'the orders stream reconnects');
    await until(() => u.orders.orders.find((o) => o.id === b!.id)?.status === 'canceled', 5_000, 'the cancel made in the gap');
    expect(u.orders.orders.find((o) => o.id === a!.id)?.status).toBe('canceled');
    expect(u.orders.isOpenOrders[BTC]).toBeUndefined();
    expect(orders().lastError).toBe('listenKey expired');
    // A's cancel was applied from the stream, before the connection was given up: the gap fill
    // had only B to look up one by one.
    expect(polls() - pollsBefore).toBe(1);
  });

  const VENUE_START = Date.UTC(2100, 10, 27, 12);
  it.each([
    ['the ticker stream', { t_update_tickers: { freq: 120 } }],
    ['the candle stream alone (its low through the order)', { t_update_candles: { freq: 120, timeframe: '1m', limit: 50 } }],
  ])('a user stream silent with only resting orders: the market goes through one (%s), the stream is caught within its limit and the fill reaches state (no REST reconcile)', async (_, market) => {
    // A fixed start: the venue's price path is a function of its time, and from some times of day
    // the buy below rests at the day's drawn low (it fills at the touch, and the price then never
    // trades below it), so the market would show nothing through it and the run would fail. In the
    // future, not the past: the venue stamps its events with its own clock (the server's is the
    // wall's), and events from a day ago would arrive a day behind: streams stalled as behind.
    // Events later than the wall are taken as arriving on time (an unknown clock offset).
    const venueClock = new VirtualClock(VENUE_START);
    const venue = new SimVenue({ seed: 52, clock: venueClock, liquidityPerStepUsd: 1_000_000 });
    server = await startSimServer({ port: 0, venue, wsPushMs: 100, clock: new SystemClock() });
    const notifier = new CollectingNotifier();
    const lines: string[] = [];
    updater = await simServerUpdater(server, {
      tasks: {
        ...market,
        t_execute_orders: {},
        t_update_open_orders: { freq: 120, stall_after_secs: 2 },
        t_get_open_orders: { freq: 120 },
        t_update_fills: { freq: 120 },
      },
      watchList: [ETH],
      notifier,
      logger: pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }),
    });
    const u = updater;
    const srv = server;
    const orders = (): ReturnType<Updater['streamStats']>[number] => u.streamStats().find((s) => s.name === 'orders')!;
    await until(() => u.streamStats().every((s) => s.fresh), 15_000, () => `every stream fresh: ${notFresh(u)}`);
    /** Moves the market (10 s a step) until the venue filled `o` and its last price is below `price`. */
    const tradeThrough = async (o: Order, price: number): Promise<void> => {
      for (let i = 0; i < 2_000; i++) {
        if (venue.getOrder({ clientOrderId: o.clientOrderId }).status === 'closed' && venue.ticker(ETH).last < price) return;
        await venueClock.advance(10_000);
      }
      throw new Error(`the venue's price never traded below ${price} after filling ${o.clientOrderId} (last ${venue.ticker(ETH).last})`);
    };
    const restingBuy = async (): Promise<{ buy: Order; price: number }> => {
      const price = Number(u.exchange.priceToPrecision(ETH, venue.ticker(ETH).last * 0.999));
      const buy = u.pendingOrders.push({ symbol: ETH, side: 'buy', amount: 0.05, price });
      await until(() => buy.status === 'open' && u.orders.isOpenOrders[ETH]?.buys.length === 1, 5_000, 'the buy resting, echoed by the stream');
      return { buy, price };
    };

    // A healthy stream: the price goes through a resting buy, the fill comes by stream, no alarm.
    const control = await restingBuy();
    await tradeThrough(control.buy, control.price);
    await until(() => control.buy.status === 'closed', 5_000, 'the control fill by stream');
    await new Promise((r) => setTimeout(r, 2_000 + 1_000));
    expect(orders().stalls).toBe(0);
    expect(srv.counters.snapshot().requests['GET /fapi/v1/order'] ?? 0).toBe(0);

    const { buy, price } = await restingBuy();
    const streamedOpen = u.state.meta('open_orders')?.source;
    srv.faults.set('wsstall:calls=1:path=private');
    await until(() => srv.ws.counters.stalls === 1, 5_000, 'the private connection stalled');
    const restBefore = { ...srv.counters.snapshot().requests };
    await tradeThrough(buy, price);
    expect(venue.getOrder({ clientOrderId: buy.clientOrderId }).status).toBe('closed');
    const movedAt = Date.now();
    // The stalled connection says nothing; the stream's detector sees the price and asks REST.
    await until(() => orders().stalls === 1, 5_000, 'the silent user stream detected');
    expect(Date.now() - movedAt).toBeLessThan(2_000 + 2_000);
    await until(() => buy.status === 'closed', 5_000, 'the fill in state');
    expect(buy.filled).toBe(0.05);
    await until(() => u.orders.fillsOf(buy).reduce((n, f) => n + f.amount, 0) === 0.05, 5_000, 'the fill stored');
    await until(() => orders().fresh, 10_000, 'the user stream back after its gap fill');
    expect(orders().reconnects).toBeGreaterThan(0);
    // Proven by the buy's look-up (fetchOrder), not by a REST reconcile at freq.
    expect(lines.filter((l) => l.includes('user stream silent')).map((l) => (JSON.parse(l) as { clientOrderId: string }).clientOrderId)).toEqual([buy.clientOrderId]);
    const rest = srv.counters.snapshot().requests;
    expect((rest['GET /fapi/v1/order'] ?? 0) - (restBefore['GET /fapi/v1/order'] ?? 0)).toBeGreaterThanOrEqual(1);
    expect(streamedOpen).toBe('ws');
    expect(notifier.texts().some((t) => t.includes('stream orders stalled'))).toBe(true);
    // Nothing came through the new connection yet (the fill came by the gap fill): not called recovered.
    await until(() => notifier.texts().some((t) => t.includes('stream orders reconnected and gap filled')), 5_000, 'the reconnection notified');
    expect(notifier.texts().some((t) => t.includes('stream orders recovered'))).toBe(false);
    // After the reconnection the stream carries fills again: the next order's fill comes by stream,
    // and proves the stream.
    const taker = u.pendingOrders.push({ symbol: ETH, side: 'sell', amount: 0.05, type: 'market' });
    await until(() => taker.status === 'closed', 5_000, 'the next fill by stream');
    await until(() => notifier.texts().some((t) => t.includes('stream orders recovered: an update came through it')), 5_000, 'the recovery notified');
    // One key for the stream, a condition each, so the notifier's repeat filter lets all three through.
    const told = (part: string) => notifier.messages.filter((m) => m.text.includes(part)).map((m) => [m.key, m.condition]);
    expect([told('stream orders stalled'), told('stream orders reconnected'), told('stream orders recovered')]).toEqual([
      [['stream:orders', 'stalled']],
      [['stream:orders', 'unproven']],
      [['stream:orders', 'proven']],
    ]);
  });
});
