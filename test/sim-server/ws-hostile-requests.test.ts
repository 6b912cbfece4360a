/**
 * Requests a hostile or broken client can send to the sim server's websockets and klines route:
 * each is answered with an error on its own connection, and the server keeps serving everyone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { Probe, sleep } from './fixtures/ws-probe.js';
import { rawRequest } from './fixtures/sim-client.js';

describe('sim-server: hostile websocket requests', () => {
  let server: SimServer;
  let ws: string;

  beforeAll(async () => {
    server = await startSimServer({ port: 0, seed: 5, wsPushMs: 50 });
    ws = server.url.replace('http://', 'ws://');
  });

  afterAll(async () => {
    await server.close();
  });

  /** The server still answers: a fresh connection subscribes and gets data. */
  async function stillServing(): Promise<void> {
    const probe = await Probe.open(`${ws}/market/ws`);
    probe.send({ method: 'SUBSCRIBE', params: ['btcusd@miniTicker'], id: 99 });
    await probe.next((m) => m['e'] === '24hrMiniTicker');
    probe.ws.close();
  }

  it.each(['null', '42', '"SUBSCRIBE"', 'true'])('answers the JSON value %s, which is no request, with an error', async (text) => {
    const probe = await Probe.open(`${ws}/market/ws`);
    probe.ws.send(text);
    const reply = await probe.next((m) => 'error' in m);
    expect(reply).toMatchObject({ error: { code: expect.any(Number) }, id: null });
    probe.send({ method: 'LIST_SUBSCRIPTIONS', id: 2 });
    expect(await probe.next((m) => m['id'] === 2)).toEqual({ result: [], id: 2 });
    probe.ws.close();
    await stillServing();
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'refuses the kline interval %s that every object inherits',
    async (interval) => {
      const probe = await Probe.open(`${ws}/market/ws`);
      probe.send({ method: 'SUBSCRIBE', params: [`btcusd@kline_${interval}`], id: 1 });
      const reply = await probe.next((m) => m['id'] === 1);
      expect(reply).toMatchObject({ error: { code: 2 } });
      await sleep(150);
      expect(probe.closeCode).toBeUndefined();
      probe.ws.close();
      await stillServing();
    },
  );

  it('closes a connection that sends a frame over 1 MB (1009) and serves the others', async () => {
    const probe = await Probe.open(`${ws}/market/ws`);
    const params = Array.from({ length: 100_000 }, () => 'btcusd@ticker');
    probe.send({ method: 'SUBSCRIBE', params, id: 1 });
    expect(await probe.closed()).toBe(1009);
    expect(probe.messages).toEqual([]);
    await stillServing();
  });

  it.each(['constructor', 'toString', '__proto__'])('GET /fapi/v1/klines refuses the interval %s with -1120', async (interval) => {
    const res = await rawRequest(`${server.url}/fapi/v1/klines?symbol=BTCUSD&interval=${interval}&limit=2`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: -1120, msg: 'Invalid interval.' });
  });

  it('the in-process venue refuses the timeframe constructor too', () => {
    expect(() => server.venue.candles('BTC/USD:USD', 'constructor')).toThrow(/timeframe constructor is not one of/);
  });
});
