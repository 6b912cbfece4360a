/**
 * The engine streams from the in-process sim by default (`exchange.stream: auto`), in virtual
 * time: prices, candles and order changes arrive by the sim's watch* methods while REST only
 * reconciles, a silenced stream is caught by the watchdog within its limit, REST takes over
 * at the task's freq, and the stream comes back when the sim speaks again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../src/core/clock.js';
import type { Updater } from '../../src/engine/updater.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import type { StreamStats } from '../../src/streams/stream-loop.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';

function sim(u: Updater): SimExchange {
  return (u.session as unknown as { instance: SimExchange }).instance;
}

function restCalls(u: Updater, method: string): number {
  return sim(u).counters().calls[method] ?? 0;
}

describe('engine streaming from the in-process sim (virtual time)', () => {
  let updater: Updater | undefined;

  afterEach(async () => {
    await updater?.stop();
    updater = undefined;
  });

  async function start(tasks: Record<string, unknown>, exchange: Record<string, unknown> = {}, watchList = [BTC, ETH]): Promise<{ u: Updater; clock: VirtualClock }> {
    const built = await virtualUpdater({
      exchange: { id: 'sim', seed: 11, ...exchange },
      class_attributes: { watch_list: watchList, last_price: {} },
      orders: { require_fresh_price: false },
      tasks,
    });
    updater = built.updater;
    await startVirtual(built.updater, built.clock);
    return { u: built.updater, clock: built.clock };
  }

  it('streams prices, candles and fills while REST only reconciles', async () => {
    const { u, clock } = await start({
      t_update_tickers: { freq: 10 },
      t_update_candles: { freq: 60, timeframe: '1m', limit: 50 },
      t_execute_orders: {},
      t_update_open_orders: { freq: 120 },
      t_get_open_orders: { freq: 120 },
      t_update_balance: { freq: 30 },
      t_get_open_positions: { freq: 30 },
    });
    await clock.advanceUntil(() => u.streamStats().length > 0 && u.streamStats().every((s) => s.fresh), 30_000);
    expect(u.streamStats().map((s) => s.name).sort()).toEqual(['balance', 'candles', 'orders', 'positions', 'tickers', 'trades']);
    await clock.advanceUntil(() => u.state.meta('last_price')?.source === 'ws', 30_000);
    expect(Object.keys(u.state.get<Record<string, number>>('last_price')).sort()).toEqual([BTC, ETH]);

    // Ten minutes of healthy streams: tickers polled at their reconcile period (max(10 × freq, 300 s)), not every 10 s.
    const tickersBefore = restCalls(u, 'fetchTickers') + restCalls(u, 'fetchTicker');
    await clock.advance(600_000);
    const tickerReads = restCalls(u, 'fetchTickers') + restCalls(u, 'fetchTicker') - tickersBefore;
    expect(tickerReads).toBeGreaterThan(0);
    expect(tickerReads).toBeLessThanOrEqual(3);
    expect(u.state.get<Record<string, number>>('last_price')[BTC]).toBe((await sim(u).fetchTicker(BTC)).last);
    // The candle window follows the stream: its last row is the sim's current candle.
    const candles = u.state.get<Record<string, number[][]>>('ohlcs');
    expect(candles[BTC]!.at(-1)).toEqual((await sim(u).fetchOHLCV(BTC, '1m', undefined, 1)).at(-1));
    expect(u.state.meta('ohlcs')?.source).toBe('ws');

    // A market order's fill reaches the order book by the user stream, not by a REST pass (freq 120).
    // (Away from the account tasks' reconcile passes, due every 300 s.)
    await clock.advance(15_000);
    const fetchOrderBefore = restCalls(u, 'fetchOrder') + restCalls(u, 'fetchOpenOrders');
    const accountReadsBefore = restCalls(u, 'fetchBalance') + restCalls(u, 'fetchPositions');
    u.pendingOrders.push({ symbol: ETH, side: 'buy', amount: 0.1, tag: 'taker-1' });
    await clock.advanceUntil(() => u.orders.orders.some((o) => o.symbol === ETH && o.status === 'closed'), 5_000, 10);
    expect(u.orders.orders.find((o) => o.symbol === ETH)?.filled).toBe(0.1);
    expect(restCalls(u, 'fetchOrder') + restCalls(u, 'fetchOpenOrders')).toBe(fetchOrderBefore);
    expect(u.journal.counts()).toMatchObject({ closed: 1 });
    // Positions and balance come from the push itself: the fill cost no account REST read.
    await clock.advanceUntil(() => u.state.get<Record<string, { contracts: number }>>('positions')[ETH]?.contracts === 0.1, 5_000, 10);
    expect(u.state.meta('positions')?.source).toBe('ws');
    const accountReads = restCalls(u, 'fetchBalance') + restCalls(u, 'fetchPositions');
    const balance = await sim(u).fetchBalance();
    expect(u.state.get<number>('free_capital')).toBe(balance['USD']!.free);
    expect(u.state.meta('free_capital')?.source).toBe('ws');
    expect(accountReads).toBe(accountReadsBefore);
  });

  it('a silenced stream is caught within stall_after_secs + 1 s, REST takes over at freq, and the stream recovers', async () => {
    const { u, clock } = await start({ t_update_tickers: { freq: 5, stall_after_secs: 3 } });
    await clock.advanceUntil(() => u.streamStats()[0]?.fresh === true && u.state.meta('last_price')?.source === 'ws', 30_000);
    sim(u).setKnobs({ silent_streams: ['tickers'] });
    const silencedAt = clock.now();
    await clock.advanceUntil(() => (u.streamStats()[0]?.stalls ?? 0) === 1, 10_000, 50);
    // Silence counts from the last message (at most a push period before the knob), checks every 750 ms.
    expect(clock.now() - silencedAt).toBeLessThanOrEqual(3_000 + 1_000);
    expect(u.streamStats()[0]?.fresh).toBe(false);

    // While the sim stays silent, REST keeps the price fresh at the task's freq.
    const before = restCalls(u, 'fetchTickers') + restCalls(u, 'fetchTicker');
    await clock.advance(30_000);
    const polled = restCalls(u, 'fetchTickers') + restCalls(u, 'fetchTicker') - before;
    expect(polled).toBeGreaterThanOrEqual(5);
    expect(u.state.meta('last_price')?.source).not.toBe('ws');
    expect(u.streamStats()[0]!.stalls).toBeGreaterThanOrEqual(1);

    sim(u).setKnobs({ silent_streams: [] });
    await clock.advanceUntil(() => u.streamStats()[0]?.fresh === true, 60_000);
    await clock.advanceUntil(() => u.state.meta('last_price')?.source === 'ws', 30_000);
    expect(u.streamStats()[0]!.reconnects).toBeGreaterThan(0);

    // Healthy again: REST drops back to the reconcile period (max(10 × 5 s, 300 s)).
    const healthyFrom = restCalls(u, 'fetchTickers') + restCalls(u, 'fetchTicker');
    await clock.advance(250_000);
    expect(restCalls(u, 'fetchTickers') + restCalls(u, 'fetchTicker') - healthyFrom).toBeLessThanOrEqual(1);
    expect(u.streamStats()[0]!.fresh).toBe(true);
  });

  it('reconcile_secs sets the REST period while the stream is healthy', async () => {
    const { u, clock } = await start({ t_update_tickers: { freq: 10, reconcile_secs: 60 } });
    await clock.advanceUntil(() => u.streamStats()[0]?.fresh === true && u.state.meta('last_price')?.source === 'ws', 30_000);
    const before = restCalls(u, 'fetchTickers') + restCalls(u, 'fetchTicker');
    await clock.advance(600_000);
    const reads = restCalls(u, 'fetchTickers') + restCalls(u, 'fetchTicker') - before;
    expect(reads).toBeGreaterThanOrEqual(9);
    expect(reads).toBeLessThanOrEqual(11);
  });

  it.each([
    ['echoed after its REST answer: no stall', 'echo', 0],
    ['echoed before its REST answer (400 ms REST latency): no stall', 'echo', 400],
    ['echoed without a client id (as for an adopted order) and spelled "Cancelled": no stall', 'plain', 0],
    ['never echoed (the user stream silent): a stall within the limit', 'silent', 0],
    ['followed only by an update that does not finish it: a stall within the limit', 'unfinished', 0],
  ] as const)('a cancel of a resting order, %s', async (_, how, latencyMs) => {
    const { u, clock } = await start(
      { t_execute_orders: {}, t_update_open_orders: { freq: 120, stall_after_secs: 3 }, t_update_tickers: { freq: 10 } },
      { latency_ms: latencyMs },
    );
    await clock.advanceUntil(() => u.streamStats().length > 0 && u.streamStats().every((s) => s.fresh) && u.state.meta('last_price')?.source === 'ws', 30_000);
    // The venue's echo of the cancel, as another venue (or a broken one) would send it.
    const ex = sim(u);
    const watchOrders = ex.watchOrders.bind(ex);
    ex.watchOrders = async (...args: Parameters<SimExchange['watchOrders']>) =>
      (await watchOrders(...args)).map((o) => {
        if (o.status !== 'canceled') return o;
        if (how === 'plain') return { ...o, clientOrderId: undefined as unknown as string, status: 'Cancelled' };
        if (how === 'unfinished') return { ...o, status: undefined as unknown as string };
        return o;
      });
    const price = Number((u.state.get<Record<string, number>>('last_price')[BTC]! * 0.8).toFixed(1));
    const buy = u.pendingOrders.push({ symbol: BTC, side: 'buy', amount: 0.01, price });
    await clock.advanceUntil(() => buy.status === 'open' && u.orders.isOpenOrders[BTC]?.buys.length === 1, 10_000, 10);
    // Nothing else owed: the send was echoed long ago, the market is nowhere near the order.
    await clock.advance(5_000);
    const orders = (): StreamStats => u.streamStats().find((s) => s.name === 'orders')!;
    expect(orders().stalls).toBe(0);
    if (how === 'silent') sim(u).setKnobs({ silent_streams: ['orders', 'trades'] });
    let answered: string | undefined;
    void u.orders.cancel(buy).then((r) => (answered = r.status));
    await clock.advanceUntil(() => answered !== undefined, 5_000, 10);
    expect(answered).toBe('canceled');
    const at = clock.now();
    if (how === 'echo' || how === 'plain') {
      await clock.advance(3_000 + 2_000);
      expect(orders().stalls).toBe(0);
      return;
    }
    await clock.advanceUntil(() => orders().stalls === 1, 10_000, 50);
    // Past the limit (the cancel's answer is when REST told us), within one watchdog check of it.
    expect(clock.now() - at).toBeGreaterThan(3_000);
    expect(clock.now() - at).toBeLessThanOrEqual(3_000 + 1_000);
    expect(orders().lastError).toContain('an order we canceled was not echoed within 3.0s');
  });

  it('a symbol added to the watch list gets its candle window by REST at the task\'s next tick, not at the reconcile', async () => {
    const { u, clock } = await start({ t_update_candles: { freq: 60, timeframe: '1m', limit: 50 } });
    await clock.advanceUntil(() => u.streamStats()[0]?.fresh === true && Object.keys(u.state.get<Record<string, unknown>>('ohlcs') ?? {}).length === 2, 30_000);
    // Past the first passes: the stream is healthy, REST only reconciles (every 600 s at freq 60).
    await clock.advance(120_000);
    const SOL = 'SOL/USD:USD';
    u.state.set('watch_list', [BTC, ETH, SOL], 'strategy');
    await clock.advance(65_000);
    const window = u.state.get<Record<string, number[][]>>('ohlcs')[SOL];
    expect(window?.length).toBe(50);
    // And it follows the stream from then on.
    expect(window!.at(-1)).toEqual((await sim(u).fetchOHLCV(SOL, '1m', undefined, 1)).at(-1));
  });

  it('a watch-list symbol the exchange does not list is left out of the candles stream; the others stream on', async () => {
    const { u, clock } = await start({ t_update_candles: { freq: 60, timeframe: '1m', limit: 50 } });
    await clock.advanceUntil(() => u.streamStats()[0]?.fresh === true && Object.keys(u.state.get<Record<string, unknown>>('ohlcs') ?? {}).length === 2, 30_000);
    u.state.set('watch_list', [BTC, ETH, 'NOPE/USD:USD'], 'strategy');
    await clock.advance(120_000);
    const candles = u.streamStats().find((s) => s.name === 'candles')!;
    expect(candles.phase).toBe('up');
    expect(candles.lastError).toBeNull();
    expect(u.state.get<Record<string, number[][]>>('ohlcs')[BTC]!.at(-1)).toEqual((await sim(u).fetchOHLCV(BTC, '1m', undefined, 1)).at(-1));
    expect(u.state.meta('ohlcs')?.source).toBe('ws');
  });

  it('a watch list with an unlisted symbol from the start: the candles stream comes up (its gap fill skips the symbol), the candle task is up', async () => {
    const { u, clock } = await start({ t_update_candles: { freq: 60, timeframe: '1m', limit: 50 } }, {}, ['NOPE/USD:USD', BTC]);
    await clock.advance(130_000);
    const candles = u.streamStats().find((s) => s.name === 'candles')!;
    expect(candles).toMatchObject({ phase: 'up', fresh: true, lastError: null, reconnects: 0 });
    const task = u.taskStatuses()['t_update_candles']!;
    expect(task).toMatchObject({ ok: true, failures: 0, lastError: null });
    expect(task.runs).toBeGreaterThanOrEqual(1);
    expect(Object.keys(u.state.get<Record<string, unknown>>('ohlcs'))).toEqual([BTC]);
    expect(u.state.get<Record<string, number[][]>>('ohlcs')[BTC]!.at(-1)).toEqual((await sim(u).fetchOHLCV(BTC, '1m', undefined, 1)).at(-1));
  });

  it.each([
    ['positions', { t_get_open_positions: { freq: 30, reconcile_secs: 30 } }, 'fetchPositions'],
    ['the balance', { t_update_balance: { freq: 30, reconcile_secs: 30 }, t_get_open_positions: { freq: 30, reconcile_secs: 300 } }, 'fetchBalance'],
  ])('a REST read of %s answered after a push that landed while it was on its way does not put the older answer over the push', async (_what, tasks, method) => {
    const { u, clock } = await start({ ...tasks, t_execute_orders: {} });
    await clock.advanceUntil(() => u.streamStats().length > 0 && u.streamStats().every((s) => s.fresh), 30_000);
    const ex = sim(u);
    // The sim answers a call half its latency after it is made, and the answer arrives after the other half.
    ex.setKnobs({ latency_ms: 6_000 });
    // After a REST read was answered, before the answer arrives: a fill on the venue, pushed by the user stream.
    const calls = restCalls(u, method);
    await clock.advanceUntil(() => restCalls(u, method) > calls, 120_000, 50);
    await clock.advance(3_200);
    const venue = ex.getVenue();
    venue.placeOrder({ symbol: ETH, side: 'buy', type: 'market', amount: 0.5 });
    const contracts = venue.positions([ETH])[0]!.contracts;
    const positions = (): Record<string, { contracts: number }> => u.state.get<Record<string, { contracts: number }> | null>('positions') ?? {};
    await clock.advanceUntil(() => positions()[ETH]?.contracts === contracts, 2_000, 50);
    const capital = u.state.get<number>('total_capital');
    // The older answer arrives: what the push said stands.
    await clock.advance(4_000);
    expect(restCalls(u, method)).toBe(calls + 1);
    expect(positions()[ETH]?.contracts).toBe(contracts);
    expect(u.state.isKeyFresh('positions', ETH)).toBe(true);
    expect(u.state.get<number>('total_capital')).toBe(capital);
  });

  it('with a position open the balance and positions read by REST at their freq (the mark price moves their values, and nothing pushes it); flat, only at the reconcile', async () => {
    const { u, clock } = await start({ t_update_balance: { freq: 30 }, t_get_open_positions: { freq: 30 }, t_execute_orders: {} });
    await clock.advanceUntil(() => u.streamStats().length > 0 && u.streamStats().every((s) => s.fresh), 30_000);
    const reads = (): number => restCalls(u, 'fetchBalance') + restCalls(u, 'fetchPositions');
    let before = reads();
    await clock.advance(240_000);
    expect(reads() - before).toBeLessThanOrEqual(2);
    const venue = sim(u).getVenue();
    venue.placeOrder({ symbol: ETH, side: 'buy', type: 'market', amount: 0.5 });
    await clock.advanceUntil(() => Object.keys(u.state.get<Record<string, unknown>>('positions') ?? {}).length === 1, 5_000, 50);
    before = reads();
    await clock.advance(240_000);
    // Every 30 s each: 8 passes of the two tasks in 240 s.
    expect(reads() - before).toBeGreaterThanOrEqual(14);
    venue.placeOrder({ symbol: ETH, side: 'sell', type: 'market', amount: 0.5 });
    await clock.advanceUntil(() => Object.keys(u.state.get<Record<string, unknown>>('positions') ?? {}).length === 0, 5_000, 50);
    await clock.advance(31_000);
    before = reads();
    await clock.advance(240_000);
    expect(reads() - before).toBeLessThanOrEqual(2);
  });

  it('without a positions task nothing says whether a position is open: the balance reads by REST at its freq', async () => {
    const { u, clock } = await start({ t_update_balance: { freq: 30 } });
    await clock.advanceUntil(() => u.streamStats().length > 0 && u.streamStats().every((s) => s.fresh), 30_000);
    const before = restCalls(u, 'fetchBalance');
    await clock.advance(240_000);
    expect(restCalls(u, 'fetchBalance') - before).toBeGreaterThanOrEqual(7);
  });

  it('stream: off polls the sim as before', async () => {
    const { u, clock } = await start({ t_update_tickers: { freq: 10 } }, { stream: 'off' });
    await clock.advance(60_000);
    expect(u.streamStats()).toEqual([]);
    expect(u.state.meta('last_price')?.source).not.toBe('ws');
    expect(restCalls(u, 'fetchTickers') + restCalls(u, 'fetchTicker')).toBeGreaterThanOrEqual(6);
  });
});
