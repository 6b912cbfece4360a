/**
 * A `wsdelay` lowered at run time keeps each connection's messages in the order they were sent:
 * the ones still held back go out first, as on a TCP stream. Before, each message had a timer of
 * its own, so after `wsdelay:600` → none the new messages overtook the delayed ones (event times
 * going back, a depth stream's `pu` chain broken).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { Probe, sleep } from './fixtures/ws-probe.js';

describe('sim-server: wsdelay switched down at run time', () => {
  let server: SimServer;

  beforeAll(async () => {
    server = await startSimServer({ port: 0, seed: 5, wsPushMs: 50 });
  });

  afterAll(async () => {
    await server.close();
  });

  it('delivers every message of a connection in the order it was sent', async () => {
    const probe = await Probe.open(`${server.url.replace('http://', 'ws://')}/market/ws`);
    probe.send({ method: 'SUBSCRIBE', params: ['btcusd@ticker', 'btcusd@depth'], id: 1 });
    await probe.next((m) => m['e'] === '24hrTicker');
    server.faults.set('wsdelay:600');
    await sleep(400);
    server.faults.set('none');
    await sleep(1_000);
    probe.ws.close();
    const events = probe.messages.filter((m): m is Record<string, number> => typeof m === 'object' && m !== null && 'E' in m);
    expect(events.length).toBeGreaterThan(10);
    for (const kind of ['24hrTicker', 'depthUpdate']) {
      const times = events.filter((m) => (m['e'] as unknown) === kind).map((m) => m['E']!);
      expect(times.length).toBeGreaterThan(5);
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }
    const diffs = events.filter((m) => (m['e'] as unknown) === 'depthUpdate');
    for (let i = 1; i < diffs.length; i++) expect(diffs[i]!['pu']).toBe(diffs[i - 1]!['u']);
  });
});
