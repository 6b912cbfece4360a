/**
 * The listenKey's validity, shortened so that "a key not kept alive expires" can be tried
 * against a sim-server: `misso sim-server --listen-key-ttl SECS` and `startSimServer({
 * listenKeyValidityMs })`. A key not kept alive for that long dies: `listenKeyExpired` on its
 * user stream at the next push, then the stream closes; one kept alive lives on.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { simServerCommand } from '../../src/cli/sim-server.js';
import { DEFAULT_SIM_API_KEY, startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { rawRequest } from './fixtures/sim-client.js';
import { Probe } from './fixtures/ws-probe.js';

function capture(): { io: { stdout: { write(t: string): boolean }; stderr: { write(t: string): boolean } }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (t: string) => ((out += t), true) }, stderr: { write: (t: string) => ((err += t), true) } },
    out: () => out,
    err: () => err,
  };
}

async function waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const keyCall = (url: string, method: string) => rawRequest(`${url}/fapi/v1/listenKey`, { method, headers: { 'X-MBX-APIKEY': DEFAULT_SIM_API_KEY } });

describe('listenKey validity', () => {
  it.each([
    [['--listen-key-ttl', '0'], '--listen-key-ttl 0 must be from 1 to 86400 seconds'],
    [['--listen-key-ttl', '-5'], '--listen-key-ttl -5 must be from 1 to 86400 seconds'],
    [['--listen-key-ttl', '86401'], '--listen-key-ttl 86401 must be from 1 to 86400 seconds'],
    [['--listen-key-ttl', '1.5'], '--listen-key-ttl "1.5" must be a whole number of seconds'],
    [['--listen-key-ttl', '10s'], '--listen-key-ttl "10s" must be a whole number of seconds'],
    [['--listen-key-ttl'], '--listen-key-ttl needs a value'],
  ])('misso sim-server refuses %j with exit 2 and a one-line reason', async (argv, message) => {
    const c = capture();
    expect(await simServerCommand(argv, c.io)).toBe(2);
    expect(c.err()).toContain(message);
    expect(c.err()).toMatch(/^misso sim-server: /);
    expect(c.err()).not.toMatch(/\n\s+at /);
  });

  it('--help names --listen-key-ttl', async () => {
    const c = capture();
    expect(await simServerCommand(['--help'], c.io)).toBe(0);
    expect(c.out()).toContain('--listen-key-ttl SECS');
  });

  it('misso sim-server --listen-key-ttl 1: a key not kept alive dies after a second, listenKeyExpired pushed, the stream closed', async () => {
    const c = capture();
    const abort = new AbortController();
    let server: SimServer | undefined;
    const done = simServerCommand(['--port', '0', '--listen-key-ttl', '1', '--log-level', 'silent'], { ...c.io, signal: abort.signal, onListening: (s) => (server = s) });
    await waitFor(() => server !== undefined);
    try {
      expect(c.out()).toMatch(/^misso sim-server listening on http:\/\/127\.0\.0\.1:\d+ \(seed 7, key misso-sim-key, listenKey ttl 1 s\)\n/);
      const born = Date.now();
      const probe = await Probe.openUserStream(server!.url);
      const key = new URL(probe.ws.url).searchParams.get('listenKey');
      const expired = await probe.next((m) => m['e'] === 'listenKeyExpired', 4_000);
      expect(expired).toMatchObject({ listenKey: key });
      // Not before its second (then at the next push, every second).
      expect(Date.now() - born).toBeGreaterThanOrEqual(1_000);
      expect(await probe.closed()).toBe(1000);
      expect((await keyCall(server!.url, 'PUT')).body).toMatchObject({ code: -1125 });
    } finally {
      abort.abort();
      expect(await done).toBe(0);
    }
  });

  it('startSimServer({ listenKeyValidityMs }): the key dies that long after its last keep-alive, in the server clock', async () => {
    const clock = new VirtualClock(Date.now());
    const server = await startSimServer({ port: 0, seed: 9, clock, listenKeyValidityMs: 5_000, wsPushMs: 20 });
    try {
      const probe = await Probe.openUserStream(server.url);
      const key = new URL(probe.ws.url).searchParams.get('listenKey')!;
      await clock.advance(4_000);
      expect((await keyCall(server.url, 'PUT')).status).toBe(200);
      await clock.advance(4_000);
      await new Promise((r) => setTimeout(r, 100)); // a few pushes: the key, kept alive, lives
      expect(probe.messages.filter((m) => (m as Record<string, unknown>)['e'] === 'listenKeyExpired')).toEqual([]);
      expect(server.listenKeys.isValid(key, clock.now())).toBe(true);
      await clock.advance(1_000);
      expect(await probe.next((m) => m['e'] === 'listenKeyExpired')).toMatchObject({ listenKey: key, E: clock.now() });
      expect(await probe.closed()).toBe(1000);
    } finally {
      await server.close();
    }
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('startSimServer refuses listenKeyValidityMs %s', async (ms) => {
    await expect(startSimServer({ port: 0, listenKeyValidityMs: ms })).rejects.toThrow(/listenKeyValidityMs must be a positive number of ms/);
  });
});
