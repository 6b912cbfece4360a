/**
 * The sim server's websocket dialect at the wire level (subscriptions, payloads, listenKeys) and
 * its websocket faults, switched at run time through the admin route.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { DEFAULT_SIM_API_KEY, startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { rawRequest } from './fixtures/sim-client.js';
import { Probe, sleep } from './fixtures/ws-probe.js';

/** How long a probe's LIST_SUBSCRIPTIONS took to be answered, ms. */
async function answered(p: Probe, id: number): Promise<number> {
  const sent = Date.now();
  p.send({ method: 'LIST_SUBSCRIPTIONS', id });
  await p.next((m) => m['id'] === id);
  return Date.now() - sent;
}

describe('sim-server websocket dialect and faults', () => {
  let server: SimServer;
  let wsUrl: string;
  const probes: Probe[] = [];
  const open = async (path: string): Promise<Probe> => {
    const p = await Probe.open(`${wsUrl}${path}`);
    probes.push(p);
    return p;
  };
  const listenKey = async (method = 'POST'): Promise<{ status: number; body: unknown }> =>
    rawRequest(`${server.url}/fapi/v1/listenKey`, { method, headers: { 'X-MBX-APIKEY': DEFAULT_SIM_API_KEY } });

  beforeEach(async () => {
    server = await startSimServer({ port: 0, seed: 9, wsPushMs: 50 });
    wsUrl = server.url.replace('http://', 'ws://');
  });

  afterEach(async () => {
    for (const p of probes.splice(0)) p.ws.terminate();
    await server.close();
  });

  it('answers SUBSCRIBE, LIST_SUBSCRIPTIONS and UNSUBSCRIBE with {result, id} and pushes each stream', async () => {
    const p = await open('/market/ws/0');
    p.send({ method: 'SUBSCRIBE', params: ['btcusd@kline_1m', 'ethusd@markPrice', '!ticker@arr', 'btcusd@bookTicker'], id: 1 });
    expect(await p.next((m) => m['id'] === 1)).toEqual({ result: null, id: 1 });
    const kline = await p.next((m) => m['e'] === 'kline');
    expect(kline['s']).toBe('BTCUSD');
    expect((kline['k'] as Record<string, unknown>)['i']).toBe('1m');
    expect((await p.next((m) => m['e'] === 'markPriceUpdate'))['s']).toBe('ETHUSD');
    expect((await p.next((m) => m['e'] === 'bookTicker'))['s']).toBe('BTCUSD');
    const all = p.messages.find((m) => Array.isArray(m)) as Record<string, unknown>[];
    expect(all.map((t) => t['e'])).toEqual(new Array(40).fill('24hrTicker'));
    p.send({ method: 'LIST_SUBSCRIPTIONS', id: 2 });
    expect((await p.next((m) => m['id'] === 2))['result']).toEqual(['btcusd@kline_1m', 'ethusd@markPrice', '!ticker@arr', 'btcusd@bookTicker']);
    p.send({ method: 'UNSUBSCRIBE', params: ['!ticker@arr', 'btcusd@bookTicker'], id: 3 });
    await p.next((m) => m['id'] === 3);
    p.send({ method: 'LIST_SUBSCRIPTIONS', id: 4 });
    expect((await p.next((m) => m['id'] === 4))['result']).toEqual(['btcusd@kline_1m', 'ethusd@markPrice']);
    p.send({ method: 'SUBSCRIBE', params: ['nosuch@ticker'], id: 5 });
    expect((await p.next((m) => m['id'] === 5))['error']).toMatchObject({ code: 2 });
  });

  it('wsstall: data stops while pings are still answered', async () => {
    const p = await open('/market/ws/1');
    p.send({ method: 'SUBSCRIBE', params: ['btcusd@miniTicker'], id: 1 });
    await p.next((m) => m['e'] === '24hrMiniTicker');
    const admin = await rawRequest(`${server.url}/__misso/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ spec: 'wsstall' }),
    });
    expect(admin.status).toBe(200);
    while (server.ws.counters.stalls === 0) await sleep(20);
    const count = p.messages.length;
    const pong = new Promise<boolean>((resolve) => p.ws.once('pong', () => resolve(true)));
    p.ws.ping();
    expect(await pong).toBe(true);
    await sleep(300);
    expect(p.messages.length).toBe(count);
    expect(server.ws.counters.stalls).toBe(1);
  });

  it('wsrefuse refuses subscriptions (-1003) and private dials (HTTP 403)', async () => {
    const key = ((await listenKey()).body as { listenKey: string }).listenKey;
    server.faults.set('wsrefuse');
    const p = await open('/market/ws/0');
    p.send({ method: 'SUBSCRIBE', params: ['btcusd@ticker'], id: 7 });
    expect((await p.next((m) => m['id'] === 7))['error']).toMatchObject({ code: -1003 });
    await expect(open(`/private/ws?listenKey=${key}`)).rejects.toThrow('HTTP 403');
    server.faults.clear();
    await expect(open(`/private/ws?listenKey=${key}`)).resolves.toBeInstanceOf(Probe);
  });

  it('wsdelay:MS holds every message at least MS', async () => {
    server.faults.set('wsdelay:300');
    const p = await open('/ws');
    const sent = Date.now();
    p.send({ method: 'LIST_SUBSCRIPTIONS', id: 1 });
    await p.next((m) => m['id'] === 1);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(300);
  });

  it('wsdelay:MS:path=P, switched on through the admin route, holds only the connections on that path', async () => {
    const post = (spec: string): Promise<{ status: number; body: unknown }> => rawRequest(`${server.url}/__misso/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ spec }),
    });
    const refused = await post('wsdelay:400:calls=2');
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('wsdelay takes no calls=');
    expect((await post('wsdelay:400:path=public')).status).toBe(200);
    expect(server.faults.spec).toBe('wsdelay:400:path=public');
    const [market, pub] = [await open('/market/ws/0'), await open('/public/ws/0')];
    const [marketMs, publicMs] = await Promise.all([answered(market, 1), answered(pub, 2)]);
    expect(publicMs).toBeGreaterThanOrEqual(400);
    expect(marketMs).toBeLessThan(400);
  });

  it('path=private faults reach the user stream by its legacy address /ws/<listenKey>, as they reach /private/ws', async () => {
    const key = ((await listenKey()).body as { listenKey: string }).listenKey;
    server.faults.set('wsdelay:300:path=private');
    const [legacy, market] = [await open(`/ws/${key}`), await open('/market/ws/0')];
    const [legacyMs, marketMs] = await Promise.all([answered(legacy, 1), answered(market, 2)]);
    expect(legacyMs).toBeGreaterThanOrEqual(300);
    expect(marketMs).toBeLessThan(300);
    server.faults.set('wsrefuse:path=private');
    await expect(open(`/ws/${key}`)).rejects.toThrow('HTTP 403');
    server.faults.set('wsdrop:path=private');
    expect(await legacy.closed()).toBe(1006);
  });

  it('listenkey_expire sends listenKeyExpired and closes; keep-alive of the dead key answers -1125', async () => {
    const key = ((await listenKey()).body as { listenKey: string }).listenKey;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const p = await open(`/private/ws?listenKey=${key}`);
    server.faults.set('listenkey_expire:calls=1');
    expect(await p.next((m) => m['e'] === 'listenKeyExpired')).toMatchObject({ listenKey: key });
    expect(await p.closed()).toBe(1000);
    expect(await listenKey('PUT')).toMatchObject({ status: 400, body: { code: -1125 } });
    await expect(open(`/private/ws?listenKey=${key}`)).rejects.toThrow('HTTP 400');
    const fresh = ((await listenKey()).body as { listenKey: string }).listenKey;
    expect(fresh).not.toBe(key);
  });

  it('a listenKey lives only while kept alive (an hour by default)', async () => {
    const clock = new VirtualClock(Date.now());
    const timed = await startSimServer({ port: 0, seed: 9, clock });
    try {
      const call = (method: string) =>
        rawRequest(`${timed.url}/fapi/v1/listenKey`, { method, headers: { 'X-MBX-APIKEY': DEFAULT_SIM_API_KEY } });
      const key = ((await call('POST')).body as { listenKey: string }).listenKey;
      await clock.advance(59 * 60_000);
      expect((await call('PUT')).status).toBe(200);
      await clock.advance(59 * 60_000);
      expect(timed.listenKeys.isValid(key, clock.now())).toBe(true);
      await clock.advance(2 * 60_000);
      expect((await call('PUT')).body).toMatchObject({ code: -1125 });
      expect((await rawRequest(`${timed.url}/fapi/v1/listenKey`, { method: 'POST' })).body).toMatchObject({ code: -2014 });
    } finally {
      await timed.close();
    }
  });

  it('pushes ORDER_TRADE_UPDATE and ACCOUNT_UPDATE to the private stream as the venue fills', async () => {
    const key = ((await listenKey()).body as { listenKey: string }).listenKey;
    const p = await open(`/private/ws?listenKey=${key}`);
    const order = server.venue.placeOrder({ symbol: 'ETH/USD:USD', side: 'sell', type: 'market', amount: 0.1 });
    const update = await p.next((m) => m['e'] === 'ORDER_TRADE_UPDATE' && (m['o'] as Record<string, unknown>)['x'] === 'TRADE');
    expect(update['o']).toMatchObject({ s: 'ETHUSD', i: Number(order.id), X: 'FILLED', l: '0.100', ps: 'BOTH' });
    const account = await p.next((m) => m['e'] === 'ACCOUNT_UPDATE');
    expect((account['a'] as { P: unknown[] }).P).toEqual([expect.objectContaining({ s: 'ETHUSD', pa: '-0.100' })]);
  });
});
