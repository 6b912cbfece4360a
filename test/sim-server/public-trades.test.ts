/**
 * The venue's public trade tape through misso sim-server, to an unmodified ccxt / ccxt.pro
 * binanceusdm: `fetchTrades` (`GET /fapi/v1/aggTrades`, and `GET /fapi/v1/trades` when told to)
 * with since / limit paging, and `watchTrades` / `watchTradesForSymbols` on `<s>@trade` and
 * `<s>@aggTrade`, the account's own market order among the prints. The server's clock is virtual:
 * prints appear when the test moves time past a price step's end.
 */
import type { binanceusdm, Trade } from 'ccxt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { STEP_MS } from '../../src/sim/price-path.js';
import { rawRequest, simClient, simProClient } from './fixtures/sim-client.js';
import { Probe, sleep } from './fixtures/ws-probe.js';

const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';
const SOL = 'SOL/USD:USD';

/**
 * Keeps watching until `until` holds for what arrived, moving virtual time a price step at a time
 * while a watch waits (the server pushes every 40 ms of real time).
 */
async function watchUntil(clock: VirtualClock, watch: () => Promise<Trade[]>, until: (seen: Trade[]) => boolean): Promise<Trade[]> {
  const seen: Trade[] = [];
  for (let i = 0; i < 20 && !until(seen); i++) {
    let done = false;
    const pending = watch().finally(() => (done = true));
    for (let k = 0; k < 20 && !done; k++) {
      await sleep(60);
      if (!done) await clock.advance(STEP_MS);
    }
    seen.push(...(await pending));
  }
  return seen;
}

describe('public trades → misso sim-server /fapi/v1/aggTrades, /fapi/v1/trades, <s>@trade, <s>@aggTrade', () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12, 0, 3));
  let server: SimServer;
  let rest: binanceusdm;
  let pro: binanceusdm;

  beforeAll(async () => {
    server = await startSimServer({ port: 0, seed: 23, clock, wsPushMs: 40 });
    rest = simClient(server.url);
    pro = await simProClient(server.url);
    await rest.loadMarkets();
    await pro.loadMarkets();
    await clock.advance(2 * 3_600_000);
  });

  afterEach(() => server.faults.clear());

  afterAll(async () => {
    await pro.close();
    await server.close();
  });

  it('fetchTrades: the venue’s tape, latest first asked, the last print at the ticker’s last', async () => {
    const trades = await rest.fetchTrades(BTC);
    const tape = server.venue.tape.trades(BTC);
    expect(trades).toHaveLength(500);
    expect(trades.map((t) => [Number(t.id), t.timestamp, t.price, t.amount, t.side])).toEqual(tape.map((t) => [t.id, t.timestamp, t.price, t.amount, t.side]));
    expect(trades.at(-1)!.price).toBe((await rest.fetchTicker(BTC)).last);
    expect(trades.every((t) => t.symbol === BTC && t.cost! > 0)).toBe(true);
    expect(server.counters.snapshot().requests['GET /fapi/v1/aggTrades']).toBeGreaterThanOrEqual(1);
  });

  it('fetchTrades with since and limit pages forward through an hour without gaps or repeats', async () => {
    const since = clock.now() - 3_600_000;
    const expected = server.venue.tape.trades(ETH, { since, until: since + 3_600_000, limit: 100_000 });
    expect(expected.length).toBeGreaterThan(1000);
    const paged: Trade[] = [];
    let from = since;
    for (let page = 0; page < 100 && paged.length < expected.length; page++) {
      const batch = await rest.fetchTrades(ETH, from, 400);
      expect(batch.length).toBeLessThanOrEqual(400);
      if (batch.length === 0) break;
      for (const t of batch) if (!paged.some((p) => p.id === t.id)) paged.push(t);
      from = batch.at(-1)!.timestamp! + 1;
    }
    // Prints sharing a millisecond across a page edge are skipped by a since-pager; there are
    // none here or the comparison says so.
    expect(paged.map((t) => Number(t.id))).toEqual(expected.map((t) => t.id));
    expect(paged[0]!.timestamp).toBeGreaterThanOrEqual(since);
  });

  it('aggTrades: fromId inclusive, the hour limit on startTime..endTime, limit capped at 1000; /fapi/v1/trades the latest', async () => {
    const id = server.venue.listMarkets().find((m) => m.symbol === SOL)!.id;
    const latest = server.venue.tape.trades(SOL, { limit: 50 });
    const fromId = await rawRequest(`${server.url}/fapi/v1/aggTrades?symbol=${id}&fromId=${latest[10]!.id}&limit=5`);
    expect(fromId.status).toBe(200);
    expect((fromId.body as { a: number }[]).map((t) => t.a)).toEqual(latest.slice(10, 15).map((t) => t.id));
    const wide = await rawRequest(`${server.url}/fapi/v1/aggTrades?symbol=${id}&startTime=${clock.now() - 7_200_000}&endTime=${clock.now()}`);
    expect(wide.status).toBe(400);
    expect((wide.body as { code: number }).code).toBe(-1127);
    const many = await rawRequest(`${server.url}/fapi/v1/aggTrades?symbol=${id}&limit=5000`);
    expect((many.body as unknown[]).length).toBe(1000);
    const recent = await rest.fetchTrades(SOL, undefined, 20, { fetchTradesMethod: 'fapiPublicGetTrades' });
    expect(recent.map((t) => [Number(t.id), t.price, t.amount, t.side])).toEqual(server.venue.tape.trades(SOL, { limit: 20 }).map((t) => [t.id, t.price, t.amount, t.side]));
    expect(server.counters.snapshot().requests['GET /fapi/v1/trades']).toBe(1);
  });

  it('watchTrades sees the next step’s prints, the account’s market order among them, as REST serves them', async () => {
    const before = server.venue.tape.trades(ETH, { limit: 1 })[0]!.id;
    // The request's timestamp must be the server's (virtual) time: ccxt's own clock-offset option.
    rest.options['timeDifference'] = Date.now() - clock.now();
    const order = await rest.createOrder(ETH, 'market', 'sell', 0.37);
    const fill = server.venue.listFills({ symbol: ETH }).find((f) => f.orderId === order.id)!;
    const seen = await watchUntil(clock, () => pro.watchTrades(ETH), (s) => s.some((t) => t.timestamp === fill.timestamp && t.amount === 0.37));
    const own = seen.find((t) => t.timestamp === fill.timestamp && t.amount === 0.37)!;
    expect(own.side).toBe('sell');
    expect(own.price).toBe(fill.price);
    const served = await rest.fetchTrades(ETH, undefined, 1000, { fromId: before + 1 });
    const byId = new Map(served.map((t) => [t.id, t]));
    for (const t of seen) {
      expect(Number(t.id)).toBeGreaterThan(before);
      expect([byId.get(t.id)?.price, byId.get(t.id)?.amount, byId.get(t.id)?.side]).toEqual([t.price, t.amount, t.side]);
    }
  });

  it('watchTradesForSymbols over <s>@aggTrade: both markets’ new prints; LIST_SUBSCRIPTIONS and UNSUBSCRIBE as for other streams', async () => {
    const seen = await watchUntil(clock, () => pro.watchTradesForSymbols([BTC, SOL], undefined, undefined, { name: 'aggTrade' }), (s) => new Set(s.map((t) => t.symbol)).size === 2);
    expect(new Set(seen.map((t) => t.symbol))).toEqual(new Set([BTC, SOL]));
    const probe = await Probe.open(`${server.url.replace('http', 'ws')}/public/ws`);
    probe.send({ method: 'SUBSCRIBE', params: ['btcusd@trade', 'ethusd@aggTrade'], id: 1 });
    await probe.next((m) => m['id'] === 1);
    probe.send({ method: 'LIST_SUBSCRIPTIONS', id: 2 });
    expect((await probe.next((m) => m['id'] === 2))['result']).toEqual(['btcusd@trade', 'ethusd@aggTrade']);
    await clock.advance(STEP_MS);
    const trade = await probe.next((m) => m['e'] === 'trade');
    expect(trade).toMatchObject({ s: 'BTCUSD', X: 'MARKET' });
    expect(Object.keys(trade).sort()).toEqual(['E', 'T', 'X', 'e', 'm', 'p', 'q', 's', 't']);
    const agg = await probe.next((m) => m['e'] === 'aggTrade');
    expect(agg['a']).toBe(agg['f']);
    probe.send({ method: 'UNSUBSCRIBE', params: ['btcusd@trade'], id: 3 });
    await probe.next((m) => m['id'] === 3);
    await sleep(100);
    const count = probe.messages.length;
    await clock.advance(STEP_MS);
    await probe.next((m) => m['e'] === 'aggTrade' && probe.messages.indexOf(m) >= count);
    expect(probe.messages.slice(count).some((m) => (m as { e?: string }).e === 'trade')).toBe(false);
    probe.ws.close();
  });

  it('a stalled connection gets no prints, a dropped one is closed, as for the other market streams', async () => {
    const probe = await Probe.open(`${server.url.replace('http', 'ws')}/public/ws`);
    probe.send({ method: 'SUBSCRIBE', params: ['btcusd@trade'], id: 1 });
    expect(await probe.next((m) => m['id'] === 1)).toEqual({ result: null, id: 1 });
    await clock.advance(STEP_MS);
    await probe.next((m) => m['e'] === 'trade');
    server.faults.set('wsstall:1');
    await sleep(100);
    const count = probe.messages.length;
    await clock.advance(3 * STEP_MS);
    await sleep(200);
    expect(probe.messages.length).toBe(count);
    server.faults.set('wsdrop:1');
    expect(await probe.closed()).toBeDefined();
  });

  it('under wsdelay the prints leave late, with the rest of the push', async () => {
    const probe = await Probe.open(`${server.url.replace('http', 'ws')}/public/ws`);
    probe.send({ method: 'SUBSCRIBE', params: ['solusd@aggTrade'], id: 1 });
    await probe.next((m) => m['id'] === 1);
    server.faults.set('wsdelay:400');
    await sleep(100);
    const count = probe.messages.length;
    await clock.advance(STEP_MS);
    const pushed = Date.now();
    await probe.next((m) => m['e'] === 'aggTrade' && probe.messages.indexOf(m) >= count);
    expect(Date.now() - pushed).toBeGreaterThanOrEqual(350);
    probe.ws.close();
  });
});
