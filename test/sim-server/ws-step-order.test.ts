/**
 * At a price step the sim server sends the account's fills before the step's market data, as a
 * venue's user stream does not queue behind its public one: a strategy hears of its fill first;
 * and the order updates of one step leave in one socket write, not one write (and one read at
 * the strategy's end) per frame.
 * Virtual venue time (the step is crossed at once), wall-time push ticks of 30 ms.
 */
import { Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { Probe, sleep } from './fixtures/ws-probe.js';

type Frame = Record<string, unknown>;

describe('sim-server: one push tick', () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12, 0, 3));
  let server: SimServer;
  /** Every frame the server sent, on either connection, in the order it sent them. */
  const sent: Frame[] = [];
  const send = WebSocket.prototype.send;
  let user: Probe;
  let market: Probe;
  /** Every socket write the server made to the user stream's connection: the frames it carried. */
  const userWrites: number[] = [];
  type WriteFn = (this: Socket, ...a: unknown[]) => unknown;
  const proto = Socket.prototype as unknown as Record<'_write' | '_writev', WriteFn>;
  const write = proto._write;
  const writev = proto._writev;

  beforeAll(async () => {
    server = await startSimServer({ port: 0, seed: 5, clock, wsPushMs: 30 });
    const ws = server.url.replace('http://', 'ws://');
    user = await Probe.openUserStream(server.url);
    market = await Probe.open(`${ws}/market/ws`);
    market.send({ method: 'SUBSCRIBE', params: ['!miniTicker@arr'], id: 1 });
    await market.next((m) => m['id'] === 1);
    // Two sockets: their order is the server's, seen where it sends (the probes send no more).
    WebSocket.prototype.send = function (this: WebSocket, data: unknown, ...rest: unknown[]) {
      if (typeof data === 'string') sent.push(...[JSON.parse(data) as Frame | Frame[]].flat());
      return (send as (...a: unknown[]) => void).call(this, data, ...rest);
    } as typeof send;
    // Its far end is the user probe's socket; a frame is a header chunk and a payload chunk.
    const userPort = (user.ws as unknown as { _socket: Socket })._socket.localPort;
    const frames = (chunks: unknown[]): number => chunks.filter((c) => Buffer.isBuffer(c) ? c.length > 14 : typeof c === 'string').length;
    proto._write = function (this: Socket, ...a: unknown[]) {
      if (this.remotePort === userPort) userWrites.push(1);
      return write.apply(this, a);
    };
    proto._writev = function (this: Socket, ...a: unknown[]) {
      if (this.remotePort === userPort) userWrites.push(frames((a[0] as { chunk: unknown }[]).map((c) => c.chunk)));
      return writev.apply(this, a);
    };
  });

  afterAll(async () => {
    WebSocket.prototype.send = send;
    proto._write = write;
    proto._writev = writev;
    user.ws.close();
    market.ws.close();
    await server.close();
  });

  /**
   * A buy a tick under and a sell a tick over the last price on every market: whichever way a
   * market's next step goes, one of them is reached.
   */
  function straddleEveryMarket(): void {
    for (const m of server.venue.listMarkets().filter((x) => x.type === 'swap')) {
      const last = server.venue.ticker(m.symbol).last;
      const amount = Math.max(m.minAmount, Math.ceil(20 / last / m.lotSize) * m.lotSize);
      const at = (ticks: number): number => Number(((Math.round(last / m.tickSize) + ticks) * m.tickSize).toFixed(10));
      server.venue.placeOrder({ symbol: m.symbol, side: 'buy', type: 'limit', amount, price: at(-1) });
      server.venue.placeOrder({ symbol: m.symbol, side: 'sell', type: 'limit', amount, price: at(1) });
    }
  }

  it('sends the fills of a step in one socket write and their ACCOUNT_UPDATE, before that tick\'s market data', async () => {
    straddleEveryMarket();
    await sleep(100);
    sent.length = 0;
    userWrites.length = 0;
    await clock.advance(30_000);
    await user.next((m) => m['e'] === 'ACCOUNT_UPDATE');
    await sleep(100);
    const fills = sent.filter((f) => f['e'] === 'ORDER_TRADE_UPDATE' && (f['o'] as Frame)['x'] === 'TRADE');
    expect(fills.length).toBeGreaterThan(0);
    const tick = fills[0]!['E'];
    const ofTick = sent.filter((f) => f['E'] === tick);
    const lastUser = ofTick.findLastIndex((f) => f['e'] === 'ORDER_TRADE_UPDATE' || f['e'] === 'ACCOUNT_UPDATE');
    const firstMarket = ofTick.findIndex((f) => f['e'] === '24hrMiniTicker');
    expect(firstMarket).toBeGreaterThan(lastUser);
    // The step's order updates left in one socket write, its ACCOUNT_UPDATE in the next: one read
    // at the other end, not a read (and a wake-up of the strategy) per frame.
    const updates = sent.filter((f) => f['e'] === 'ORDER_TRADE_UPDATE' && f['E'] === tick).length;
    expect(updates).toBeGreaterThan(2);
    expect(userWrites).toEqual([updates, 1]);
  });

  it('keeps a step\'s order updates in one socket write when wsdelay holds them back', async () => {
    // Latency delays a burst as a whole; it does not split it into a write (and a read) per frame.
    server.faults.set('wsdelay:50');
    try {
      straddleEveryMarket();
      await sleep(200);
      sent.length = 0;
      userWrites.length = 0;
      await clock.advance(30_000);
      await user.next((m) => m['e'] === 'ACCOUNT_UPDATE' && (m['E'] as number) >= clock.now() - 1_000);
      await sleep(200);
    } finally {
      server.faults.clear();
    }
    const fills = sent.filter((f) => f['e'] === 'ORDER_TRADE_UPDATE' && (f['o'] as Frame)['x'] === 'TRADE');
    expect(fills.length).toBeGreaterThan(0);
    const tick = fills[0]!['E'];
    const updates = sent.filter((f) => f['e'] === 'ORDER_TRADE_UPDATE' && f['E'] === tick).length;
    expect(updates).toBeGreaterThan(2);
    expect(userWrites).toEqual([updates, 1]);
  });
});
