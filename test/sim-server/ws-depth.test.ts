/**
 * An unmodified `ccxt.pro.binanceusdm` keeps an order book from `misso sim-server`: it fetches
 * the `GET /fapi/v1/depth` snapshot, syncs it with the `<s>@depth` diff events by their
 * `U`/`u`/`pu` ids, and the book it holds stays equal to a fresh `fetchOrderBook` as the venue's
 * book moves, across a dropped connection and with delayed websocket messages. The server's
 * clock is virtual, so the book moves only when the test says so.
 */
import { NetworkError, type binanceusdm, type OrderBook } from 'ccxt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { rawRequest, simProClient } from './fixtures/sim-client.js';
import { Probe } from './fixtures/ws-probe.js';
import { thrown } from '../support/thrown.js';

const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';

interface Frozen {
  nonce: number;
  bids: number[][];
  asks: number[][];
}

/** A copy of a book as it is now (ccxt keeps updating the object it returned). */
function freeze(book: OrderBook): Frozen {
  return { nonce: Number(book.nonce), bids: book.bids.map((l) => [Number(l[0]), Number(l[1])]), asks: book.asks.map((l) => [Number(l[0]), Number(l[1])]) };
}

describe('ccxt.pro watchOrderBook → misso sim-server <s>@depth + /fapi/v1/depth', () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12, 0, 3));
  let server: SimServer;
  let ex: binanceusdm;

  /** Watches until the book ccxt holds includes update `nonce`, then returns a copy of it. */
  const watchUntil = async (symbol: string, nonce: number): Promise<Frozen> => {
    for (;;) {
      const held = (ex.orderbooks as Record<string, OrderBook | undefined>)[symbol];
      if (held && Number(held.nonce) >= nonce) return freeze(held);
      await ex.watchOrderBook(symbol);
    }
  };
  /** The held book equals a REST snapshot taken at the same update id. */
  const expectInSync = async (symbol: string): Promise<Frozen> => {
    const rest = await ex.fetchOrderBook(symbol, 1000);
    const held = await watchUntil(symbol, Number(rest.nonce));
    expect(held).toEqual(freeze(rest));
    return held;
  };

  beforeAll(async () => {
    server = await startSimServer({ port: 0, seed: 17, clock, wsPushMs: 50 });
    ex = await simProClient(server.url);
    await ex.loadMarkets();
  });

  afterEach(() => server.faults.clear());

  afterAll(async () => {
    await ex.close();
    await server.close();
  });

  it("the touch's two sides have sizes of their own: bookTicker B/A and REST bidQty/askQty are the ticker's bidVolume/askVolume, which differ", async () => {
    const swaps = server.venue.listMarkets().filter((m) => m.type === 'swap').slice(0, 12);
    const probe = await Probe.open(`${server.url.replace('http://', 'ws://')}/public/ws/0`);
    try {
      probe.send({ method: 'SUBSCRIBE', params: swaps.map((m) => `${m.id.toLowerCase()}@bookTicker`), id: 1 });
      let differ = 0;
      for (const m of swaps) {
        const pushed = await probe.next((f) => f['e'] === 'bookTicker' && f['s'] === m.id);
        const t = server.venue.ticker(m.symbol);
        expect([Number(pushed['B']), Number(pushed['A'])]).toEqual([t.bidVolume, t.askVolume]);
        const rest = (await rawRequest(`${server.url}/fapi/v1/ticker/bookTicker?symbol=${m.id}`)).body as Record<string, string>;
        expect([Number(rest['bidQty']), Number(rest['askQty'])]).toEqual([t.bidVolume, t.askVolume]);
        if (t.bidVolume !== t.askVolume) differ++;
      }
      expect(differ).toBeGreaterThan(swaps.length / 2);
    } finally {
      probe.ws.close();
    }
  });

  it('the first watchOrderBook is the REST snapshot: a sane book whose touch is the ticker', async () => {
    const first = freeze(await ex.watchOrderBook(BTC));
    const rest = freeze(await ex.fetchOrderBook(BTC, 1000));
    expect(first).toEqual(rest);
    const ticker = server.venue.ticker(BTC);
    expect(first.bids[0]).toEqual([ticker.bid, ticker.bidVolume]);
    expect(first.asks[0]).toEqual([ticker.ask, ticker.askVolume]);
    expect(first.bids.length).toBeGreaterThan(50);
    expect(first.bids.map((l) => l[0])).toEqual([...first.bids.map((l) => l[0])].sort((a, b) => b! - a!));
    expect(first.asks.map((l) => l[0])).toEqual([...first.asks.map((l) => l[0])].sort((a, b) => a! - b!));
    expect(server.counters.snapshot().requests['GET /fapi/v1/depth']).toBeGreaterThanOrEqual(2);
  });

  it('applies the diff events: the held book follows the venue, level changes and price steps alike', async () => {
    let previous = await expectInSync(BTC);
    for (const ms of [700, 2_000, 10_000, 25_000]) {
      await clock.advance(ms);
      // A push publishes the change and ccxt applies it to the book it already holds. The push
      // may land during the advance, before a watch would be waiting for it: wait on the book.
      const moved = await watchUntil(BTC, previous.nonce + 1);
      expect(moved.nonce).toBeGreaterThan(previous.nonce);
      previous = await expectInSync(BTC);
    }
    // A whole price step later the touch moved with the ticker.
    expect(previous.bids[0]![0]).toBe(server.venue.ticker(BTC).bid);
  });

  it("our own resting orders sit on the book at their price, and leave it when canceled", async () => {
    const before = await expectInSync(BTC);
    const [price, size] = before.bids[3]!;
    const placed = server.venue.placeOrder({ symbol: BTC, side: 'buy', type: 'limit', price: price!, amount: 0.5 });
    await watchUntil(BTC, before.nonce + 1);
    const withOrder = await expectInSync(BTC);
    expect(withOrder.bids[3]![0]).toBe(price);
    expect(withOrder.bids[3]![1]).toBeCloseTo(size! + 0.5, 9);
    server.venue.cancelOrder({ id: placed.id });
    await watchUntil(BTC, withOrder.nonce + 1);
    expect((await expectInSync(BTC)).bids[3]).toEqual([price, size]);
  });

  it('a taker order that empties the best ask shows in the held book, in sync with the REST snapshot', async () => {
    const before = await expectInSync(BTC);
    const [price, size] = before.asks[0]!;
    // The account's own market buy takes the best ask whole; it stays taken until redrawn.
    const order = server.venue.placeOrder({ symbol: BTC, side: 'buy', type: 'market', amount: size! });
    expect(order.fills.map((f) => [f.price, f.amount])).toEqual([[price, size]]);
    await watchUntil(BTC, before.nonce + 1);
    const after = await expectInSync(BTC);
    expect(after.asks[0]).toEqual(before.asks[1]);
    // Flat again, for the tests after.
    server.venue.placeOrder({ symbol: BTC, side: 'sell', type: 'market', amount: size!, reduceOnly: true });
  });

  it('resyncs after a wsdrop: the watch fails with NetworkError, the next one fetches a new snapshot', async () => {
    const before = await expectInSync(ETH);
    const depthCalls = server.counters.snapshot().requests['GET /fapi/v1/depth'] ?? 0;
    server.faults.set('wsdrop:path=public');
    const error = await thrown(async () => {
      for (;;) await ex.watchOrderBook(ETH);
    });
    expect(error).toBeInstanceOf(NetworkError);
    server.faults.clear();
    expect(server.ws.counters.drops).toBeGreaterThan(0);
    // The book moves while nobody is connected.
    await clock.advance(12_000);
    const after = freeze(await ex.watchOrderBook(ETH));
    expect(after.nonce).toBeGreaterThan(before.nonce);
    expect(server.counters.snapshot().requests['GET /fapi/v1/depth']).toBeGreaterThan(depthCalls);
    await expectInSync(ETH);
  });

  it('stays in sync when websocket messages arrive late (wsdelay): updates older than the snapshot are dropped', async () => {
    await expectInSync(BTC);
    server.faults.set('wsdelay:300');
    for (const ms of [1_500, 11_000]) {
      await clock.advance(ms);
      // The snapshot is taken before the delayed diff arrives: its id is ahead of the stream.
      const rest = freeze(await ex.fetchOrderBook(BTC, 1000));
      expect(await watchUntil(BTC, rest.nonce)).toEqual(rest);
    }
    // A new subscription under the delay: the snapshot comes first, then the late diffs.
    const sol = 'SOL/USD:USD';
    await ex.watchOrderBook(sol);
    await clock.advance(3_000);
    await expectInSync(sol);
  });

  it('serves <s>@depth<N> partial books and refuses a limit Binance does not take', async () => {
    const probe = await Probe.open(`${server.url.replace('http://', 'ws://')}/public/ws/1`);
    probe.send({ method: 'SUBSCRIBE', params: ['ethusd@depth5@100ms'], id: 7 });
    await probe.next((m) => m['id'] === 7 && m['result'] === null);
    const event = await probe.next((m) => m['e'] === 'depthUpdate');
    const rest = (await rawRequest(`${server.url}/fapi/v1/depth?symbol=ETHUSD&limit=5`)).body as Record<string, unknown>;
    expect(event['u']).toBe(rest['lastUpdateId']);
    expect([event['b'], event['a']]).toEqual([rest['bids'], rest['asks']]);
    expect((event['b'] as unknown[]).length).toBe(5);
    probe.ws.close();
    const bad = await rawRequest(`${server.url}/fapi/v1/depth?symbol=ETHUSD&limit=7`);
    expect([bad.status, (bad.body as { code: number }).code]).toEqual([400, -1130]);
  });
});
