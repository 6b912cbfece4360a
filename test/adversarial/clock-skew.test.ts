import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simServerCommand } from '../../src/cli/sim-server.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import type { ManagedExchangeSession } from '../../src/exchange/session.js';
import { signQuery } from '../../src/sim/http/binance-auth.js';
import type { SimServer } from '../../src/sim/http/binance-server.js';
import { localExample, REPO_ROOT, SIM_ENV } from './support/local-example.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-skew-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `misso sim-server --clock-offset-ms=N` in this process; resolves once it listens. */
async function skewedServer(offsetMs: number): Promise<{ server: SimServer; stop: () => Promise<number> }> {
  const abort = new AbortController();
  let server: SimServer | undefined;
  const sink = { write: () => true };
  const done = simServerCommand(['--port', '0', `--clock-offset-ms=${offsetMs}`, '--log-level', 'silent'], {
    stdout: sink,
    stderr: sink,
    signal: abort.signal,
    onListening: (s) => (server = s),
  });
  for (let i = 0; i < 200 && !server; i++) await new Promise((r) => setTimeout(r, 10));
  if (!server) throw new Error(`sim-server did not start: exit ${await done}`);
  return {
    server,
    stop: () => {
      abort.abort();
      return done;
    },
  };
}

async function until(predicate: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

// With adjustForTimeDifference (misso's default for Binance) the offset is learned while loading
// markets, before the first signed call; with it off, the first InvalidNonce resyncs the clock
// and the call is tried again.
const CASES = [
  { offsetMs: 30_000, learn: 'before the first signed call', options: {}, resyncs: 0 },
  { offsetMs: -30_000, learn: 'before the first signed call', options: {}, resyncs: 0 },
  { offsetMs: 30_000, learn: 'on the first InvalidNonce', options: { adjustForTimeDifference: false }, resyncs: 1 },
  { offsetMs: -30_000, learn: 'on the first InvalidNonce', options: { adjustForTimeDifference: false }, resyncs: 1 },
];

describe('a venue clock 30 s off', () => {
  it('sim-server --clock-offset-ms moves the server time and its recvWindow check', async () => {
    const { server, stop } = await skewedServer(30_000);
    try {
      const body = (await (await fetch(`${server.url}/fapi/v1/time`)).json()) as { serverTime: number };
      expect(Math.abs(body.serverTime - (Date.now() + 30_000))).toBeLessThan(2_000);
      // A request signed with this machine's time is outside the server's recvWindow.
      const sign = (query: string): string => `${query}&signature=${signQuery(query, SIM_ENV.MISSO_SIM_SECRET)}`;
      const headers = { 'X-MBX-APIKEY': SIM_ENV.MISSO_SIM_API_KEY };
      const refused = await fetch(`${server.url}/fapi/v2/balance?${sign(`timestamp=${Date.now()}`)}`, { headers });
      expect(((await refused.json()) as { code: number }).code).toBe(-1021);
      const accepted = await fetch(`${server.url}/fapi/v2/balance?${sign(`timestamp=${body.serverTime}`)}`, { headers });
      expect(accepted.status).toBe(200);
    } finally {
      expect(await stop()).toBe(0);
    }
  });

  it.each(CASES)('$offsetMs ms, offset learned $learn: starts, places an order and stays up', async ({ offsetMs, options, resyncs }) => {
    const { server, stop } = await skewedServer(offsetMs);
    const config = localExample(server.url, join(dir, `skew-${offsetMs}-${Object.keys(options).length}.db`), 3000);
    const exchange = config['exchange'] as { options: Record<string, unknown> };
    exchange.options = { ...exchange.options, ...options };
    const updater = await Updater.fromConfig(config, { baseDir: REPO_ROOT, env: SIM_ENV, logger: silentLogger(), startRetry: { baseMs: 50, maxMs: 400 } });
    try {
      await updater.start();
      expect(updater.phase).toBe('running');
      const symbol = 'BTC/USD:USD';
      const last = updater.state.get<Record<string, number>>('last_price')[symbol]!;
      const order = updater.pendingOrders.push([null, 0.01, Math.round(last * 0.8), 'buy', symbol]);
      expect(await until(() => order.status !== 'pending', 15_000)).toBe(true);
      expect(order.status).toBe('open');
      // Stays up: every task, signed ones included (balance, positions, open orders), reports ok.
      expect(await until(() => Object.values(updater.taskStatuses()).every((s) => s.ok === true), 20_000)).toBe(true);
      expect(updater.phase).toBe('running');
      expect(server.venue.listOrders().map((o) => o.clientOrderId)).toContain(order.clientOrderId);
      const stats = (updater.session as ManagedExchangeSession).stats();
      expect(stats.resyncs.ok).toBe(resyncs);
      expect(stats.errors.nonce).toBe(resyncs);
    } finally {
      await updater.stop();
      await stop();
    }
  }, 60_000);
});
